"""Segmentation losses (see ../shared/LOSSES.md). Filled in by the segmentation work; registered on import."""

from __future__ import annotations
