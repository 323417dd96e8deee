"""Gan losses (see ../shared/LOSSES.md). Filled in by the gan work; registered on import."""

from __future__ import annotations
