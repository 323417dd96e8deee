"""Per-sample numpy losses and their registry.

Importing this package imports every family module (each public ``losses/<family>.py`` on disk),
which registers its losses; every registered loss function is then also a name of this package,
e.g. ``losscli.losses.huber(pred, target, delta=1.0)``. Both come from the files and the registry:
a loss added to a family module, or a new family module, needs no line here.
"""

import importlib
import os

from losscli.losses._registry import (
    FAMILIES as FAMILIES,
    KERNELS as KERNELS,
    BoundLoss as BoundLoss,
    Combination as Combination,
    LossSpec as LossSpec,
    format_value as format_value,
    get_loss as get_loss,
    list_losses as list_losses,
    parse_spec as parse_spec,
    presets as presets,
)

FAMILY_MODULES = tuple(sorted(f[:-3] for f in os.listdir(os.path.dirname(__file__)) if f.endswith(".py") and not f.startswith("_")))
for _name in FAMILY_MODULES:
    importlib.import_module(f"{__name__}.{_name}")  # registration
del _name

globals().update({spec.fn.__name__: spec.fn for spec in list_losses()})
__all__ = [
    "FAMILIES", "KERNELS", "BoundLoss", "Combination", "LossSpec", "format_value", "get_loss", "list_losses",
    "parse_spec", "presets", *sorted({spec.fn.__name__ for spec in list_losses()}),
]  # fmt: skip
