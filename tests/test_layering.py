"""The import rules of ARCHITECTURE.md, enforced by parsing every module's imports."""

import ast
import functools
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "losscli"

# layer -> internal layers it may import (a layer is a module or a package under losscli/)
ALLOWED = {
    "_version": set(),
    "errors": set(),
    "_checks": {"errors"},
    "_kinds": {"_checks", "errors"},  # inputs of the wrong kind: checks folded over every row (error or warning)
    "_atomic": {"errors"},
    "_jsonfile": {"errors"},  # reading reports and states back (stdlib json)
    "_threads": set(),  # daemon worker threads (CSV pieces parsed in parallel)
    "_digest": {"errors"},  # the one hashing helper: BLAKE3 (blake3, imported lazily) or sha256 (stdlib)
    "_prefetch": {"_digest", "errors"},  # digests of big inputs started with the command (stdlib only)
    "losses": {"losses", "_checks", "_kinds", "errors", "reductions"},  # metric states reuse reductions.Summary
    "reductions": {"_checks", "errors"},
    "stats": {"reductions"},
    "report": set(),
    "bootstrap": {"reductions"},  # Poisson bootstrap weights, replicate sums, paired p-value, Holm
    "analysis": {"bootstrap", "reductions", "stats", "errors"},  # CI state, groups, top-k (mergeable)
    "comparison": {"engine", "analysis", "bootstrap", "stats", "reductions", "report", "errors", "_version"},  # losscli compare
    # the Accumulator; blocked.py: its fast path on two threads (_kernels: the compiled one-pass
    # kernels, C, no imports); dask.py: --engine dask, Accumulator states over partitions, merged
    "engine": {"losses", "reductions", "stats", "report", "bootstrap", "_checks", "_kinds", "errors", "_version", "analysis", "_threads", "_kernels", "readers", "_digest"},
    "gates": {"losses", "errors", "_jsonfile", "report", "_digest"},  # gate grammar, matching, paired test (numpy, lazily)
    "gating": {"gates", "errors", "readers"},  # gates of the command line and the config, matched to the losses (no Typer)
    "state": {"engine", "analysis", "errors", "_atomic", "_digest", "_jsonfile", "_version", "render"},  # --emit-state files: written, read back, checked
    "run": {"engine", "gating", "gates", "state", "readers", "labels", "analysis", "report", "errors", "_digest", "_prefetch", "losses"},  # the pipeline: request -> run -> Report
    "config": {"errors"},  # TOML config files (stdlib tomllib)
    "labels": {"errors"},  # --classes / --pos-label: target labels to class indices or 0/1
    "readers": {"readers", "errors", "_threads", "_prefetch", "_digest"},
    "render": {"render", "report", "_atomic", "errors", "_digest"},
    "cli": {"cli", "readers", "labels", "engine", "render", "report", "losses", "reductions", "errors", "_atomic", "_version", "gates", "config", "analysis", "bootstrap", "stats", "comparison", "_prefetch", "_jsonfile", "_digest", "gating", "state", "run"},
    "__init__": {"_version"},  # the public API loads engine, losses and report lazily
    "_entry": {"cli"},  # the console entry point: process settings, then the app
    "__main__": {"_entry"},
}
# third-party package -> the only places that may import it
THIRD_PARTY = {
    "pandas": ("readers/tabular.py",),
    "pyarrow": ("readers/tabular.py", "readers/parquet.py", "readers/stream/csv_arrow.py", "render/per_sample.py"),
    "dask": ("engine/dask.py",),
    "distributed": ("engine/dask.py",),
    "rich": ("render/", "cli/"),
    "typer": ("cli/",),
    "matplotlib": ("render/plot.py",),
    "blake3": ("_digest.py",),
}


def _modules():
    return sorted(p for p in ROOT.rglob("*.py"))


