"""Committee view: trends over two cycles, drill-down, freezing, and the committee pack."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil

import numpy as np
import pytest
from pypdf import PdfReader
from scipy.stats import wilcoxon

from assessment import ROOT, queries
from assessment.extensions import db
from assessment.models import ReportSnapshot
from assessment.reports.scores import score_cycle, scores_of
from assessment.reports.trends import compare
from assessment.services.content.definitions import Questionnaire
from assessment.services.output.json_shapes import trends_json
from assessment.services.scoring.single import score_response
from tests.conftest import add_user, complete_answers, log_in, shipped_catalogue, submit_answers

CATALOGUE = shipped_catalogue()
IT = CATALOGUE.current_form("it_manager")
LIKERT = [i for i in IT.items if i.type == "likert"]
KNOWLEDGE = [i for i in IT.items if i.type == "knowledge"]


def answers_for(person: int, quarter: int, form: Questionnaire = IT) -> dict[str, object]:
    """Deterministic answers that differ by person and improve a little in the later quarter."""
    answers = complete_answers("it_manager", form)
    likert = [i for i in form.items if i.type == "likert"]
    knowledge = [i for i in form.items if i.type == "knowledge"]
    for k, item in enumerate(likert):
        answers[item.id] = 1 + (person + k + quarter * (person % 3)) % 5
    for k, item in enumerate(knowledge):
        wrong = next(c.id for c in item.choices if not c.correct and not c.dont_know)
        answers[item.id] = item.correct_choice if (person + k + quarter) % 3 else wrong
    return answers


def two_cycles(app, people: int = 12) -> None:
    from tests.conftest import open_test_cycle

    add_user(app, "chair@example.com", permissions=("committee",), name="Chair")
    add_user(app, "admin@example.com", permissions=("admin",))
    for n in range(people):
        add_user(app, f"it{n:02d}@example.com", role="it_manager", name=f"IT manager {n:02d}")
    open_test_cycle(app, "2026-Q3", days_ago=100)
    open_test_cycle(app, "2026-Q4", days_ago=5)
    for n in range(people):
        submit_answers(app, f"it{n:02d}@example.com", answers_for(n, 0), "2026-Q3")
        submit_answers(app, f"it{n:02d}@example.com", answers_for(n, 1), "2026-Q4")


def committee_client(app):
    client = app.test_client()
    log_in(client, "chair@example.com")
    return client


def test_trends_for_it_managers_equal_scipy_and_the_page_says_it_in_words(app):
    two_cycles(app)
    with app.app_context():
        earlier, later = (queries.get_cycle(db.session, c) for c in ("2026-Q3", "2026-Q4"))
        body = trends_json(
            *(lambda c: (c.comparable_items, c.report.groups))(compare(earlier, later))
        )
    # independent computation: the one-response scorer, then SciPy on the paired differences
    overall = {
        q: [score_response(IT, CATALOGUE.rubric, answers_for(n, q)).overall for n in range(12)]
        for q in (0, 1)
    }
    differences = np.round(np.array(overall[1]) - np.array(overall[0]), 6)
    trend = body["by_role"]["it_manager"]
    assert body["comparable_items"] == 1.0
    assert trend["n_pairs"] == 12
    assert trend["p"] == pytest.approx(wilcoxon(differences).pvalue, rel=1e-12)
    assert trend["change"] == pytest.approx(differences.mean())
    assert trend["from"] == pytest.approx(np.mean(overall[0]))
    assert trend["ci"] is not None and trend["ci"][0] <= trend["change"] <= trend["ci"][1]
    html = committee_client(app).get("/committee/?from=2026-Q3&to=2026-Q4").get_data(as_text=True)
    noise_words = "unlikely to be noise" if trend["p"] < 0.05 else "could well be noise"
    assert noise_words in html
    assert f"{trend['p']:.3f}" in html


def test_dashboard_with_one_cycle_and_too_few_pairs(app):
    two_cycles(app, people=3)
    html = committee_client(app).get("/committee/").get_data(as_text=True)
    # three people: plain words, and no test or interval that cannot run
    assert "What to act on, 2026-Q4" in html and "Where each role stands, 2026-Q4" in html
    assert "What changed since 2026-Q3" in html
    assert "IT manager (3 people, their mean):" in html
    assert "no test or interval can tell a change from noise, so none is shown" in html
    assert "too few pairs" not in html and "Wilcoxon" not in html
    assert "Training, 2026-Q4" in html
    for kind in ("roles", "domains", "optimism"):
        chart = committee_client(app).get(f"/committee/chart/{kind}.svg")
        assert chart.mimetype == "image/svg+xml" and b"<svg" in chart.data


def test_drill_down_lists_the_answers_that_changed(app):
    two_cycles(app, people=2)
    domain = LIKERT[0].domain
    html = (
        committee_client(app)
        .get(f"/committee/why?from=2026-Q3&to=2026-Q4&domain={domain}")
        .get_data(as_text=True)
    )
    changed = [
        n for n in range(2) if answers_for(n, 0)[LIKERT[0].id] != answers_for(n, 1)[LIKERT[0].id]
    ]
    assert changed, "the fixture must change at least one answer"
    assert LIKERT[0].text.replace("'", "&#39;") in html
    assert f"IT manager {changed[0]:02d}" in html


def test_committee_pages_are_for_the_committee(app):
    two_cycles(app, people=1)
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    client = app.test_client()
    log_in(client, "coord@example.com")
    for path in (
        "/committee/",
        "/committee/chart/roles.svg",
        "/committee/pack/2026-Q4.pdf",
        "/committee/why?from=2026-Q3&to=2026-Q4",
    ):
        assert client.get(path).status_code == 403, path


def test_freezing_stores_scores_and_recomputing_adds_a_version(app):
    two_cycles(app, people=2)
    admin = app.test_client()
    log_in(admin, "admin@example.com")
    admin.post(
        "/admin/cycles/2026-Q3/status", data={"action": "freeze", "confirmed": "yes"}
    )  # open: refused
    admin.post("/admin/cycles/2026-Q3/status", data={"action": "close", "confirmed": "yes"})
    admin.post("/admin/cycles/2026-Q3/status", data={"action": "freeze", "confirmed": "yes"})
    with app.app_context():
        cycle = queries.get_cycle(db.session, "2026-Q3")
        assert cycle.status == "frozen"
        stored = scores_of(cycle)
        assert [s.overall for s in stored] == [s.overall for s in score_cycle("2026-Q3")]
    admin.post("/admin/cycles/2026-Q3/status", data={"action": "recompute"})
    with app.app_context():
        versions = [s.version for s in db.session.query(ReportSnapshot).order_by("version")]
        assert versions == [1, 2]


def test_pack_from_the_command_line_is_identical_for_a_frozen_cycle(app, runner, tmp_path):
    two_cycles(app, people=3)
    admin = app.test_client()
    log_in(admin, "admin@example.com")
    for action in ("close", "freeze"):
        admin.post("/admin/cycles/2026-Q4/status", data={"action": action, "confirmed": "yes"})
    texts = []
    for name in ("a.pdf", "b.pdf"):
        if name == "b.pdf":  # later changes must not alter a frozen cycle's pack
            add_user(app, "late@example.com", role="ceo", name="Late Arrival")
        result = runner.invoke(
            args=["report", "pack", "--cycle", "2026-Q4", "-o", str(tmp_path / name)]
        )
        assert result.exit_code == 0, result.output
        reader = PdfReader(io.BytesIO((tmp_path / name).read_bytes()))
        texts.append(" ".join("".join(page.extract_text() for page in reader.pages).split()))
    assert texts[0] == texts[1]
    text = texts[0]
    assert "Security steering committee pack 2026-Q4" in text
    assert "3 submitted responses" in text
    assert "Compared with 2026-Q3" in text and "Open actions" in text
    assert "fact(s) not reported yet" in text and "Training: " in text
    web = committee_client(app).get("/committee/pack/2026-Q4.pdf")
    assert web.mimetype == "application/pdf"


def test_pack_for_unknown_cycle_fails_clearly(app, runner, tmp_path):
    result = runner.invoke(
        args=["report", "pack", "--cycle", "1999-Q1", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "no cycle '1999-Q1'" in result.output


def test_comparison_uses_only_items_common_to_both_versions(app_factory, tmp_path):
    root = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", root)
    text = (root / "it_manager" / f"{IT.version}.yaml").read_text()
    twins = {i.twin for i in IT.items} | {i.id for i in IT.items if i.twin}
    dropped = next(i.id for i in LIKERT if i.id not in twins)
    newer = text.replace(f"version: {IT.version}", "version: 9.0.0").replace(
        f"id: {dropped}\n", f"id: {dropped}_v2\n"
    )
    (root / "it_manager" / "9.0.0.yaml").write_text(newer)
    app = app_factory(QUESTIONNAIRES_PATH=str(root))
    add_user(app, "it@example.com", role="it_manager")
    with app.app_context():
        for cycle_id, days, version in (("2026-Q3", 100, IT.version), ("2026-Q4", 5, "9.0.0")):
            cycle = queries.create_cycle(
                db.session,
                cycle_id,
                dt.date.today() - dt.timedelta(days=days),
                dt.date.today() + dt.timedelta(days=30),
            )
            queries.open_cycle(db.session, cycle, {"it_manager": ("it_manager", version)})
        db.session.commit()
    first = answers_for(0, 0)
    second = answers_for(0, 1)
    second[f"{dropped}_v2"] = second.pop(dropped)
    submit_answers(app, "it@example.com", first, "2026-Q3")
    submit_answers(app, "it@example.com", second, "2026-Q4")
    with app.app_context():
        comparison = compare(
            queries.get_cycle(db.session, "2026-Q3"), queries.get_cycle(db.session, "2026-Q4")
        )
    total = len(IT.items) + 1
    assert comparison.comparable_items == pytest.approx((len(IT.items) - 1) / total)
    common = [i for i in IT.items if i.id != dropped]
    restricted = dataclasses.replace(IT, items=tuple(common))
    expected = score_response(restricted, CATALOGUE.rubric, first).overall
    assert comparison.report.groups["all"].mean_from == pytest.approx(expected)


def test_web_gap_report_of_a_frozen_cycle_comes_from_its_snapshot(app):
    from sqlalchemy import text

    two_cycles(app, people=2)
    with app.app_context():
        owner = queries.find_person_by_email(db.session, "admin@example.com")
        for fact in CATALOGUE.facts.values():
            worst = fact.category_ids[0]
            queries.add_fact_value(
                db.session,
                "2026-Q3",
                fact.id,
                value=worst,
                category=worst,
                as_of=dt.date.today(),
                evidence="e",
                note="",
                reason="",
                person=owner,
            )
        db.session.commit()
    admin = app.test_client()
    log_in(admin, "admin@example.com")
    for action in ("close", "freeze"):
        admin.post("/admin/cycles/2026-Q3/status", data={"action": action, "confirmed": "yes"})
    chair = committee_client(app)
    before = chair.get("/gaps/2026-Q3/export.json").get_json()
    names_before = chair.get("/gaps/2026-Q3/export.csv").data
    with app.app_context():  # an answer changed behind the application's back
        db.session.execute(
            text("UPDATE answer SET value = :v WHERE item_id LIKE '%belief%'"), {"v": '"dk"'}
        )
        db.session.commit()
    assert chair.get("/gaps/2026-Q3/export.json").get_json() == before
    assert chair.get("/gaps/2026-Q3/export.csv").data == names_before
    assert b"IT manager 00" in names_before  # names, not just e-mails, in the stored report


def test_dashboard_opens_on_the_last_two_answered_cycles_never_on_a_draft(app):
    two_cycles(app, people=3)
    with app.app_context():  # next quarter's draft, and an opened quarter nobody answered yet
        queries.create_cycle(
            db.session,
            "2027-Q2",
            dt.date.today() + dt.timedelta(days=200),
            dt.date.today() + dt.timedelta(days=290),
        )
        db.session.commit()
    from tests.conftest import open_test_cycle

    open_test_cycle(app, "2027-Q1", days_ago=-10)
    html = committee_client(app).get("/committee/").get_data(as_text=True)
    assert "What to act on, 2026-Q4" in html and "What changed since 2026-Q3" in html
    assert "Committee pack 2026-Q4 (PDF)" in html
    # neither the unanswered quarter nor the draft is what the view reads or offers
    for empty in ("2027-Q1", "2027-Q2"):
        assert f"What to act on, {empty}" not in html and f"Committee pack {empty}" not in html
        assert f'value="{empty}" selected' not in html
    assert "did not answer this time" not in html  # the same three people answered both times


def test_from_after_to_is_put_in_order_and_said(app):
    two_cycles(app, people=3)
    html = committee_client(app).get("/committee/?from=2026-Q4&to=2026-Q3").get_data(as_text=True)
    assert "From came after To, so they were swapped: 2026-Q3 → 2026-Q4." in html
    assert "What to act on, 2026-Q4" in html and "What changed since 2026-Q3" in html


def test_people_missing_from_the_later_cycle_did_not_answer_this_time(app):
    two_cycles(app, people=3)
    add_user(app, "late@example.com", role="it_manager", name="Late")
    submit_answers(app, "late@example.com", answers_for(7, 0), "2026-Q3")
    html = committee_client(app).get("/committee/").get_data(as_text=True)
    assert "3 people answered both times, 1 did not answer this time." in html


@pytest.mark.parametrize(
    "path",
    [
        "/committee/?from=nonsense",
        "/committee/pack/nonsense.pdf",
        "/gaps/nonsense",
        "/facts/nonsense",
    ],
)
def test_an_unknown_cycle_in_the_address_says_there_is_no_such_cycle(app, path):
    two_cycles(app, people=1)
    response = committee_client(app).get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No such cycle" in html and "There is no cycle “nonsense”" in html


def test_topic_chart_is_small_multiples_with_every_name_as_text(app):
    two_cycles(app, people=3)
    svg = committee_client(app).get("/committee/chart/domains.svg").get_data(as_text=True)
    # one small chart per topic, its name set as text (not outlines), none cut to "…isk"
    for domain in CATALOGUE.rubric.domains:
        first_words = " ".join(domain.name.split()[:2])
        assert first_words in svg, domain.name
    assert svg.count('<g id="axes_') == len(CATALOGUE.rubric.domains)
    roles = committee_client(app).get("/committee/chart/roles.svg").get_data(as_text=True)
    assert "IT manager" in roles and "DejaVu Sans" in roles


def test_facts_missing_after_the_cycle_closed_are_overdue(app):
    two_cycles(app, people=2)
    with app.app_context():
        cycle = queries.get_cycle(db.session, "2026-Q3")
        cycle.closes = dt.date.today() - dt.timedelta(days=10)
        cycle.status = "closed"
        db.session.commit()
    html = committee_client(app).get("/committee/?to=2026-Q3").get_data(as_text=True)
    actions = html.split('<ol class="actions">', 1)[1].split("</ol>", 1)[0]
    closed_on = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    assert f"overdue since the cycle closed on {closed_on}" in actions
    current = committee_client(app).get("/committee/").get_data(as_text=True)
    assert "not reported yet" in current.split('<ol class="actions">', 1)[1].split("</ol>")[0]
