"""Output on streams that cannot encode our symbols (``PYTHONIOENCODING=ascii``, ``LANG=C`` on old
Pythons): the direction arrows, check marks, bars and boxes of the outputs are written as ASCII
look-alikes, anything else that does not fit as a ``\\uXXXX`` escape, never a crash.

``install()`` registers the codec error handler ``losscli-ascii`` and sets it on stdout and stderr
when their encoding cannot encode ``↓``; a UTF-8 stream is left untouched. Files are always
written as UTF-8 (``losscli._atomic``), so they are unaffected.
"""

from __future__ import annotations

import codecs
import sys
from typing import Any

HANDLER = "losscli-ascii"

# symbol -> ASCII replacement (symbols the renderers print; data-derived text falls back to \\uXXXX)
ASCII = {
    "↓": "v", "↑": "^", "↳": "->", "×": "x", "·": "-", "—": "--", "–": "-", "…": "...", "±": "+/-",
    "≤": "<=", "≥": ">=", "✓": "ok", "✗": "x", "✔": "ok", "✘": "x", "✅": "[pass]", "❌": "[fail]",
    "⚠": "[!]", "❗": "[!]", "➖": "[-]", "\ufe0f": "", "█": "#", "▏": "|", "▎": "|", "▍": "|", "▌": "|", "▋": "|",
    "▊": "|", "▉": "|", "─": "-", "━": "-", "│": "|", "┃": "|",
}  # fmt: skip


def _replace(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    out = "".join(ASCII.get(ch) if ch in ASCII else ch.encode("ascii", "backslashreplace").decode("ascii") for ch in text)
    return out, error.end


def _register() -> None:
    try:
        codecs.lookup_error(HANDLER)
    except LookupError:
        codecs.register_error(HANDLER, _replace)


def needs_fallback(stream: Any) -> bool:
    """Whether ``stream``'s encoding cannot write the symbols of the outputs."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "↓✓".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def install() -> None:
    """Set the ASCII fallback on stdout and stderr where their encoding needs it."""
    _register()
    for stream in (sys.stdout, sys.stderr):
        if needs_fallback(stream) and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=HANDLER)
            except (ValueError, OSError):  # a closed or detached stream: nothing will be written to it
                pass
