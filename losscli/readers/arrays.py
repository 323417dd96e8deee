"""NPY/NPZ arrays via numpy: never unpickled, memory-mapped where possible."""

from __future__ import annotations

import io
import math
import os
import tokenize
import zipfile
from typing import Any

import numpy as np

from losscli.errors import InputError, UsageError


# numpy parses an NPY header with tokenize and ast.literal_eval: garbage there raises these.
HEADER_ERRORS = (SyntaxError, tokenize.TokenError, MemoryError)


def read_npy(data: Any, where: str) -> np.ndarray:
    """Load an NPY file (memory-mapped when ``data`` is a path) or NPY bytes."""
    _check_npy_size(data, where)
    try:
        if isinstance(data, bytes):
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        else:
            arr = np.load(data, mmap_mode="r", allow_pickle=False)
    except ValueError as e:
        raise _load_error(e, where, "NPY file") from None
    except zipfile.BadZipFile:  # zip magic: numpy took it for an NPZ archive
        raise InputError(f"{where} is not a valid NPY file (it starts like a zip archive).") from None
    except (OSError, EOFError) as e:
        raise InputError(f"{where} is not a valid NPY file: {e}") from None
    except HEADER_ERRORS:
        raise InputError(f"{where} is not a valid NPY file: its header is corrupt.") from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        raise InputError(f"{where} is an NPZ archive; name it .npz or add ':npz'.")
    return check_dtype(arr, where)


def open_npz(data: Any, where: str) -> Any:
    """An NPZ archive (numpy's ``NpzFile``, a context manager), or exit 3 saying why not."""
    if _is_empty(data):
        raise InputError(f"{where} is empty.")
    try:
        archive = np.load(io.BytesIO(data) if isinstance(data, bytes) else data, allow_pickle=False)
    except ValueError as e:
        raise _load_error(e, where, "NPZ archive") from None
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{where} is not a valid NPZ archive: {e}") from None
    except HEADER_ERRORS:  # NPY magic with a corrupt header: numpy tried to read it as NPY
        raise InputError(f"{where} is not an NPZ archive.") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(f"{where} is not an NPZ archive.")
    return archive


def read_npz(data: Any, key: str | None, where: str) -> tuple[np.ndarray, str]:
    """The array ``key`` of an NPZ archive (the only array when ``key`` is None)."""
    with open_npz(data, where) as archive:
        keys = list(archive.files)
        if key is None:
            if len(keys) != 1:
                raise UsageError(f"{where} holds several arrays ({', '.join(keys)}); choose one with {where}:KEY or --pred-key/--target-key.")
            key = keys[0]
        if key not in keys:
            raise InputError(f"{where} has no array '{key}'; it holds: {', '.join(keys) or 'nothing'}.")
        try:
            _check_member_size(archive, key, f"{where}:{key}")
            arr = archive[key]
        except ValueError as e:
            raise _load_error(e, f"{where}:{key}", "array") from None
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise InputError(f"{where}:{key} is not a valid array: {e}") from None
        except HEADER_ERRORS:
            raise InputError(f"{where}:{key} is not a valid array: its NPY header is corrupt.") from None
    if not isinstance(arr, np.ndarray):  # numpy returns a member without the NPY magic as raw bytes
        raise InputError(f"{where}:{key} is not an NPY array (every member of an NPZ must be an .npy file).")
    return check_dtype(arr, f"{where}:{key}"), key


# ---------------------------------------------------------------------------- size limits

MAX_MEMBER_ENV = "LOSSCLI_MAX_DECOMPRESSED_BYTES"
DEFAULT_MAX_MEMBER = 4 << 30  # 4 GiB: a fixed size, not the machine's memory (a container's host may have far more)


