"""The packages import downward only, and no two modules import each other (issue 23).

The layers, bottom to top: a module may import its own package and any package of a lower layer,
never one of its own layer or above; imports inside functions count too (a lazy upward import is
still an upward dependency). README's Layout and docs/architecture.md list the same packages in the same order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "amalgam_rel"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors"}),  # the exceptions every message ends in
    frozenset({"seeds", "saved", "connection", "outputs", "locations"}),  # helpers every layer may use
    frozenset({"schema"}),
    frozenset({"models", "generation", "writing"}),  # side by side: none imports another
    frozenset({"relational"}),  # cardinality, keys and the rules of the whole database
    frozenset({"dp"}),
    frozenset({"pipeline"}),  # fit and sample orchestration, persistence, streaming
    frozenset({"evaluation"}),
    frozenset({"api"}),
    frozenset({"cli", "pytest_plugin", "__init__"}),  # shells over the API
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(text: str, name: str, modules: set[str], is_package: bool = False) -> set[str]:
    """Every amalgam_rel module the source ``text`` of module ``name`` imports, at module level or
    inside a function (``is_package``: the text is the package's ``__init__.py``)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:  # `from pkg import module` depends on the module itself
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m == "amalgam_rel" or m.startswith("amalgam_rel.")}


def _graph() -> nx.DiGraph:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    graph = nx.DiGraph()
    for p in paths:
        graph.add_node(_module_name(p))
        text = p.read_text(encoding="utf-8")
        for target in _imports(text, _module_name(p), modules, p.name == "__init__.py"):
            graph.add_edge(_module_name(p), target)
    return graph


def _top(module: str) -> str:
    """The package (or root module) of ``module`` directly under amalgam_rel; the root's own ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    top = _top(module)
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module}: its package {top!r} is in no layer; add it to LAYERS, README's Layout and docs/architecture.md")


def _upward(graph: nx.DiGraph) -> list[str]:
    """The imports of ``graph`` into another package of the importer's layer or a higher one (the
    root ``__init__`` is the top: it imports what it exports)."""
    return sorted(f"{a} -> {b}" for a, b in graph.edges
                  if _top(a) != _top(b) and _layer(b) >= _layer(a) and _top(a) != "__init__")


GRAPH = _graph()


def test_every_package_has_a_layer():
    for module in GRAPH:
        _layer(module)


def test_imports_go_downward_only():
    upward = _upward(GRAPH)
    assert not upward, "imports that do not go downward:\n" + "\n".join(upward)


def test_the_package_root_only_exports_the_api():
    assert {_top(b) for b in GRAPH.successors("amalgam_rel")} <= {"api", "errors"}


def test_no_import_cycles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(GRAPH) if len(c) > 1]
    assert not cycles, f"modules that import each other: {cycles}"


@pytest.mark.parametrize("source, upward", [
    ("from amalgam_rel.pipeline.fitting import fit_tables\n", "amalgam_rel.pipeline.fitting"),
    ("def f():\n    from amalgam_rel.evaluation import report\n", "amalgam_rel.evaluation.report"),
    ("def f():\n    from ...evaluation import report\n", "amalgam_rel.evaluation.report"),
    ("class C:\n    def f(self):\n        import amalgam_rel.writing.writer\n", "amalgam_rel.writing.writer"),
])
def test_the_checker_sees_module_level_and_lazy_imports(source, upward):
    probe = "amalgam_rel.models.codecs.probe"
    graph = nx.DiGraph((probe, target) for target in _imports(source, probe, set(GRAPH)))
    assert _upward(graph) == [f"{probe} -> {upward}"]
