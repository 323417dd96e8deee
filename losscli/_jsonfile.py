"""Reading a JSON document losscli wrote earlier (a report, a shard state): one place that turns
every way of failing into one ``InputError`` line (exit 3)."""

from __future__ import annotations

import json
from typing import Any, Callable

from losscli.errors import InputError


def read_json(path: str, *, missing: str, invalid: Callable[[Exception], str]) -> Any:
    """The parsed JSON of ``path``. ``missing`` is the message for a file that does not exist;
    ``invalid(error)`` the message for one that is not JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(missing) from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file.") from None
    except OSError as e:
        raise InputError(f"Cannot read {path}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:  # bad JSON (JSONDecodeError), or a NUL in the path
        raise InputError(invalid(e)) from None
