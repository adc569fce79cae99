"""The questionnaire loader: shipped files are valid; each kind of mistake is caught precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment import ROOT
from assessment.services.content.definitions import DONT_KNOW, FACT_OWNERS, ROLES
from assessment.services.content.questionnaire_files import (
    CatalogueError,
    check,
    load_catalogue,
    newest_versions,
)
from tests.fixtures.mini_catalogue import CEO, FACTS, FILES, RUBRIC, TRAINING, write_catalogue

SHIPPED = ROOT / "questionnaires"


@pytest.fixture(scope="module")
def shipped():
    return load_catalogue(SHIPPED)


# --- the shipped content ------------------------------------------------------------------


def test_shipped_files_load_without_problems():
    assert check(SHIPPED) == []


def test_shipped_rubric_has_nine_domains_five_levels_and_weights_of_100(shipped):
    rubric = shipped.rubric
    assert [d.id for d in rubric.domains] == [f"D{i}" for i in range(1, 10)]
    assert [(lv.id, lv.min) for lv in rubric.levels] == [
        ("L1", 0),
        ("L2", 20),
        ("L3", 40),
        ("L4", 70),
        ("L5", 80),
    ]
    for domain in rubric.domains:
        assert set(domain.level_descriptions) == {"L1", "L2", "L3", "L4", "L5"}
    for role in ROLES:
        assert sum(rubric.role_weights[role].values()) == 100


@pytest.mark.parametrize("role", ROLES)
def test_shipped_role_questionnaire_meets_the_blueprint(shipped, role):
    questionnaire = shipped.get(role, "1.0.0")
    types = [item.type for item in questionnaire.items]
    assert questionnaire.role == role
    assert 24 <= len(types) <= 32
    assert types.count("belief") >= 8
    assert 1 <= types.count("foil") <= 2
    assert types.count("comment") == 1
    assert types.count("confidence") >= 1
    assert any(item.reverse for item in questionnaire.items if item.type == "likert")
    for item in questionnaire.items:
        if item.is_scored:
            assert item.anchors and item.feedback and item.training, item.id


@pytest.mark.parametrize("role", ROLES)
def test_every_weighted_domain_has_two_scored_items(shipped, role):
    questionnaire = shipped.get(role, "1.0.0")
    for domain in shipped.rubric.role_weights[role]:
        scored = [
            i
            for i in questionnaire.items
            if i.domain == domain and i.type in ("knowledge", "likert")
        ]
        assert len(scored) >= 2, (role, domain)


def test_item_ids_are_unique_in_a_file_and_belong_to_one_questionnaire(shipped):
    owner: dict[str, str] = {}
    for q in shipped.questionnaires.values():
        ids = [item.id for item in q.items]
        assert len(ids) == len(set(ids)), q.file
        for item_id in ids:  # a later version may keep an id, another questionnaire may not
            assert owner.setdefault(item_id, q.id) == q.id, item_id


def test_every_belief_names_an_owned_fact_not_owned_by_the_believer(shipped):
    for questionnaire in shipped.questionnaires.values():
        for item in questionnaire.items:
            if item.type != "belief":
                continue
            fact = shipped.facts[item.fact]
            assert fact.owner in FACT_OWNERS
            assert fact.owner != questionnaire.role, (item.id, fact.id)
            assert [c.id for c in item.choices] == [*fact.category_ids, DONT_KNOW]


def test_no_one_is_asked_to_believe_a_fact_they_check_or_one_that_is_retired(shipped):
    """In the newest versions: a second attester sees the evidence, so their belief would not
    be a belief; a retired fact is no longer reported."""
    for questionnaire in newest_versions(shipped.questionnaires.values()):
        for item in questionnaire.items:
            if item.type == "belief":
                fact = shipped.facts[item.fact]
                assert questionnaire.role not in (fact.owner, fact.attester), item.id
                assert not fact.retired, item.id
                # the belief asks the fact's own question, so that both answer the same thing
                question = fact.question[0].lower() + fact.question[1:]
                assert f"As far as you know, {question}" in item.text, item.id


def test_fact_catalogue_covers_the_required_facts(shipped):
    assert 15 <= len(shipped.facts) <= 35
    required = {
        "mfa_remote_access",
        "mfa_privileged",
        "mfa_email",
        "backup_restore_test",
        "backup_immutable",
        "patch_latency_critical",
        "asset_inventory_coverage",
        "ir_plan",
        "exec_tabletop",
        "phishing_report_rate",
        "training_completion",
        "leaver_revocation",
        "byod_policy",
        "vendor_breach_terms",
        "critical_vendor_list",
        "regulatory_register",
        "breach_notification_playbook",
        "cyber_insurance",
        "security_budget_share",
        "issc_meetings",
        "risks_escalated_early",
    }
    assert required <= set(shipped.facts)
    owners = {fact.id: fact.owner for fact in shipped.facts.values()}
    assert owners["training_completion"] == owners["leaver_revocation"] == "hr"
    assert owners["vendor_breach_terms"] == owners["critical_vendor_list"] == "legal"


def test_numeric_facts_map_numbers_to_categories_through_bands(shipped):
    patch = shipped.facts["patch_latency_critical"]
    assert [patch.categorise(v) for v in (0, 14.9, 15, 29, 30, 400)] == [
        "under_15",
        "under_15",
        "d15_30",
        "d15_30",
        "over_30",
        "over_30",
    ]
    mfa = shipped.facts["mfa_email"]
    assert [mfa.categorise(v) for v in (0, 79.5, 80, 99.9, 100)] == [
        "under_80",
        "under_80",
        "p80_99",
        "p80_99",
        "all",
    ]


def test_training_catalogue_covers_each_domain_at_the_lower_levels(shipped):
    assert 15 <= len(shipped.training) <= 35
    for domain in shipped.rubric.domain_ids:
        for level in ("L1", "L2", "L3"):
            assert any(
                domain in m.domains and level in m.levels for m in shipped.training.values()
            ), (domain, level)


# --- broken files -------------------------------------------------------------------------

BROKEN = [
    (
        "twin-worded-the-same-way",
        "ceo/1.0.0.yaml",
        '    reverse: true\n    anchors: ["NACD principle 1"]',
        '    reverse: true\n    twin: ceo.d2.l1\n    anchors: ["NACD principle 1"]',
        "- id: ceo.d1.l1",
        "names twin 'ceo.d2.l1', which must be another likert item",
    ),
    # (id, file, old text, new text, marker of the reported line, message fragment)
    (
        "unknown-domain",
        "ceo/1.0.0.yaml",
        "  - id: ceo.d2.k1\n    domain: D2",
        "  - id: ceo.d2.k1\n    domain: D99",
        "domain: D99",
        "unknown domain 'D99'",
    ),
    (
        "unknown-fact",
        "ceo/1.0.0.yaml",
        "fact: mfa_remote_access",
        "fact: mfa_everywhere",
        "fact: mfa_everywhere",
        "unknown fact 'mfa_everywhere'",
    ),
    (
        "duplicate-item-id",
        "ceo/1.0.0.yaml",
        "  - id: ceo.d1.l1",
        "  - id: ceo.d1.k1",
        "- id: ceo.d1.k1\n    domain: D1\n    type: likert",
        "duplicate item id 'ceo.d1.k1'",
    ),
    (
        "no-correct-choice",
        "ceo/1.0.0.yaml",
        "The accountable business owner, correct: true",
        "The accountable business owner",
        "    choices:",
        "exactly one correct choice, has 0",
    ),
    (
        "two-correct-choices",
        "ceo/1.0.0.yaml",
        "{id: c, label: The auditor}",
        "{id: c, label: The auditor, correct: true}",
        "    choices:",
        "exactly one correct choice, has 2",
    ),
    (
        "no-dont-know",
        "ceo/1.0.0.yaml",
        '{id: dk, label: "Don\'t know", dont_know: true}\n    anchors: ["NIST CSF 2.0 GV.RM-02"]',
        '{id: d, label: The board}\n    anchors: ["NIST CSF 2.0 GV.RM-02"]',
        "    choices:",
        "exactly one don't-know choice",
    ),
    (
        "weights-not-100",
        "rubric.yaml",
        "ceo: {D1: 60, D2: 40}",
        "ceo: {D1: 50, D2: 40}",
        "ceo: {D1: 50",
        "domain weights of role ceo sum to 90, not 100",
    ),
    (
        "reverse-on-knowledge",
        "ceo/1.0.0.yaml",
        "    text: Who accepts residual risk?\n",
        "    text: Who accepts residual risk?\n    reverse: true\n",
        "reverse: true",
        "'reverse' is only for likert and pulse items, not knowledge",
    ),
    (
        "confidence-linked-to-nothing",
        "ceo/1.0.0.yaml",
        "links: [ceo.d1.k1, ceo.d2.k1]",
        "links: []",
        "- id: ceo.d1.c1",
        "confidence item ceo.d1.c1 is linked to nothing",
    ),
    (
        "confidence-linked-to-likert",
        "ceo/1.0.0.yaml",
        "links: [ceo.d1.k1, ceo.d2.k1]",
        "links: [ceo.d1.l1]",
        "- id: ceo.d1.c1",
        "links to 'ceo.d1.l1', which is not a knowledge",
    ),
    (
        "unknown-key",
        "ceo/1.0.0.yaml",
        "    text: Anything else?\n",
        "    text: Anything else?\n    colour: red\n",
        "colour: red",
        "unknown key 'colour'",
    ),
    (
        "weight-not-a-number",
        "ceo/1.0.0.yaml",
        "    text: Who accepts residual risk?\n",
        "    text: Who accepts residual risk?\n    weight: heavy\n",
        "weight: heavy",
        "'weight' must be a number, got 'heavy'",
    ),
    (
        "unquoted-yes",
        "facts.yaml",
        '{id: "yes", label: "Yes"}',
        '{id: "yes", label: yes}',
        "label: yes}",
        "quote it",
    ),
    (
        "yaml-syntax",
        "training.yaml",
        "domains: [D1, D2]",
        "domains: [D1, D2",
        "levels: [L1",
        "YAML syntax error",
    ),
    (
        "duplicate-key",
        "ceo/1.0.0.yaml",
        "    text: Anything else?\n",
        "    text: Anything else?\n    text: Again?\n",
        "text: Again?",
        "duplicate key 'text'",
    ),
    (
        "band-gap",
        "facts.yaml",
        "{category: d15_30, min: 15, max: 30}",
        "{category: d15_30, min: 16, max: 30}",
        "    bands:",
        "gap or overlap",
    ),
    (
        "unknown-training",
        "ceo/1.0.0.yaml",
        "training: [gov-basics]",
        "training: [gov-advanced]",
        "training: [gov-advanced]",
        "unknown training module 'gov-advanced'",
    ),
    (
        "role-mismatch-weight-domain",
        "training.yaml",
        "domains: [D1, D2]",
        "domains: [D1, D7]",
        "domains: [D1, D7]",
        "unknown domain 'D7'",
    ),
    (
        "version-not-file-name",
        "ceo/1.0.0.yaml",
        "version: 1.0.0",
        "version: 1.0.1",
        "version: 1.0.1",
        "must match the file name",
    ),
    (
        "too-few-items-in-domain",
        "ceo/1.0.0.yaml",
        "    type: likert\n    scale: frequency",
        "    type: comment",
        "items:",
        "domain D2 has weight 40 for role ceo but only 1",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "marker", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_is_reported_with_file_and_line(tmp_path, file, old, new, marker, message):
    files = dict(FILES)
    assert old in files[file], "the fixture no longer contains the text this case edits"
    files[file] = files[file].replace(old, new, 1)
    root = write_catalogue(tmp_path, files)
    expected_line = files[file][: files[file].index(marker)].count("\n") + 1
    problems = check(root)
    matching = [p for p in problems if message in p.message]
    assert matching, f"no problem mentions {message!r}: {[str(p) for p in problems]}"
    assert matching[0].file == f"questionnaires/{file}"
    assert matching[0].line == expected_line, str(matching[0])


def test_mini_catalogue_is_valid(tmp_path):
    assert check(write_catalogue(tmp_path)) == []


def test_id_reused_with_another_meaning_across_versions(tmp_path):
    changed = (
        CEO.replace("version: 1.0.0", "version: 1.1.0")
        .replace("The accountable business owner, correct: true", "The accountable business owner")
        .replace("{id: a, label: The IT team}", "{id: a, label: The IT team, correct: true}")
    )
    root = write_catalogue(tmp_path, {**FILES, "ceo/1.1.0.yaml": changed})
    problems = check(root)
    assert [str(p) for p in problems] == [
        "questionnaires/ceo/1.1.0.yaml:8: item id "
        "'ceo.d1.k1' is reused with another meaning than in questionnaires/ceo/1.0.0.yaml:8 "
        "(correct choice 'b' -> 'a'); give the changed item a new id"
    ]


def test_wording_may_change_between_versions_when_meaning_stays(tmp_path):
    polished = CEO.replace("version: 1.0.0", "version: 1.1.0").replace(
        "Who accepts residual risk?", "Who formally accepts the residual risk?"
    )
    root = write_catalogue(tmp_path, {**FILES, "ceo/1.1.0.yaml": polished})
    catalogue = load_catalogue(root)
    assert catalogue.current("ceo").version == "1.1.0"
    assert [q.version for q in catalogue.versions("ceo")] == ["1.0.0", "1.1.0"]


def test_all_problems_are_reported_at_once(tmp_path):
    files = dict(FILES)
    files["ceo/1.0.0.yaml"] = CEO.replace("domain: D2", "domain: D42").replace(
        "fact: mfa_remote_access", "fact: nothing_known"
    )
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(write_catalogue(tmp_path, files))
    messages = [p.message for p in raised.value.problems]
    assert any("D42" in m for m in messages) and any("nothing_known" in m for m in messages)


def test_missing_rubric_is_reported(tmp_path):
    root = write_catalogue(tmp_path, {"facts.yaml": FACTS, "training.yaml": TRAINING})
    assert [str(p) for p in check(root)] == ["questionnaires/rubric.yaml:1: file not found"]


def test_rubric_fixture_is_what_the_format_documents():
    assert "role_weights" in RUBRIC and Path(ROOT / "docs/questionnaire-format.md").exists()
