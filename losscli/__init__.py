"""losscli: score saved model predictions with reference-exact losses.

Public API (importing it never imports typer, rich or pandas)::

    >>> import numpy as np, losscli
    >>> losscli.evaluate(np.array([0.5, -1.0]), np.array([0.0, 1.0]), ["huber:delta=0.5"]).losses[0].value
    0.5
"""

from losscli._version import __version__ as __version__  # noqa: E402

from losscli.engine import Accumulator as Accumulator, evaluate as evaluate  # noqa: E402
from losscli.losses import get_loss as get_loss, list_losses as list_losses  # noqa: E402
from losscli.report import LossResult as LossResult, Report as Report  # noqa: E402

__all__ = ["Accumulator", "LossResult", "Report", "__version__", "evaluate", "get_loss", "list_losses"]
