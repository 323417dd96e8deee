"""Labels as users have them: ``--classes a,b,c`` and ``--pos-label V`` (stdlib and numpy only).

A target column may hold class names (``cat``, ``dog``), codes (``3``, ``7``) or a binary
outcome (``yes``/``no``, ``-1``/``1``). ``LabelMap`` turns such a column into what the losses
take, chunk by chunk:

* ``--classes a,b,c``: label ``a`` is class 0, ``b`` class 1, ``c`` class 2 (the order of the
  prediction's columns). A label not in the list is exit 3 naming it and its row.
* ``--pos-label V``: label ``V`` is 1, any other label 0. A target with more than two distinct
  labels, or two labels neither of which is ``V``, is exit 3 (at the row where it becomes
  certain: a typo in ``V`` would silently make every target 0); one label that is not ``V``
  gives a warning.

A label matches a given name when its text is the name, or when both are numbers of equal
value (``1``, ``1.0`` and ``+1`` are one label). Missing cells stay missing (NaN): the NaN
policy decides about their rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError, number, shown


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _key(value: Any) -> Any:
    """The identity of a label: its numeric value when it is a number (or a number's text),
    else its text without surrounding spaces."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)  # a JSON true is a name, not 1
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip()
    n = _number(text)
    return text if n is None else n


def _show(key: Any) -> str:
    """A label from the data as a line shows it: a number exactly, text quoted and cut
    (``errors.shown``: a 30 MB label must not become a 30 MB error line)."""
    return number(key) if isinstance(key, float) else shown(key) if isinstance(key, str) else repr(key)


@dataclass
class LabelMap:
    """``--classes`` (``classes``) or ``--pos-label`` (``positive``) applied to target chunks."""

    classes: tuple[str, ...] | None = None
    positive: str | None = None
    where: str = "target"
    seen: dict[Any, int] = field(default_factory=dict)  # --pos-label: distinct labels -> first row (1-based)

    @classmethod
    def from_flags(cls, classes: str | None, pos_label: str | None) -> "LabelMap | None":
        """The map the flags ask for (None without either); bad flag values are usage errors."""
        if classes is not None and pos_label is not None:
            raise UsageError("Pass one of --classes (class labels) and --pos-label (a binary target), not both.")
        if pos_label is not None:
            if not pos_label.strip():
                raise UsageError("--pos-label needs a label, e.g. --pos-label yes or --pos-label 1.")
            return cls(positive=pos_label.strip())
        if classes is None:
            return None
        names = tuple(c.strip() for c in classes.split(","))
        if len(names) < 2 or not all(names):
            raise UsageError(f"--classes '{classes}' must list at least two labels separated by commas, e.g. --classes cat,dog,bird.")
        keys = [_key(n) for n in names]
        dup = next((n for n, k in zip(names, keys) if keys.count(k) > 1), None)
        if dup is not None:
            raise UsageError(f"--classes names label '{dup}' twice.")
        return cls(classes=names)

    @property
    def flag(self) -> str:
        return "--pos-label" if self.positive is not None else "--classes"

    def config(self) -> dict[str, Any]:
        """The report's configuration entry."""
        return {"pos_label": self.positive} if self.positive is not None else {"classes": list(self.classes or ())}

    def check_width(self, columns: int | None) -> None:
        """``--classes`` names one label per column of pred (``columns``, when known), or two
        labels for one column (P(class 1) of a binary loss)."""
        if self.classes is not None and columns is not None and columns != len(self.classes) and (columns, len(self.classes)) != (1, 2):
            raise UsageError(
                f"--classes names {len(self.classes)} labels, but pred has {columns} column{'s' if columns != 1 else ''}: "
                "give one label per column, in the order of pred's columns."
            )

    def check_order(self, suffixes: list[str] | None) -> None:
        """Refuse pred columns named for the classes (``suffixes``: what tells their names apart,
        e.g. ``cat, dog, bird`` of ``logit_cat, logit_dog, logit_bird``) in another order than
        ``--classes``: column k is scored as class k."""
        if self.classes is None or not suffixes or list(suffixes) == list(self.classes) or sorted(suffixes) != sorted(self.classes):
            return
        order = ",".join(suffixes)
        raise UsageError(f"pred's columns are named for the classes in the order {_show(order)}, but --classes lists {_show(','.join(self.classes))}: pass --classes {order}, or -p with the columns in --classes order.")

    def apply(self, values: Any, first_row: int = 0) -> np.ndarray:
        """The target chunk whose first row is data row ``first_row + 1``, as class indices or 0/1
        (float64; NaN where a cell is missing)."""
        v = np.asarray(values)
        if v.ndim != 1:
            raise UsageError(f"{self.flag} maps one label column, but {self.where} has shape {v.shape}.")
        missing = _missing(v)
        out = np.full(len(v), np.nan)
        present = np.flatnonzero(~missing)
        if present.size == 0:
            return out
        uniq, first, inverse = _unique(v[present])
        codes = np.empty(len(uniq))
        for j in np.argsort(first, kind="stable"):  # in order of first appearance: errors name the earliest row
            codes[j] = self._code(_key(uniq[j]), first_row + int(present[first[j]]) + 1)
        out[present] = codes[inverse]
        return out

    def warnings(self) -> list[str]:
        """After the last chunk: a ``--pos-label`` that never occurred while the target has one
        label (a typo would make every target 0; an all-negative target is also possible)."""
        if self.positive is None or len(self.seen) != 1 or _key(self.positive) in self.seen:
            return []
        (only,) = self.seen
        return [f"--pos-label {self.positive!r} never occurs in {self.where}, whose only label is {_show(only)}: every target is 0."]

    def _code(self, key: Any, row: int) -> float:
        if self.classes is not None:
            for i, name in enumerate(self.classes):
                if _key(name) == key:
                    return float(i)
            raise InputError(f"Label {_show(key)} in {self.where} at row {row} is not one of --classes {','.join(self.classes)}.")
        pos = _key(self.positive)
        if key not in self.seen:
            self.seen[key] = row
            if len(self.seen) > 2:
                seen = ", ".join(_show(k) for k in self.seen)
                raise InputError(f"{self.where} has more than two labels ({seen}; the third at row {row}): --pos-label is for a binary target; use --classes for classes.")
            if len(self.seen) == 2 and pos not in self.seen:
                seen = " and ".join(_show(k) for k in self.seen)
                raise InputError(f"--pos-label {self.positive!r} is neither of the labels {seen} of {self.where} (the second at row {row}).")
        return 1.0 if key == pos else 0.0


def _missing(v: np.ndarray) -> np.ndarray:
    if v.dtype.kind == "f":
        return np.isnan(v)
    if v.dtype.kind == "O":
        with np.errstate(invalid="ignore"):
            return np.asarray((v != v) | np.equal(v, None), dtype=bool)
    return np.zeros(len(v), dtype=bool)


def _unique(v: np.ndarray) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """The distinct values of ``v`` (numbers as numbers, the rest as text), the position of the
    first occurrence of each, and each row's index into them."""
    if v.dtype.kind in "iuf":
        uniq, first, inverse = np.unique(v, return_index=True, return_inverse=True)
        return uniq.tolist(), first, inverse.ravel()
    # text (numbers mixed in from JSON keep their type: the key is made from the first of each text)
    _, first, inverse = np.unique(v.astype(str), return_index=True, return_inverse=True)
    return v[first].tolist(), first, inverse.ravel()
