"""CSV/TSV/whitespace/JSONL/Parquet tables via pandas (the only pandas user).

Numbers are parsed strictly: a cell that is not a number, empty, ``nan`` or ``NaN`` is an error
naming the file, the column and the row.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from losscli.errors import InputError

_NA = ["", "nan", "NaN"]


class Table:
    """A parsed table: its column names and strict numeric access to columns by position."""

    def __init__(self, frame: pd.DataFrame, where: str) -> None:
        self.frame = frame
        self.where = where
        self.columns = [str(c) for c in frame.columns]

    def __len__(self) -> int:
        return len(self.frame)

    def take(self, positions: list[int], role: str) -> np.ndarray:
        """Selected columns as a numeric array: (N,) for one column, (N, k) for several."""
        cols = [self._numeric(p, role) for p in positions]
        if len(cols) == 1:
            return cols[0]
        kinds = {c.dtype.kind for c in cols}
        return np.column_stack(cols).astype(np.int64 if kinds <= {"i", "u"} else np.float64)

    def take_ids(self, position: int) -> np.ndarray:
        """An id column as it is (strings or numbers)."""
        return self.frame.iloc[:, position].to_numpy()

    def _numeric(self, pos: int, role: str) -> np.ndarray:
        col = self.frame.iloc[:, pos]
        kind = col.dtype.kind
        if kind in "iu":
            return col.to_numpy(dtype=np.int64)
        if kind == "f":
            return col.to_numpy(dtype=np.float64)
        numeric = pd.to_numeric(col, errors="coerce")
        bad = numeric.isna().to_numpy() & col.notna().to_numpy()
        if bad.any() or kind == "b":
            row = int(np.flatnonzero(bad)[0]) if bad.any() else 0
            raise InputError(
                f"Non-numeric value {str(col.iloc[row])!r} in {self.where}, column '{self.columns[pos]}' "
                f"({role}), row {row + 1}."
            )
        return numeric.to_numpy(dtype=np.float64)


def read_table(
    data: Any, fmt: str, where: str, *, header: bool = True, delimiter: str | None = None, compression: str | None = None
) -> Table:
    """Parse ``data`` (a path or bytes) as a table of format ``fmt``."""
    if isinstance(data, bytes):
        data = io.BytesIO(data)
    try:
        if fmt == "parquet":
            frame = _read_parquet(data, where)
        elif fmt == "jsonl":
            frame = pd.read_json(data, lines=True, compression=compression or "infer")
        else:
            sep = delimiter or {"csv": ",", "tsv": "\t", "txt": r"\s+"}[fmt]
            frame = pd.read_csv(
                data,
                sep=sep,
                header=0 if header else None,
                keep_default_na=False,
                na_values=_NA,
                encoding="utf-8-sig",
                compression=compression or "infer",
                low_memory=False,
            )
    except pd.errors.EmptyDataError:
        raise InputError(f"{where} is empty.") from None
    except pd.errors.ParserError as e:
        raise InputError(f"{where} is not a well-formed {fmt.upper()} table: {_first_line(e)}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{where} is not UTF-8 text (byte {e.start}: {e.reason}).") from None
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"Cannot read {where} as {fmt.upper()}: {_first_line(e)}") from None
    if not header:
        frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    if len(frame) == 0:
        raise InputError(f"{where} has no data rows.")
    return Table(frame, where)


def concat(tables: list[Table], where: str) -> Table:
    """Several shard files read as one table (their columns must agree)."""
    first = tables[0].columns
    for t in tables[1:]:
        if t.columns != first:
            raise InputError(f"{t.where} has columns {t.columns}, but {tables[0].where} has {first}.")
    return Table(pd.concat([t.frame for t in tables], ignore_index=True), where)


def _read_parquet(data: Any, where: str) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(f"Reading {where} needs pyarrow: pip install 'losscli[parquet]'.") from None
    return pd.read_parquet(data)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
