"""The one escaping layer for text that comes from data: column names, ids, group values, file
names, gate expressions from a config file. Every renderer passes such text through one of
these functions, chosen by output kind (stdlib only, no losscli imports: a leaf module).

What an attacker's text must never do, whatever the output:

* **Split or forge lines.** Line breaks and every other non-printable character (controls, ESC
  and OSC 8 hyperlinks, bidi overrides, U+2028) are shown as visible escapes (``\\n``, ``\\x1b``,
  ``\\u202e``): ``visible``.
* **Run GitHub workflow commands.** The Actions runner executes a log line (stdout or stderr)
  that starts with ``::`` after leading spaces, and the legacy ``##[command]`` anywhere in a
  line. Data text that starts with ``::`` shows its first colon as ``\\x3a``, and ``##[`` shows
  as ``#\\x23[`` (``defuse``); in JSON the same ``#`` is written as the JSON escape ``\\u0023``,
  so the JSON still parses to the same strings (``json_text``).
* **Change Markdown or HTML.** In ``-f md`` and the step summary, data text has ``& < > ` | \\
  * _ [ ] ~ # !`` as numeric character references: no tag, heading, code span, emphasis, link or
  table cell can start or end inside data (``md``); ``code`` keeps a backtick code span (where
  ``< > &`` are literal text) for text without backticks, pipes or breaks, and uses ``<code>``
  around ``md`` otherwise.
* **Be rich markup.** Terminal renderers put data into ``rich.text.Text`` objects (never parsed
  as markup) after ``terminal``.
"""

from __future__ import annotations

import re

_COMMAND_AT_START = re.compile(r"^( *):")  # the first colon of a leading "::" (after spaces)
_MD_SPECIAL = frozenset("&<>`|\\*_[]~#!")


def visible(text: str) -> str:
    """Non-printable characters (all but the space) as their Python escapes: one visible line.

    >>> visible("a\\nb\\x1b[31m\\u202e")
    'a\\\\nb\\\\x1b[31m\\\\u202e'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def defuse(text: str) -> str:
    """No GitHub workflow command: a leading ``::`` and ``##[`` anywhere lose their meaning.

    >>> defuse("::error::x"), defuse("a ##[error]b")
    ('\\\\x3a:error::x', 'a #\\\\x23[error]b')
    """
    if "##[" in text:
        text = text.replace("##[", "#\\x23[")
    if text.lstrip(" ").startswith("::"):
        text = _COMMAND_AT_START.sub(lambda m: m.group(1) + "\\x3a", text, count=1)
    return text


def terminal(text: object) -> str:
    """Data text for a terminal table or line: visible, defused (put it in a ``rich.text.Text``)."""
    return defuse(visible(str(text)))


line = terminal  # a stderr line (``Error: ...``, ``Warning: ...``) that quotes data


def csv_cell(text: object) -> str:
    """A CSV/TSV cell of data text: one physical line, no workflow command (quoting is the writer's)."""
    return defuse(visible(str(text)))


def md(text: object) -> str:
    """Data text for Markdown (a table cell, a list item, inline text): inert and on one line.

    >>> md("logit_0</details>\\n## ok <img src=x>|`")
    'logit&#95;0&#60;/details&#62;&#92;n&#35;&#35; ok &#60;img src=x&#62;&#124;&#96;'
    """
    text = visible(str(text))
    if not _MD_SPECIAL.isdisjoint(text):
        text = "".join(f"&#{ord(ch)};" if ch in _MD_SPECIAL else ch for ch in text)
    return defuse(text)


def code(text: object, table: bool = True) -> str:
    """Data text as inline code: a backtick span when it is plain, else ``<code>`` around ``md``.
    A pipe would end a table cell even inside a span: allowed only outside tables (``table=False``).

    >>> code("mse"), code("a|b"), code("a|b", table=False)
    ('`mse`', '<code>a&#124;b</code>', '`a|b`')
    """
    text = str(text)
    if text and text.isprintable() and "`" not in text and (not table or "|" not in text) and "##[" not in text and text.strip() == text:
        return f"`{text}`"
    return f"<code>{md(text)}</code>"


def json_text(text: str) -> str:
    """JSON text with no ``##[`` (``#`` as ``\\u0023`` inside strings, where alone it can occur).

    >>> json_text('{"id": "##[error]x"}')
    '{"id": "#\\\\u0023[error]x"}'
    """
    return text.replace("##[", "#\\u0023[") if "##[" in text else text


def gh_data(text: str) -> str:
    """The data of a GitHub workflow command (``::error::DATA``): ``%``, CR and LF percent-encoded,
    the rest made visible, so the annotation is one line and says exactly what it was given."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
