"""Rendering: a ``Report`` to text (JSON, JSONL, CSV, Markdown, bare scores) or a rich table,
and per-sample values to files."""
