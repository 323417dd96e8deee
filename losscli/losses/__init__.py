"""Per-sample numpy losses and their registry.

Importing this package imports every family module (each public ``losses/<family>.py``: the
line below; tests/test_registry.py fails when a module is missing from it), which registers its
losses; every registered loss function is then also a name of this package, e.g.
``losscli.losses.huber(pred, target, delta=1.0)``, derived from the registry: a loss added to a
family module needs no line here.
"""

from losscli.losses import boxes, calibration_metrics, classification, classification_metrics, gan, margins, rank_metrics, ranking, ranking_metrics, regression, regression_metrics, segmentation, sequence  # registration
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

FAMILY_MODULES = (boxes, calibration_metrics, classification, classification_metrics, gan, margins, rank_metrics, ranking, ranking_metrics, regression, regression_metrics, segmentation, sequence)
globals().update({spec.fn.__name__: spec.fn for spec in list_losses()})
__all__ = [
    "FAMILIES", "KERNELS", "BoundLoss", "Combination", "LossSpec", "format_value", "get_loss", "list_losses",
    "parse_spec", "presets", *sorted({spec.fn.__name__ for spec in list_losses()}),
]  # fmt: skip
