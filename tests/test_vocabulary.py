"""The domain's words are defined once: statuses as enums (services/lifecycle.py) and the five
roles in services/content/definitions.py. No module compares a status with a string literal
or spells out the list of roles again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assessment import ROOT
from assessment.models import Cycle, Response, TrainingSession
from assessment.services.content.definitions import ROLES
from assessment.services.lifecycle import CycleStatus, ResponseStatus, TrainingSessionStatus

STATUS_WORDS = {
    s.value for enum in (CycleStatus, ResponseStatus, TrainingSessionStatus) for s in enum
}
DEFINED_HERE = {
    ROOT / "assessment" / "services" / "lifecycle.py",
    ROOT / "assessment" / "services" / "content" / "definitions.py",
}
MODULES = sorted(p for p in (ROOT / "assessment").rglob("*.py") if p not in DEFINED_HERE)


def literal_status_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing something called ``status`` with a status word written as a string."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        names_status = any(
            (isinstance(s, ast.Attribute) and s.attr == "status")
            or (isinstance(s, ast.Name) and s.id == "status")
            for s in sides
        )
        words = {s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)}
        if names_status and words & STATUS_WORDS:
            found.append(node.lineno)
    return found


def spelled_out_roles(tree: ast.AST) -> list[int]:
    """Lines with a tuple, list or set literal naming three or more of the five roles."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and sum(isinstance(e, ast.Constant) and e.value in ROLES for e in node.elts) >= 3
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_vocabulary_module_uses_the_enums_and_the_role_list(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert not literal_status_comparisons(tree), "compare with CycleStatus/ResponseStatus/..."
    assert not spelled_out_roles(tree), "import ROLES from services.content.definitions"


def test_vocabulary_checks_catch_what_they_claim() -> None:
    bad = ast.parse(
        'if cycle.status == "open": pass\nroles = ("ceo", "cio", "hr")\nok = status != "x"\n'
    )
    assert literal_status_comparisons(bad) == [1]
    assert spelled_out_roles(bad) == [2]


def test_vocabulary_enums_are_the_stored_strings() -> None:
    assert Cycle(status=CycleStatus.OPEN).takes_answers
    assert Cycle(status="frozen").is_frozen
    assert Response(status="submitted").is_submitted
    assert TrainingSession(status=TrainingSessionStatus.SCHEDULED).is_scheduled
    assert [s.value for s in CycleStatus] == ["draft", "open", "closed", "frozen"]
