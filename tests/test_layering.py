"""services/ is the pure core: it must not import Flask, SQLAlchemy or the app's models."""

import ast
from pathlib import Path

import pytest

from assessment import ROOT

FORBIDDEN = (
    "flask",
    "flask_wtf",
    "flask_login",
    "flask_sqlalchemy",
    "sqlalchemy",
    "assessment.models",
    "assessment.extensions",
    "assessment.queries",
)
SERVICE_FILES = sorted((ROOT / "assessment" / "services").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against assessment.services
                base = "assessment.services" if node.level == 1 else "assessment"
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
    return found


def test_there_are_service_modules_to_check():
    assert len(SERVICE_FILES) >= 3


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: p.name)
def test_service_module_imports_no_framework(path):
    bad = {
        m for m in imported_modules(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_layering_check_catches_a_relative_import_of_models(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from ..models import Person\nfrom sqlalchemy import select\n")
    assert {"assessment.models", "sqlalchemy"} <= imported_modules(sample)