def max_member_bytes() -> int:
    """The most bytes losscli decompresses from one input (a .gz/.bz2/.xz/.zst file, streamed or
    read whole, or an NPZ member): ``$LOSSCLI_MAX_DECOMPRESSED_BYTES``, else 4 GiB. A
    decompression bomb is an error, never an out-of-memory kill."""
    raw = os.environ.get(MAX_MEMBER_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MEMBER
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise UsageError(f"{MAX_MEMBER_ENV} must be a positive whole number of bytes, got '{raw}'.")
    return value


def _declared(fp) -> tuple[tuple[int, ...], np.dtype, int] | None:
    """Shape, dtype and header length an NPY header declares, read without loading any data.

    None when numpy should report the problem itself (no NPY magic, a corrupt header, an
    unknown version, an object dtype that it refuses to unpickle).
    """
    start = fp.tell()
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            return None
    except (ValueError, OSError, EOFError, TypeError, *HEADER_ERRORS):
        return None
    if dtype.hasobject:
        return None
    return tuple(int(n) for n in shape), dtype, fp.tell() - start


def truncated(where: str, shape: tuple[int, ...], dtype: np.dtype, nbytes: int, available: int) -> InputError:
    return InputError(
        f"{where} is truncated or corrupt: its header declares shape {shape} of {dtype} "
        f"({nbytes} bytes of data) but {max(available, 0)} bytes follow."
    )


def _is_empty(data: Any) -> bool:
    try:
        return len(data) == 0 if isinstance(data, bytes) else os.path.getsize(data) == 0
    except OSError:
        return False  # np.load reports it


def _check_npy_size(data: Any, where: str) -> None:
    """Refuse an empty NPY, or one whose header declares more data than the file holds
    (checked before numpy maps or allocates anything)."""
    try:
        if isinstance(data, bytes):
            size, fp = len(data), io.BytesIO(data)
        else:
            size, fp = os.path.getsize(data), open(data, "rb")
    except OSError:
        return  # np.load reports it
    if size == 0:
        fp.close()
        raise InputError(f"{where} is empty.")
    with fp:
        declared = _declared(fp)
    if declared is not None:
        shape, dtype, header = declared
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > size - header:
            raise truncated(where, shape, dtype, nbytes, size - header)


def _check_member_size(archive: Any, key: str, where: str) -> None:
    """Refuse an NPZ member whose header declares more data than the member holds, or more
    than ``max_member_bytes()``, before numpy allocates the array (a zip-bomb-sized header)."""
    names = archive.zip.namelist()
    name = key if key in names else f"{key}.npy"
    if name not in names:
        return
    info = archive.zip.getinfo(name)
    with archive.zip.open(name) as fp:
        declared = _declared(fp)
    if declared is None:
        return
    shape, dtype, header = declared
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > info.file_size - header:
        raise truncated(where, shape, dtype, nbytes, info.file_size - header)
    cap = max_member_bytes()
    if nbytes > cap:
        raise InputError(
            f"{where} holds {nbytes} bytes of data, over the limit of {cap} bytes for one NPZ member; "
            f"set {MAX_MEMBER_ENV} to raise it."
        )


def _load_error(e: ValueError, where: str, what: str) -> InputError:
    """numpy's refusals to unpickle, told apart: an object array, or a file of another format."""
    text = str(e)
    if "Object arrays" in text or "Python objects" in text:  # read_array / open_memmap on dtype=object
        return InputError(f"{where} holds a pickled object array; losscli never unpickles.")
    if "pickled (object) data" in text:  # np.load found neither the NPY magic nor a zip header
        return InputError(f"{where} is not a valid {what}: it has no NPY/NPZ header (losscli never unpickles).")
    return InputError(f"{where} is not a valid {what}: {e}")


def check_dtype(arr: np.ndarray, where: str) -> np.ndarray:
    """Accept integer, float and bool arrays. A 0-d array (a scalar) stays 0-d here: the engine
    makes it one row, as a scalar tensor is one sample to torch's losses, and a 0-d class label
    makes a ``(C,)`` row of scores one sample of C classes (``_checks.unbatched``)."""
    if arr.dtype.kind not in "biuf":
        raise InputError(f"{where} has dtype {arr.dtype}; expected integers or floats.")
    return arr
