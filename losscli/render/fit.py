"""Rich tables within the terminal's width, numbers never cut.

A table wider than the terminal is split by columns: the columns that do not fit go to a further
table printed under the first (after a blank line), and every part repeats the leading text columns (the loss, the
system, the file column: what names a row), so that each number stays on the row it belongs to.
A repeated text column folds when even one number column beside it would not fit; a number
column never wraps. The title and the caption are printed above and under the parts, wrapped
at the terminal's width (file and column names in them fold rather than run off the screen).
"""

from __future__ import annotations

import copy
import dataclasses

from rich.console import Console
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text


def print_fitted(console: Console, t: Table) -> None:
    """Print ``t`` (and its title and caption) within ``console.width``."""
    title, caption = _annotation(console, t.title), _annotation(console, t.caption)
    if title is not None:
        console.print(title, style=t.title_style or "table.title")
    for i, part in enumerate(split(console, t)):
        if i:
            console.print()  # a blank line between the parts of a split table
        console.print(part)
    if caption is not None:
        console.print(caption, style=t.caption_style or "table.caption")


def split(console: Console, t: Table) -> list[Table]:
    """``t`` without title and caption, as one table or as several parts that each fit ``console.width``.

    >>> t = Table("name", Column("a", justify="right"), Column("b", justify="right"))
    >>> t.add_row("x", "1.25", "2.5")
    >>> [[c.header for c in part.columns] for part in split(Console(width=14), t)]
    [['name', 'a'], ['name', 'b']]
    """
    keys = _key_columns(t.columns)
    groups: list[list[Column]] = [[]]
    for column in t.columns[len(keys) :]:
        if groups[-1] and natural_width(console, _part(t, keys, groups[-1] + [column])) > console.width:
            groups.append([])
        groups[-1].append(column)
    return [_part(t, keys, group) for group in groups]


def natural_width(console: Console, t: Table) -> int:
    """The width ``t`` takes when nothing in it wraps."""
    return Measurement.get(console, console.options.update_width(10_000), t).maximum


def _key_columns(columns: list[Column]) -> list[Column]:
    """The leading columns that are not right-justified (the first one at least, never all)."""
    n = next((i for i, c in enumerate(columns) if c.justify == "right"), len(columns))
    return columns[: min(max(n, 1), max(len(columns) - 1, 1))]


def _part(t: Table, keys: list[Column], columns: list[Column]) -> Table:
    """A copy of ``t`` with ``keys`` (text that may fold) and ``columns``, without title and caption."""
    part = copy.copy(t)
    part.title = part.caption = None
    folding = [dataclasses.replace(c, no_wrap=False, overflow="fold") for c in keys] if columns else keys
    # rich's Column keeps its position in the table (_index) for the padding of the first and last column
    part.columns = [dataclasses.replace(c, _index=i) for i, c in enumerate(folding + columns)]
    return part


def _annotation(console: Console, value: object) -> Text | None:
    """A title or caption as text that wraps at the terminal's width (a str is rich markup)."""
    if value is None or value == "":
        return None
    text = console.render_str(value) if isinstance(value, str) else value.copy() if isinstance(value, Text) else Text(str(value))
    text.no_wrap, text.overflow = False, "fold"
    return text
