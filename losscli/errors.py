"""Exceptions of losscli; each carries the exit code the CLI maps it to: 2 usage error,
3 could not evaluate, 4 a bug (the table is in README.md, "Exit codes").

Library layers raise these and never print or exit; ``losscli.cli`` turns them into one
``Error: ...`` line on stderr and the exit code.
"""

from __future__ import annotations


SHOWN_CHARS = 80  # the most characters of one value from the data that an error line shows


def shown(value: object) -> str:
    """A value from the data (a cell, a column name, a group value, an id) as an error line shows
    it: quoted, cut to ``SHOWN_CHARS`` characters (a 50 MB cell must not become a 50 MB line)."""
    text = str(value)
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    return f"{text[:SHOWN_CHARS]!r}... ({len(text)} characters)"


def number(value: float) -> str:
    """A number from the data as an error line shows it: exactly (``repr``: ``1.0000001`` is not
    shown as ``1``), an integral value without ``.0``."""
    return str(int(value)) if value == value and abs(value) < 1e16 and float(value).is_integer() else repr(float(value))


class LossCliError(Exception):
    """Base class of every error losscli reports to a user."""

    exit_code = 3


class UsageError(LossCliError):
    """Bad flag, unknown loss or parameter, bad spec, ambiguous columns (exit 2)."""

    exit_code = 2


class UnknownLossError(UsageError):
    """A loss name that is not registered."""


class SpecError(UsageError):
    """A malformed loss spec or a parameter outside its domain."""


class InputError(LossCliError):
    """Missing, unreadable or corrupt input; parse errors; empty input (exit 3)."""


class TooLargeError(InputError):
    """A number no float64 holds: an integer cell past ~1.8e308 (exit 3)."""


class ShapeError(InputError):
    """Shapes or lengths that do not match as the loss declares (exit 3)."""


class ValueDomainError(InputError):
    """A value outside a loss's domain (labels out of range, p outside [0, 1], ...) (exit 3).

    ``row`` is 0-based within the array the check saw; the engine shifts it by the chunk's
    offset, and the message shows it 1-based, as a data row of the input.
    """

    def __init__(self, what: str, row: int | None = None, role: str | None = None):
        super().__init__(what)
        self.what = what
        self.row = row
        self.role = role

    def __str__(self) -> str:
        where = f" at row {self.row + 1}" if self.row is not None else ""
        return f"{self.what}{where}"


class StateError(ValueError):
    """A metric state (a shard file: untrusted data) that its ``to_state`` would not write:
    ``field`` (a key of the state) and what is wrong with it. ``losscli merge`` reports it as
    exit 3 naming the file and the field."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"'{field}' {why}")
        self.field, self.why = field, why


class OutputError(LossCliError):
    """An output file that cannot be written (exit 3)."""


class InternalError(LossCliError):
    """A bug (exit 4)."""

    exit_code = 4
