"""Ranking losses (see ../shared/LOSSES.md). Filled in by the ranking work; registered on import."""

from __future__ import annotations
