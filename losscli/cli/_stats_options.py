"""The statistics flags (``--ci``, ``--ci-level``, ``--n-boot``, ``--seed``, ``-g``, ``--top-k``,
``--row-offset``), declared once for ``eval`` and ``compare``."""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer

STATS = "Statistics"


class CIMethod(str, enum.Enum):
    analytic = "analytic"
    bootstrap = "bootstrap"


CI = Annotated[
    Optional[CIMethod],
    typer.Option(
        "--ci",
        help="Confidence interval of each headline: analytic (Student t from the streaming sums; DeLong for roc_auc) or bootstrap "
        "(Poisson bootstrap, identical for any chunking or sharding).",
        rich_help_panel=STATS,
        show_default=False,
    ),
]
CILevel = Annotated[float, typer.Option("--ci-level", help="Confidence level of --ci, in (0, 1).", rich_help_panel=STATS)]
NBoot = Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap replicates (at most 100,000).", rich_help_panel=STATS)]
Seed = Annotated[int, typer.Option("--seed", min=0, max=2**63 - 1, help="Seed of the bootstrap and permutation tests (recorded in the report).", rich_help_panel=STATS)]
GroupBy = Annotated[
    Optional[str],
    typer.Option("-g", "--group-by", metavar="SEL", help="Also report every loss per value of these column(s) of the input table.", rich_help_panel=STATS),
]
MaxGroups = Annotated[
    Optional[int],
    typer.Option(
        "--max-groups", metavar="N", min=1,
        help="Most groups -g/--group-by may make (default 100000; each costs memory): more is exit 3.",
        rich_help_panel=STATS, show_default=False,
    ),
]
TopK = Annotated[int, typer.Option("--top-k", metavar="K", min=0, help="List the K worst rows of each loss (row number, and --id-col value).", rich_help_panel=STATS)]
RowOffset = Annotated[
    int,
    typer.Option(
        "--row-offset",
        metavar="N",
        min=0,
        help="Rows before this input when it is one shard of a larger one: its bootstrap weights and row numbers then "
        "match a single run (for 'losscli merge'). An integer below 2**53.",
        rich_help_panel=STATS,
    ),
]
