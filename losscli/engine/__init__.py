"""The engine: role arrays in, per-sample losses folded into reduced values and statistics.

- ``accumulator.py``: the ``Accumulator`` (update / merge / state / from_state / compute), the
  one path from per-sample losses to a ``Report`` (``losscli.evaluate`` runs it on arrays or files);
- ``blocked.py``: the fast path of an update (cache-sized blocks on two threads, the compiled
  kernels the registry declares);
- ``dask.py``: ``--engine dask``, Accumulator states over partitions on a Dask cluster (imported
  only then; the only module that imports dask).
"""

from losscli.analysis import AnalysisOptions as AnalysisOptions
from losscli.engine.aggregates import is_statistic as is_statistic
from losscli.engine.accumulator import (
    NAN_POLICIES as NAN_POLICIES,
    Accumulator as Accumulator,
    keyed_parts as keyed_parts,
    one_sample_rows as one_sample_rows,
    reduction_names as reduction_names,
    requested_twice as requested_twice,
    resolve_losses as resolve_losses,
    rowwise as rowwise,
    shared_roles as shared_roles,
)
