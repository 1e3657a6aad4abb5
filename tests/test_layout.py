"""The layout rule: an experiment's name is the address of its code."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import anndl
from anndl import registry


def test_each_experiment_lives_in_a_module_named_after_it():
    for exp in registry.all_experiments():
        package, module = exp.module.rsplit(".", 1)
        assert module == exp.name, f"{exp.name} is registered in {exp.module}"
        assert package in registry.CHAPTER_PACKAGES


def test_chapter_packages_hold_experiments_and_private_helpers_only():
    names = {exp.name for exp in registry.all_experiments()}
    for package in registry.CHAPTER_PACKAGES:
        path = importlib.import_module(package).__path__
        for info in pkgutil.iter_modules(path):
            assert info.name in names or info.name.startswith("_"), (
                f"{package}.{info.name} is neither an experiment nor a private helper of one: "
                "reusable code belongs in anndl.nn or anndl.data"
            )



# --- anndl.nn: one package per model family, and anndl's import graph ---------------------------

SRC = Path(anndl.__file__).resolve().parent

NN_FAMILIES = ("feedforward", "hopfield", "recurrent", "conv", "autoencoders", "boltzmann", "adversarial",
               "transport", "attention")
"""The model families of anndl.nn, one subpackage each (attention: self-attention and the ViT)."""

NN_SHARED = ("divergence", "torchkit", "options", "minibatch")
"""Modules at the top of anndl.nn, shared by the families (options: option base classes, when there are;
minibatch: the one mini-batch training loop of the torch families)."""

NOT_FROM_NN = (*registry.CHAPTER_PACKAGES, "anndl.report", "anndl.cli", "anndl.api", "anndl.sweep")
"""What the model layer never imports: data flows config -> experiment -> nn, never back."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    """Every module of the anndl package by dotted name (packages by their ``__init__``)."""
    return {module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The anndl modules that ``name`` imports when it runs: top-level and function-level imports
    (a lazy import is still an edge), not those under ``if TYPE_CHECKING:``. ``from P import X``
    counts P.X when X is a module, else P."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node):
        if isinstance(node, ast.If) and _under_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_the_import_graph_sees_lazy_imports_and_skips_type_checking_ones(tmp_path):
    modules = {"anndl.x": tmp_path / "x.py", "anndl.y": tmp_path / "y.py", "anndl.z": tmp_path / "z.py"}
    modules["anndl.x"].write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import anndl.z\n"
                                  "def f():\n    from anndl import y\n")
    assert imports_of("anndl.x", modules["anndl.x"], modules) == {"anndl.y"}


def test_no_import_cycle_among_anndl_modules():
    found = cycles(import_graph())
    assert not found, "import cycles among anndl's modules: " + "; ".join(" <-> ".join(c) for c in found)


def test_every_nn_module_belongs_to_a_family_or_is_a_declared_shared_module():
    nn = SRC / "nn"
    for path in sorted(nn.iterdir()):
        if path.name == "__init__.py" or path.name.startswith((".", "__pycache__")):
            continue
        if path.is_dir():
            assert path.name in NN_FAMILIES, (
                f"anndl.nn.{path.name} is not a model family: one of {', '.join(NN_FAMILIES)}")
            assert (path / "__init__.py").is_file(), f"anndl.nn.{path.name} has no __init__.py"
        else:
            assert path.suffix == ".py" and path.stem in NN_SHARED, (
                f"anndl/nn/{path.name} sits at the top of anndl.nn: model code goes into a family package "
                f"({', '.join(NN_FAMILIES)}); only the shared {', '.join(NN_SHARED)} live there")


def test_no_model_family_imports_an_experiment_package():
    for name, targets in import_graph().items():
        if name == "anndl.nn" or name.startswith("anndl.nn."):
            bad = sorted(t for t in targets if any(t == p or t.startswith(p + ".") for p in NOT_FROM_NN))
            assert not bad, f"{name} imports {', '.join(bad)}: the model layer never imports experiments"
