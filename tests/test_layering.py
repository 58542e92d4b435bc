"""The package's layers: every module imports only its own layer and the ones below.

Read from the source with ``ast`` (nothing is imported), so a new module that
imports upward, or a function-level import with no reason given, fails here
with the module and line named.

The one kind of upward import allowed is a dispatch to an optional engine
inside a function, with a comment saying so: ``datafix.audit`` hands a Dask
DataFrame to :mod:`datafix.distributed`, which needs the ``dask`` extra. A fix
or the neighbour engine never imports the audit, the evaluation or the
command line, not even that way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SOURCE / "datafix"

#: Lowest first. A module may import modules of its own layer and of the layers before it.
LAYERS = [
    ("core", {"_compat", "_deprecation", "_io", "_optional", "_plotting", "_progress", "_tabular", "_version",
              "validation", "base"}),
    ("neighbour engine", {"neighbors"}),
    ("fixes, losses and estimators", {"augment", "deduplication", "generative", "labels", "losses", "resampling",
                                      "smoothing", "weighting", "estimators", "decision", "metrics", "pipeline",
                                      "preprocessing", "ensemble", "datasets"}),
    ("evaluation", {"selection", "testing"}),
    ("audit", {"auditing"}),
    ("distributed", {"distributed"}),
    ("command line", {"cli", "__main__", "distributed._cli"}),
    ("public namespace", {"__init__"}),
]
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _first_part(module: str) -> str:
    """The key of ``module`` in :data:`RANK`: ``datafix.labels.issues`` -> ``labels``; the package -> ``__init__``."""
    parts = module.split(".")
    if len(parts) > 2 and ".".join(parts[1:3]) in RANK:  # a module placed on its own, like the Dask command line
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    """``(imported module, line, inside a function, reason comment)`` for each import of a datafix module."""
    module = _module_name(path)
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    is_package = path.name == "__init__.py"

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            targets = []
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target == "datafix" or target.startswith("datafix."):
                    if target == "datafix":  # `from datafix import labels` names a submodule or a public name
                        targets = [f"datafix.{a.name}" if (PACKAGE / a.name).exists()
                                   or (PACKAGE / f"{a.name}.py").exists() else "datafix" for a in child.names]
                    else:
                        targets = [target]
            elif isinstance(child, ast.Import):
                targets = [a.name for a in child.names if a.name == "datafix" or a.name.startswith("datafix.")]
            for target in targets:
                here = lines[child.lineno - 1]
                above = lines[child.lineno - 2] if child.lineno > 1 else ""
                reason = "#" in here or above.strip().startswith("#")
                yield target, child.lineno, in_function, reason
            yield from visit(child, inner)

    yield from visit(tree, False)


def _all_imports():
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for target, line, in_function, reason in _imports(path):
            if target != module:
                yield module, target, line, in_function, reason


def test_every_top_level_module_has_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert parts - set(RANK) == set(), "add the new module to LAYERS in tests/test_layering.py"


def test_nothing_imports_upward():
    upward = []
    for module, target, line, in_function, reason in _all_imports():
        source, imported = _first_part(module), _first_part(target)
        if source == imported or RANK[imported] <= RANK[source]:
            continue
        dispatch = in_function and reason and RANK[source] >= RANK["auditing"]
        if not dispatch:
            upward.append(f"{module}:{line} imports {target} "
                          f"({LAYERS[RANK[source]][0]} -> {LAYERS[RANK[imported]][0]})")
    assert upward == []


def test_function_level_imports_say_why():
    """Module-level imports, except where a cycle or an optional dependency demands otherwise, with a comment."""
    silent = [f"{module}:{line} imports {target} inside a function without a comment saying why"
              for module, target, line, in_function, reason in _all_imports() if in_function and not reason]
    assert silent == []


@pytest.mark.parametrize("name", ["datafix._io", "datafix._tabular", "datafix.neighbors"])
def test_the_core_and_the_engine_import_no_fix(name):
    path = PACKAGE / (name.split(".")[1] + ".py")
    imported = {_first_part(target) for target, *_ in _imports(path)}
    assert all(RANK[part] <= RANK["neighbors"] for part in imported)
