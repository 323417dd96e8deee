"""Streaming inputs: every file read once, in row chunks, all roles aligned by rows.

``load_inputs(..., lazy=True)`` selects roles and columns exactly as a whole-file read does, but
on inputs opened by ``open_lazy`` (``lazy``): selecting from them gives ``Ref``s instead of
arrays. ``iter_chunks(loaded, N)`` (``align``) then reads each file once and yields ``Chunk``s
(``base``) whose typed fields (role arrays, weights, ids, group columns) cover the same rows.

One module per source of pieces, each a ``Stream`` (``base``):

- ``csv``: CSV/TSV/TXT, plain or compressed files or stdin, cut at record boundaries and parsed
  on worker threads;
- ``npy``: NPY files and NPZ members (memory-mapped windows, compressed members, stdin and
  compressed NPY read front to back);
- ``parquet``: record batches, only the selected columns;
- anything else (JSONL, compressed Parquet, Fortran-ordered arrays) is read whole by the normal
  reader and sliced (``base.MemoryStream``).

stdin and compressed inputs are always streamed (``sizing.should_stream``): their size is unknown
until they are read. Decompression, streamed or whole, stops at ``max_member_bytes()``
(``files``). The digest of each input (``losscli._digest``; the same as a whole-file read) is
filled into the report's input info when the stream ends.
"""

from losscli.readers.stream.align import describe, fill_digests, iter_chunks, keyed, row_counts_error
from losscli.readers.stream.base import Chunk, Column, MemoryStream, Ref, Stream
from losscli.readers.stream.files import decompressed, read_compressed
from losscli.readers.stream.lazy import LazyArray, LazyTable, Opened, open_lazy
from losscli.readers.stream.sizing import default_chunk_rows, input_bytes, should_stream

__all__ = [
    "Chunk",
    "Column",
    "LazyArray",
    "LazyTable",
    "MemoryStream",
    "Opened",
    "Ref",
    "Stream",
    "decompressed",
    "default_chunk_rows",
    "describe",
    "fill_digests",
    "input_bytes",
    "iter_chunks",
    "keyed",
    "open_lazy",
    "read_compressed",
    "row_counts_error",
    "should_stream",
]