def _layer(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


@functools.cache
def _tree(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text())


def _imports(path: pathlib.Path):
    tree = _tree(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "losscli":
                yield from (f"losscli.{a.name}" for a in node.names)
            else:
                yield node.module


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layers(path):
    layer = _layer(path)
    assert layer in ALLOWED, f"{path} is in no known layer; add it to ALLOWED"
    rel = str(path.relative_to(ROOT))
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "losscli":
            target = name.split(".")[1] if "." in name else "__init__"
            assert target in ALLOWED[layer] or target == layer, f"{rel} imports losscli.{target}"
        elif top in THIRD_PARTY:
            assert rel.startswith(THIRD_PARTY[top]), f"{rel} imports {top}"


def test_every_module_is_checked():
    assert len(_modules()) > 20


def _render_imports(path: pathlib.Path) -> set[str]:
    """The render modules that ``path`` imports (function-level imports included)."""
    return {name.split(".")[2] for name in _imports(path) if name.startswith("losscli.render.")}


def test_render_modules_import_no_cycle():
    """The formatting leaf (``render/_format``) imports only the escaping layer, and no render
    module reaches itself through the others (a function-level import counts)."""
    graph = {p.stem: _render_imports(p) for p in (ROOT / "render").glob("*.py")}
    assert graph["_format"] == {"escape"} and graph["escape"] == set()

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo += graph.get(m, ())
        return seen

    assert [m for m in graph if m in reach(m)] == []


def test_pandas_is_used_through_its_public_api_only():
    """No module imports pandas' private modules (``pandas._libs``...): a streamed CSV is parsed
    by the public ``read_csv``, not by refilling pandas' private parser, which may change in
    any release (function-level imports included)."""
    private = [(str(p.relative_to(ROOT)), name) for p in _modules() for name in _imports(p) if name.startswith("pandas._")]
    assert private == []


# ---------------------------------------------------------------------------- import cycles, per module

# Import cycles tolerated for now, each as the set of modules it joins (a strongly connected
# component of the import graph): none. Any cycle fails the test, function-level imports included
# (a lazy import hides a cycle; it does not remove it).
KNOWN_CYCLES: set[frozenset[str]] = set()


def _dotted(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str, modules: dict) -> bool:
    """A Python module or package of losscli, or a compiled one (``losscli._kernels``)."""
    parts = dotted.split(".")
    return dotted in modules or (len(parts) > 1 and any(ROOT.joinpath(*parts[1:-1]).glob(parts[-1] + ".*")))


def _edges(name: str, path: pathlib.Path, modules: dict):
    """(imported module, line) for every losscli import in ``path``, function-level ones included:
    ``from PKG import NAME`` imports the module PKG.NAME when there is one, else PKG itself."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            targets = [f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}", modules) else node.module for a in node.names]
        else:
            continue
        for target in targets:
            while target.startswith("losscli") and not _is_module(target, modules) and "." in target:
                target = target.rpartition(".")[0]  # `import losscli.readers.chunks.x`: its module
            if target.split(".")[0] == "losscli" and target in modules and target != name:
                yield target, node.lineno


def _import_graph() -> dict[str, dict[str, int]]:
    modules = {_dotted(p): p for p in _modules()}
    return {name: dict(_edges(name, path, modules)) for name, path in modules.items()}


def _cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            members = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(members) > 1:
                found.append(frozenset(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_among_modules():
    graph = _import_graph()
    new = [c for c in _cycles(graph) if c not in KNOWN_CYCLES]
    lines = [f"{a} imports {b} (line {graph[a][b]})" for c in new for a in sorted(c) for b in sorted(graph[a]) if b in c]
    assert not new, "import cycles among losscli modules (function-level imports count):\n" + "\n".join(lines)
    assert not KNOWN_CYCLES - set(_cycles(graph)), "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_the_cycle_check_sees_function_level_imports(tmp_path):
    modules = {_dotted(p): p for p in _modules()}
    assert {"losscli", "losscli.cli", "losscli.readers", "losscli.readers.columns"} <= set(modules)
    source = tmp_path / "m.py"
    source.write_text("import losscli.errors\n\ndef f():\n    from losscli.readers import columns, load_inputs\n    from losscli import _kernels\n")
    assert sorted(_edges("x", source, modules)) == [("losscli.errors", 1), ("losscli.readers", 4), ("losscli.readers.columns", 4)]
    assert _cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [frozenset("abc")]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_no_private_name_is_imported_from_another_module():
    """``from losscli.x import _name`` reaches into another module's private state: a name it
    shares must be public. Private modules (``losscli._checks``, the compiled ``_kernels``) are
    modules, not names, and may be imported."""
    modules = {_dotted(p): p for p in _modules()}
    private = [
        f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {a.name}"
        for path in _modules()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "losscli"
        for a in node.names
        if a.name.startswith("_") and not a.name.startswith("__") and not _is_module(f"{node.module}.{a.name}", modules)
    ]
    assert private == [], "private names imported across modules:\n" + "\n".join(private)
