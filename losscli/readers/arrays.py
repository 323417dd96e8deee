"""NPY/NPZ arrays via numpy: never unpickled, memory-mapped where possible."""

from __future__ import annotations

import io
import tokenize
import zipfile
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError


# numpy parses an NPY header with tokenize and ast.literal_eval: garbage there raises these.
_HEADER_ERRORS = (SyntaxError, tokenize.TokenError, MemoryError)


def read_npy(data: Any, where: str) -> np.ndarray:
    """Load an NPY file (memory-mapped when ``data`` is a path) or NPY bytes."""
    try:
        if isinstance(data, bytes):
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        else:
            arr = np.load(data, mmap_mode="r", allow_pickle=False)
    except ValueError as e:
        raise _load_error(e, where, "NPY file") from None
    except (OSError, EOFError) as e:
        raise InputError(f"{where} is not a valid NPY file: {e}") from None
    except _HEADER_ERRORS:
        raise InputError(f"{where} is not a valid NPY file: its header is corrupt.") from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        raise InputError(f"{where} is an NPZ archive; name it .npz or add ':npz'.")
    return check_dtype(arr, where)


def read_npz(data: Any, key: str | None, where: str) -> tuple[np.ndarray, str]:
    """The array ``key`` of an NPZ archive (the only array when ``key`` is None)."""
    try:
        archive = np.load(io.BytesIO(data) if isinstance(data, bytes) else data, allow_pickle=False)
    except ValueError as e:
        raise _load_error(e, where, "NPZ archive") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{where} is not a valid NPZ archive: {e}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(f"{where} is not an NPZ archive.")
    with archive:
        keys = list(archive.files)
        if key is None:
            if len(keys) != 1:
                raise UsageError(f"{where} holds several arrays ({', '.join(keys)}); choose one with {where}:KEY or --pred-key/--target-key.")
            key = keys[0]
        if key not in keys:
            raise InputError(f"{where} has no array '{key}'; it holds: {', '.join(keys) or 'nothing'}.")
        try:
            arr = archive[key]
        except ValueError as e:
            raise _load_error(e, f"{where}:{key}", "array") from None
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise InputError(f"{where}:{key} is not a valid array: {e}") from None
        except _HEADER_ERRORS:
            raise InputError(f"{where}:{key} is not a valid array: its NPY header is corrupt.") from None
    return check_dtype(arr, f"{where}:{key}"), key


def _load_error(e: ValueError, where: str, what: str) -> InputError:
    """numpy's refusals to unpickle, told apart: an object array, or a file of another format."""
    text = str(e)
    if "Object arrays" in text or "Python objects" in text:  # read_array / open_memmap on dtype=object
        return InputError(f"{where} holds a pickled object array; losscli never unpickles.")
    if "pickled (object) data" in text:  # np.load found neither the NPY magic nor a zip header
        return InputError(f"{where} is not a valid {what}: it has no NPY/NPZ header (losscli never unpickles).")
    return InputError(f"{where} is not a valid {what}: {e}")


def check_dtype(arr: np.ndarray, where: str) -> np.ndarray:
    """Accept integer, float and bool arrays with at least one dimension."""
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{where} has dtype {arr.dtype}; expected integers or floats.")
    if arr.ndim == 0:
        raise InputError(f"{where} holds a single scalar; expected one value per row.")
    return arr
