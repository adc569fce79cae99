"""The package's layers, as an allow-list: each layer names the layers it may import, and any
other import of the app fails here. So do import cycles, imports hidden inside functions
(outside the factory), and a pure core that reaches for Flask or SQLAlchemy.

See docs/architecture.md for the map these rules keep true.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment import ROOT

PACKAGE = ROOT / "assessment"

# Layer → the layers it may import (a layer may always import itself). A layer is a top-level
# module or package of ``assessment``; "assessment" alone is the application factory.
FOUNDATION = {"config", "extensions", "models", "catalogue", "tenancy", "organisations", "sso"}
ALLOWED: dict[str, set[str]] = {
    "assessment": {"config", "extensions", "catalogue", "tenancy", "web", "api", "cli"},
    "__main__": {"cli"},
    "config": set(),
    "extensions": set(),
    "http_problem": set(),
    "models": {"extensions", "services"},
    "catalogue": {"services"},
    "services": set(),
    # Which organisation every statement is limited to: below the queries it limits.
    "tenancy": {"models", "extensions"},
    # An organisation's settings with the installation's as defaults.
    "organisations": {"models", "extensions", "tenancy", "queries"},
    # Single sign-on providers: the environment's and each organisation's (secret decrypted).
    "sso": {"models", "extensions", "tenancy", "queries", "organisations", "services"},
    "queries": {"models", "services", "tenancy"},
    "reports": {"queries", "services"} | FOUNDATION,
    "actions": {"reports", "queries", "services"} | FOUNDATION,
    "web": {"actions", "reports", "queries", "services", "http_problem"} | FOUNDATION,
    "api": {"actions", "reports", "queries", "services", "http_problem"} | FOUNDATION,
    "cli": {"assessment", "actions", "reports", "queries", "services"} | FOUNDATION,
}
# Only the console script's entry module may import the factory from the command line.
FACTORY_IMPORTERS = {"assessment.__main__", "assessment.cli.main"}

# What the pure core may use besides the standard library and itself.
PURE_THIRD_PARTY = {
    "argon2",
    "cryptography",  # Fernet and HKDF: secrets the app must read back, kept encrypted
    "email_validator",  # syntax only (no DNS lookup): the roster checks addresses as accounts do
    "fontTools",
    "fpdf",
    "icalendar",
    "matplotlib",
    "numpy",
    "openpyxl",
    "scipy",
    "textstat",
    "yaml",
}

MODULE_FILES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in MODULE_FILES}


def imports_of(path: Path) -> Iterator[tuple[str, ast.stmt, bool]]:
    """(module imported, statement, inside a function) for every import in the file.

    ``from pkg import name`` counts as an import of ``pkg.name`` when that is a module, and
    relative imports are resolved, so ``from .. import models`` is seen for what it is.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    nested = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    for node in ast.walk(tree):
        inside = id(node) in nested
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, inside
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                yield (full if full in MODULES else source), node, inside


def layer_of(module: str) -> str | None:
    """The layer of an app module, or None for anything outside the package."""
    parts = module.split(".")
    if parts[0] != "assessment":
        return None
    return parts[1] if len(parts) > 1 else "assessment"


def app_imports(path: Path) -> set[str]:
    return {m for m, _, _ in imports_of(path) if layer_of(m) is not None}


@pytest.mark.parametrize("path", MODULE_FILES, ids=module_name)
def test_layering_module_imports_only_what_its_layer_allows(path: Path) -> None:
    name = module_name(path)
    layer = layer_of(name)
    assert layer in ALLOWED, f"{name} is in no layer: add it to ALLOWED and the architecture doc"
    bad = set()
    for module in app_imports(path):
        target = layer_of(module)
        assert target is not None
        if target == layer:
            continue
        if target not in ALLOWED[layer]:
            bad.add(module)
        elif target == "assessment" and name not in FACTORY_IMPORTERS:
            bad.add(module)
    assert not bad, f"{name} ({layer}) may not import {sorted(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in MODULE_FILES if layer_of(module_name(p)) == "services"], ids=module_name
)
def test_layering_pure_core_uses_only_the_listed_libraries(path: Path) -> None:
    outside = {
        m.split(".")[0]
        for m, _, _ in imports_of(path)
        if layer_of(m) is None and m.split(".")[0] not in sys.stdlib_module_names
    }
    assert outside <= PURE_THIRD_PARTY, f"{module_name(path)} imports {sorted(outside)}"


def test_layering_no_import_inside_a_function_except_the_factory() -> None:
    # Heavy third-party libraries may load on first use (the PDF and XLSX writers do); the
    # app's own modules may not hide an import there, which is how cycles go unnoticed.
    hidden = sorted(
        f"{module_name(path)}:{node.lineno} {module}"
        for path in MODULE_FILES
        if module_name(path) != "assessment"
        for module, node, inside in imports_of(path)
        if inside and layer_of(module) is not None
    )
    assert not hidden


def test_layering_no_import_cycle() -> None:
    graph = {name: app_imports(path) & MODULES.keys() for name, path in MODULES.items()}
    cycles = strongly_connected(graph)
    assert not cycles, f"import cycles: {cycles}"


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: every group of two or more modules that import each other
    (directly or around a loop), plus modules that import themselves."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --- the checks themselves catch what they claim to catch -------------------------------------


def test_layering_relative_import_of_models_is_resolved(tmp_path: Path, monkeypatch) -> None:
    fake = PACKAGE / "services" / "scoring" / "single.py"
    imports = {m for m, _, _ in imports_of(fake)}
    assert "assessment.services.content.definitions" in imports
    sample = tmp_path / "x.py"
    sample.write_text("from .. import models\nfrom ..queries import get_cycle\n")
    monkeypatch.setattr(sys.modules[__name__], "module_name", lambda p: "assessment.web.x")
    assert {"assessment.models", "assessment.queries"} <= {m for m, _, _ in imports_of(sample)}


def test_layering_cycle_finder_sees_a_loop_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_layering_nested_import_is_flagged(tmp_path: Path, monkeypatch) -> None:
    sample = tmp_path / "y.py"
    sample.write_text("import os\n\ndef f():\n    from assessment import queries\n")
    monkeypatch.setattr(sys.modules[__name__], "module_name", lambda p: "assessment.web.y")
    assert [(m, inside) for m, _, inside in imports_of(sample)] == [
        ("os", False),
        ("assessment.queries", True),
    ]
