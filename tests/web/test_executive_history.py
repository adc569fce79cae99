"""An executive keeps their results after the quarter closes, and a closed quarter says so."""

from __future__ import annotations

from assessment import queries
from assessment.extensions import db
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle, submit_answers


def _close(app, cycle_id: str) -> None:
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        assert cycle is not None
        cycle.status = "closed"
        db.session.commit()


def _client(app, email):
    client = app.test_client()
    log_in(client, email)
    return client


def test_home_lists_earlier_quarters_with_results_or_what_happened(app):
    for role in ("ceo", "hr", "legal"):
        add_user(app, f"{role}@example.com", role=role)
    open_test_cycle(app, "2026-Q3", days_ago=100)
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q3")
    _client(app, "hr@example.com").post("/respond/2026-Q3/start")  # started, never submitted
    _close(app, "2026-Q3")
    open_test_cycle(app, "2026-Q4", days_ago=5)

    ceo = _client(app, "ceo@example.com").get("/").get_data(as_text=True)
    assert "Earlier quarters" in ceo and 'href="/respond/2026-Q3/results"' in ceo
    assert "Start 2026-Q4" in ceo  # this quarter's check-in is still offered first
    results = _client(app, "ceo@example.com").get("/respond/2026-Q3/results")
    assert results.status_code == 200

    hr = _client(app, "hr@example.com").get("/").get_data(as_text=True)
    assert "2026-Q3" in hr and "before you submitted; your partial answers were not scored" in hr
    legal = _client(app, "legal@example.com").get("/").get_data(as_text=True)
    assert "closed on" in legal and "without your answers" in legal
    assert "/respond/2026-Q3/results" not in legal


def test_a_closed_questionnaire_never_says_open_until(app):
    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "hr@example.com", role="hr")
    open_test_cycle(app, "2026-Q4", days_ago=5)
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q4")
    _close(app, "2026-Q4")
    # whoever submitted goes straight to their results, as while the cycle was open
    ceo = _client(app, "ceo@example.com").get("/respond/2026-Q4")
    assert ceo.status_code == 302 and ceo.location.endswith("/respond/2026-Q4/results")
    hr = _client(app, "hr@example.com").get("/respond/2026-Q4").get_data(as_text=True)
    assert "open until" not in hr and "2026-Q4 · closed" in hr
    assert "closed without your answers" in hr and "Start" not in hr.split("</h1>", 1)[1]


def test_results_show_the_change_per_topic_and_what_the_fact_report_said(app):
    import datetime as dt

    from assessment import actions
    from assessment.actions.actor import Actor
    from assessment.actions.facts import FactInput
    from tests.conftest import shipped_catalogue

    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "admin@example.com", permissions=("admin",))
    open_test_cycle(app, "2026-Q3", days_ago=100)
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q3")
    _close(app, "2026-Q3")
    open_test_cycle(app, "2026-Q4", days_ago=5)
    # answer every D1 question wrongly this time
    with app.app_context():
        pin = queries.get_cycle(db.session, "2026-Q4").pinned_for("ceo")
        q4 = shipped_catalogue().get(pin.questionnaire_id, pin.version)
    answers = complete_answers("ceo", q4)
    for item in q4.items:
        if item.type == "knowledge" and item.domain == "D1":
            answers[item.id] = next(c.id for c in item.choices if not c.correct and not c.dont_know)
    belief = next(i for i in q4.items if i.type == "belief" and i.fact == "mfa_remote_access")
    answers[belief.id] = "yes"
    submit_answers(app, "ceo@example.com", answers, "2026-Q4")
    with app.app_context():
        admin = queries.find_person_by_email(db.session, "admin@example.com")
        actions.facts.report_facts(
            Actor.of_account(admin.account),
            queries.get_cycle(db.session, "2026-Q4"),
            {"mfa_remote_access": FactInput(category="no")},
            as_of=dt.date.today(),
            evidence="Conditional-access export",
        )
        db.session.commit()
    html = _client(app, "ceo@example.com").get("/respond/2026-Q4/results").get_data(as_text=True)
    cards = html.split('<ul class="topics">', 1)[1].split("</ul>", 1)[0].split("</li>")[:-1]
    d1 = next(card for card in cards if "Governance" in card)
    assert "since 2026-Q3" in d1 and d1.count("<rect") == 3  # track, now, last time
    moved = int(d1.split('<span class="change">', 1)[1].split(" since", 1)[0])
    assert moved < 0  # every D1 question wrong this time
    assert "Forms rotate between quarters" in html
    card = html.split(belief.text.replace("'", "&#39;"), 1)[1].split("</li>", 1)[0]
    assert "No, remote access works with a password alone" in card
    assert "More optimistic than the fact report" in card
