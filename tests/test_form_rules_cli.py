"""The questionnaire checker names the file and line of every broken measurement rule."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from assessment import ROOT
from assessment.cli.main import main

LEGAL = "legal/2.0.0.yaml"
WEAK = "  - id: legal.d7.notice_clause_weakness\n"
CLAUSE = "  - id: legal.d7.vendor_notice_clause\n"
OBJECTIVE = '    objective: "Vendor breach-notice terms that protect our own deadlines"\n'


def _in_weak(text: str, old: str, new: str) -> str:
    """Replace the first ``old`` after the parallel item's id line."""
    head, tail = text.split(WEAK, 1)
    return head + WEAK + tail.replace(old, new, 1)


BREAKS = {
    "angoff missing": (
        lambda t: _in_weak(t, "    angoff: 0.75\n", ""),
        [(WEAK, "item legal.d7.notice_clause_weakness needs an angoff rating")],
    ),
    "objective missing": (
        lambda t: _in_weak(t, OBJECTIVE, ""),
        [
            (WEAK, "rotating item legal.d7.notice_clause_weakness needs an objective"),
            (CLAUSE, "must have exactly one item in each form"),
        ],
    ),
    "parallel in another domain": (
        lambda t: _in_weak(t, "    domain: D7\n", "    domain: D4\n"),
        [(WEAK, "differ: domain 'D7' vs 'D4'")],
    ),
    "parallel with fewer options": (
        lambda t: _in_weak(t, "      - {id: d,", "      # - {id: d,"),
        [(WEAK, "differ: answers besides don't know 4 vs 3")],
    ),
    "two parallels in one form": (
        lambda t: _in_weak(t, "    form: b\n", "    form: a\n"),
        [(CLAUSE, "must have exactly one item in each form")],
    ),
    "an id the confidence taps keep": (
        lambda t: t.replace(
            "  - id: legal.d7.foil_varnholt_doctrine\n", "  - id: legal.d7.foil.sure\n"
        ),
        [("  - id: legal.d7.foil.sure\n", "ids ending in '.sure' are kept for the")],
    ),
    "unknown form": (
        lambda t: _in_weak(t, "    form: b\n", "    form: c\n"),
        [(WEAK, "names form 'c'")],
    ),
}


def _line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


@pytest.mark.parametrize("case", BREAKS, ids=str)
def test_checker_reports_each_broken_rule_at_its_line(tmp_path, case):
    root = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", root)
    path = root / LEGAL
    broken, expected = BREAKS[case]
    text = broken(path.read_text())
    assert text != path.read_text()
    path.write_text(text)
    result = CliRunner().invoke(main, ["questionnaires", "check", str(root)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    for marker, message in expected:
        where = f"questionnaires/{LEGAL}:{_line_of(text, marker)}: "
        assert any(line.startswith(where) and message in line for line in lines), (
            where,
            message,
            result.output,
        )


def test_checker_reports_domains_that_need_a_regime_and_too_few_foils(tmp_path):
    root = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", root)
    path = root / LEGAL
    text = path.read_text()
    # every D4 question made HIPAA-only: the heaviest domain no longer stands under every profile
    blocks = text.split("\n  - id: ")
    for k, block in enumerate(blocks):
        scored = "    type: knowledge\n" in block or "    type: likert\n" in block
        if "    domain: D4\n" in block and scored:
            block = re.sub(r"\n    regimes: \[[^\]]*\]", "", block)
            blocks[k] = block.replace("    domain: D4\n", "    domain: D4\n    regimes: [hipaa]\n")
    text = "\n  - id: ".join(blocks)
    text = text.replace("    type: foil\n", "    type: comment\n", 2)
    path.write_text(text)
    result = CliRunner().invoke(main, ["questionnaires", "check", str(root)])
    assert result.exit_code == 1
    output = result.output
    assert f"questionnaires/{LEGAL}:" in output
    assert "domain D4 weighs 30 for legal but has" in output and "needs 4" in output
    assert "needs 2 to 3 foils, has 1" in output
