"""Per-sample numpy losses and their registry.

Importing this package registers every loss; each is also a plain function on numpy arrays,
e.g. ``losscli.losses.huber(pred, target, delta=1.0)``.
"""

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
from losscli.losses import boxes, classification, gan, ranking, regression, segmentation  # noqa: F401  (registration)
from losscli.losses.regression import (
    absolute_error as absolute_error,
    absolute_percentage_error as absolute_percentage_error,
    gamma_deviance as gamma_deviance,
    gaussian_nll as gaussian_nll,
    huber as huber,
    log_cosh as log_cosh,
    pinball as pinball,
    poisson_deviance as poisson_deviance,
    poisson_nll as poisson_nll,
    smooth_l1 as smooth_l1,
    squared_error as squared_error,
    squared_log_error as squared_log_error,
    tweedie_deviance as tweedie_deviance,
)
from losscli.losses.boxes import ciou as ciou, diou as diou, giou as giou, iou as iou
from losscli.losses.segmentation import dice as dice, jaccard as jaccard, tversky as tversky
from losscli.losses.ranking import (
    contrastive as contrastive,
    cosine_embedding as cosine_embedding,
    hinge_embedding as hinge_embedding,
    margin_ranking as margin_ranking,
    ntxent as ntxent,
    triplet as triplet,
)
from losscli.losses.gan import (
    gan_discriminator as gan_discriminator,
    gan_generator as gan_generator,
    hinge_discriminator as hinge_discriminator,
    hinge_generator as hinge_generator,
    wasserstein_critic as wasserstein_critic,
    wasserstein_generator as wasserstein_generator,
)
