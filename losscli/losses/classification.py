"""Classification losses (see ../shared/LOSSES.md). Filled in by the classification work; registered on import."""

from __future__ import annotations
