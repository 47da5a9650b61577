"""Dependencies point one way: a module imports only from its own layer or an earlier one.

The layers, earliest first (``docs/architecture.md``, "Layout and dependency direction"):

1. core: the typed values and helpers every part uses (``tod/*.py`` and ``tod/metrics``)
2. ``domain``, then ``data``
3. the stages, in this order: ``nlg``, ``nlu``, ``dst``, ``policy``, ``fallback``
4. ``pipeline``
5. ``evaluation``, ``simulator``, ``integrations``, in this order
6. ``testing``, then ``cli``

Packages within a layer are ordered too, so that every edge has one allowed direction and no
cycle can form: the synthetic NLU writes its training data with the template NLG (``nlu`` ->
``nlg``), and the fallback loads encoders as the NLU does (``fallback`` -> ``nlu``). Every import
counts, also one inside a function (a lazy import is still a dependency); only imports under
``if TYPE_CHECKING:`` are left out, since they never run. The registry's lazy ``"module:attribute"``
strings are not imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tod

PACKAGE_ROOT = Path(tod.__file__).parent

#: The order every import must follow: a module in position i may import from positions <= i.
ORDER = (
    "core",
    "domain",
    "data",
    "nlg",
    "nlu",
    "dst",
    "policy",
    "fallback",
    "pipeline",
    "evaluation",
    "simulator",
    "integrations",
    "testing",
    "cli",
)
#: Subpackages that are part of the core layer.
CORE_PACKAGES = ("metrics", "builtin", "store")


def layer_of(module: str) -> str:
    """The layer of a dotted module name under ``tod`` (``tod.dst.rule`` -> ``dst``)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in CORE_PACKAGES:
        return "core"
    if parts[1] in ORDER:
        return parts[1]
    if (PACKAGE_ROOT / parts[1]).is_dir():
        raise AssertionError(
            f"package tod.{parts[1]} has no place in ORDER: add it to tests/test_layers.py and the docs"
        )
    return "core"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every ``tod`` import in ``source`` that can run."""
    found: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return [(line, name) for line, name in found if name == "tod" or name.startswith("tod.")]


def back_edges(root: Path) -> list[str]:
    """Every import in the package under ``root`` that points to a later layer, one line each."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        here = ORDER.index(layer_of(module))
        for line, target in imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            there = ORDER.index(layer_of(target))
            if there > here:
                problems.append(
                    f"{path.relative_to(root.parent)}:{line}: {module} ({ORDER[here]}) imports {target} "
                    f"({ORDER[there]}), a later layer"
                )
    return problems


def test_every_import_points_to_the_same_or_an_earlier_layer() -> None:
    problems = back_edges(PACKAGE_ROOT)
    assert not problems, "imports against the layer order:\n" + "\n".join(problems)


def test_every_subpackage_has_a_layer() -> None:
    for child in PACKAGE_ROOT.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            assert child.name in ORDER or child.name in CORE_PACKAGES, f"tod/{child.name} has no layer"


def _copy_package(tmp_path: Path) -> Path:
    copy = tmp_path / "tod"
    for path in PACKAGE_ROOT.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("victim", "line", "expected"),
    [
        (
            "dst/rule.py",
            "from tod.pipeline.pipeline import Pipeline\n",
            "tod.dst.rule (dst) imports tod.pipeline.pipeline",
        ),
        ("acts.py", "import tod.domain.ontology\n", "tod.acts (core) imports tod.domain.ontology (domain)"),
        (
            "nlg/render.py",
            "def late():\n    from tod.nlu.acts import ActNLU\n",
            "tod.nlg.render (nlg) imports tod.nlu.acts (nlu)",
        ),
        ("policy/rule.py", "from ..evaluation import policy\n", "tod.policy.rule (policy) imports tod.evaluation"),
    ],
)
def test_an_injected_back_edge_is_found_and_named(tmp_path: Path, victim: str, line: str, expected: str) -> None:
    copy = _copy_package(tmp_path)
    assert back_edges(copy) == []
    target = copy / victim
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    problems = back_edges(copy)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith(f"tod/{victim}:")


def test_type_checking_imports_are_not_dependencies(tmp_path: Path) -> None:
    copy = _copy_package(tmp_path)
    target = copy / "acts.py"
    target.write_text(
        target.read_text(encoding="utf-8")
        + "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tod.pipeline.pipeline import Pipeline\n",
        encoding="utf-8",
    )
    assert back_edges(copy) == []


def import_time_edges(root: Path) -> list[tuple[str, str]]:
    """(importer, imported) for the ``tod`` modules a module imports when it is itself imported."""
    modules = {module_name(path, root): path for path in root.rglob("*.py")}
    edges = []
    for module, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                    for a in node.names
                ]
            edges += [(module, name) for name in names if name in modules and name != module]
    return edges


def test_no_module_imports_itself_back_at_import_time() -> None:
    """Import order never matters: the modules a module imports at its top level form no cycle."""
    import networkx as nx

    graph = nx.DiGraph(import_time_edges(PACKAGE_ROOT))
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_an_injected_import_cycle_is_found(tmp_path: Path) -> None:
    import networkx as nx

    copy = _copy_package(tmp_path)
    target = copy / "errors.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom tod.acts import DialogueAct\n", encoding="utf-8")
    cycles = list(nx.simple_cycles(nx.DiGraph(import_time_edges(copy))))
    assert any(set(c) == {"tod.errors", "tod.acts"} for c in cycles), cycles
