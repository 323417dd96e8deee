"""Boxes losses (see ../shared/LOSSES.md). Filled in by the boxes work; registered on import."""

from __future__ import annotations
