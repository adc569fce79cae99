"""Content rules of issue 19: cueing per form, retired facts, the climate pulse, training
coverage, fact answers besides a value, and the generated figures in docs/content.md."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assessment import ROOT
from assessment.cli.commands import GENERATED_END, GENERATED_START
from assessment.cli.main import main
from assessment.services.content.content_stats import all_form_stats, markdown
from assessment.services.content.cueing import CUE_LIMITS, cueing
from assessment.services.content.definitions import NOT_APPLICABLE
from assessment.services.content.questionnaire_files import load_catalogue, newest_versions
from assessment.services.facts.entries import read_entry
from assessment.services.gaps.classify import fact_category
from assessment.services.pulse.summary import pulse_summary

CATALOGUE = load_catalogue(ROOT / "questionnaires")
NEWEST = newest_versions(CATALOGUE.questionnaires.values())


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", root)
    return root


def _newest_file(root: Path, role: str) -> Path:
    q = next(q for q in NEWEST if q.role == role)
    return root / role / f"{q.version}.yaml"


def _check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["questionnaires", "check", str(root)])
    return result.exit_code, result.output


def test_every_newest_form_sits_within_the_cueing_limits_and_the_checker_prints_them():
    code, output = _check(ROOT / "questionnaires")
    assert code == 0, output
    low, high = CUE_LIMITS
    printed = re.findall(r"^  (\S+) (\d+\.\d+\.\d+): longest (\d+)/(\d+)", output, re.M)
    forms = [(q, letter) for q in NEWEST for letter in q.forms or (None,)]
    assert len(printed) == len(forms) == 10
    for (q, letter), (form_id, version, longest, items) in zip(forms, printed, strict=True):
        stats = cueing(q.cut_form(letter, None))
        assert (form_id, version) == (q.form_id(letter or "", None), q.version)
        assert (int(longest), int(items)) == (stats.key_longest, stats.items)
        assert low <= stats.longest_share <= high, (form_id, stats)


def _rewrite(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200))


def _refused_after(tmp_path: Path, role: str, change) -> str:
    """Copy the shipped files, change the role's newest questionnaire, run the checker; it
    must refuse. Returns its output."""
    root = _copy(tmp_path)
    _rewrite(_newest_file(root, role), change)
    code, output = _check(root)
    assert code == 1, output
    return output


def test_a_form_whose_keys_are_always_the_longest_is_refused(tmp_path):
    def lengthen_keys(data):
        for item in data["items"]:
            for choice in item.get("choices", []):
                if choice.get("correct"):
                    choice["label"] += ", as agreed in writing with every party beforehand"

    output = _refused_after(tmp_path, "legal", lengthen_keys)
    assert re.search(r"legal/\S+\.yaml:\d+: form a: the key is the longest option in", output)
    assert "form b: the key is the longest option in" in output


def test_a_form_whose_keys_are_never_the_longest_is_refused(tmp_path):
    def shorten_keys(data):
        for item in data["items"]:
            for choice in item.get("choices", []):
                if choice.get("correct"):
                    choice["label"] = choice["label"].split(",")[0][:12]

    output = _refused_after(tmp_path, "hr", shorten_keys)
    assert "the key is the longest option in only" in output


def test_the_newest_questionnaire_may_not_ask_a_retired_fact(tmp_path):
    assert CATALOGUE.facts["risks_escalated_early"].retired

    def point_at_retired(data):
        belief = next(i for i in data["items"] if i["type"] == "belief")
        belief["fact"] = "risks_escalated_early"

    output = _refused_after(tmp_path, "ceo", point_at_retired)
    assert "asks about retired fact 'risks_escalated_early'" in output
    # older versions are history: cycles pinned them, so the rule leaves them alone
    assert "ceo/2.0.0.yaml" not in output


def test_pulse_statements_must_read_the_same_in_every_role(tmp_path):
    def reword(data):
        pulse = next(i for i in data["items"] if i["type"] == "pulse")
        pulse["text"] = "Security news reaches HR in time."

    output = _refused_after(tmp_path, "hr", reword)
    assert "must have the same text, scale and reverse" in output


def test_every_role_has_the_climate_pulse_and_it_is_never_scored():
    topics = None
    for q in NEWEST:
        pulse = [i for i in q.items if i.type == "pulse"]
        assert pulse and all(i.optional and not i.is_scored for i in pulse), q.id
        found = {i.pulse_topic for i in pulse}
        topics = found if topics is None else topics
        assert found == topics, q.id


def test_training_must_serve_every_domain_a_role_weighs(tmp_path):
    root = _copy(tmp_path)
    path = root / "training.yaml"

    def drop_hr_from_d9(data):
        for module in data["modules"]:
            if "D9" in module["domains"] and "hr" in module["audience"]:
                module["audience"].remove("hr")

    _rewrite(path, drop_hr_from_d9)
    code, output = _check(root)
    assert code == 1
    assert "no module offers domain D9 at L1 to role hr" in output


def test_pulse_totals_are_hidden_below_the_minimum_group_and_reverse_wording_is_turned():
    q = next(q for q in NEWEST if q.role == "cio")
    pulse = [i for i in q.items if i.type == "pulse"]
    reversed_item = next(i for i in pulse if i.reverse)
    plain = next(i for i in pulse if not i.reverse)
    answers = [{plain.id: v, reversed_item.id: v} for v in (5, 4, 3, 2, 1)]
    shown = {s.topic: s for s in pulse_summary([(q, a) for a in answers], min_group=5)}
    assert (shown[plain.pulse_topic].favourable, shown[plain.pulse_topic].unfavourable) == (2, 2)
    # agreeing with a reverse-worded statement is the unfavourable answer
    turned = shown[reversed_item.pulse_topic]
    assert (turned.favourable, turned.neutral, turned.unfavourable) == (2, 1, 2)
    assert turned.favourable_share == pytest.approx(0.4)
    few = {s.topic: s for s in pulse_summary([(q, a) for a in answers[:4]], min_group=5)}
    hidden = few[plain.pulse_topic]
    assert hidden.answered == 4 and not hidden.shown and hidden.favourable is None


def test_special_fact_answers_count_as_their_category_or_as_not_applicable():
    facts = CATALOGUE.facts
    assert fact_category(facts["backup_restore_test"], "never") == "over_12m"
    assert fact_category(facts["phishing_report_rate"], "not_applicable") == NOT_APPLICABLE
    assert fact_category(facts["mfa_remote_access"], "compensating") == "yes"
    assert fact_category(facts["mfa_email"], "never") is None  # not offered for that fact
    entry, problem = read_entry(
        facts["exec_notification_latency"], category=None, number="3.5", date=None, as_of=None
    )
    assert problem is None and entry is not None and entry.category == "under_4"


def test_docs_content_md_shows_the_figures_of_the_shipped_files():
    document = (ROOT / "docs" / "content.md").read_text()
    generated = document.split(GENERATED_START, 1)[1].split(GENERATED_END, 1)[0]
    expected = markdown(all_form_stats(NEWEST), CATALOGUE.rubric)
    assert generated.strip() == expected.strip(), (
        "docs/content.md is out of date: run `assessment questionnaires stats --write "
        "docs/content.md`"
    )
