"""losscli: score saved model predictions with reference-exact losses.

Public API (importing it never imports typer, rich or pandas; numpy and the registry load on
first use, so ``losscli --help`` stays fast)::

    >>> import numpy as np, losscli
    >>> losscli.evaluate(np.array([0.5, -1.0]), np.array([0.0, 1.0]), ["huber:delta=0.5"]).losses[0].value
    0.5

``losscli.evaluate`` takes paths too (``losscli.evaluate("pred.npy", "target.npy", ["mse"])``)
and then returns the report of ``losscli eval`` on those files (``losscli.run``).
"""

from losscli._version import __version__ as __version__

_LAZY = {
    "Accumulator": "losscli.engine",
    "evaluate": "losscli.run",
    "get_loss": "losscli.losses",
    "list_losses": "losscli.losses",
    "LossResult": "losscli.report",
    "Report": "losscli.report",
}

__all__ = ["Accumulator", "LossResult", "Report", "__version__", "evaluate", "get_loss", "list_losses"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")
