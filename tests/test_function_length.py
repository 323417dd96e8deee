"""No function body in losscli is longer than 40 lines.

A body is counted from its first statement after the docstring to its last line, blank lines and
comments included; nested functions count in their own length and in the enclosing one's. Small
functions, each with one job, are what the code is made of (ARCHITECTURE.md, "Conventions").
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "losscli"
LIMIT = 40

# Functions allowed over the limit for now ("path::qualname" -> its length then): none. An entry
# here tolerates that function at that length only; remove it when the function is split.
KNOWN_LONG: dict[str, int] = {}


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]  # the docstring
    return node.end_lineno - body[0].lineno + 1 if body else 0


def functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, node) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
            yield from functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def lengths() -> dict[str, int]:
    """``path::qualname`` -> body lines, for every function of the losscli package."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).as_posix()
        for name, node in functions(ast.parse(path.read_text(encoding="utf-8"))):
            out[f"{rel}::{name}"] = body_lines(node)
    return out


def test_no_function_body_is_over_40_lines():
    found = lengths()
    long = {name: n for name, n in found.items() if n > LIMIT and n > KNOWN_LONG.get(name, 0)}
    assert not long, f"function bodies over {LIMIT} lines (split them):\n" + "\n".join(f"{k}: {v}" for k, v in sorted(long.items()))
    fixed = [name for name in KNOWN_LONG if found.get(name, 0) <= LIMIT]
    assert not fixed, f"within {LIMIT} lines now (or gone): remove from KNOWN_LONG: {fixed}"


def test_the_count_starts_after_the_docstring():
    tree = ast.parse('def f():\n    """Doc\n    string."""\n    a = 1\n\n    return a\n\n\nclass C:\n    def g(self):\n        def h():\n            pass\n        return h\n')
    assert {name: body_lines(node) for name, node in functions(tree)} == {"f": 3, "C.g": 3, "C.g.h": 1}  # f: from `a = 1` to `return a`
