"""The demo organisation: five executives over five quarters, with a story in the numbers.

- The CEO is sure that backups are restore-tested until the tabletop exercise of the third
  quarter shows otherwise; from then on the belief matches the fact report.
- Legal does not know the company's vendor breach-notification terms until the contracts
  training, after which the knowledge question is answered right.
- The CIO starts out optimistic about most controls; as reporting improves (more risks reach
  leadership before they become incidents) the CIO's beliefs come into line with the facts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from . import audit, queries
from .catalogue import catalogue
from .cycle_scores import freeze
from .extensions import db
from .models import Person, TrainingSession
from .passwords import generate_password, hash_password
from .services.definitions import Fact, Questionnaire
from .services.gaps import fact_category

LOGINS_FILE = "first-login.txt"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str | None
    permissions: tuple[str, ...]
    skill: float  # starting share of keyed answers


PEOPLE = (
    DemoPerson("admin@example.com", "Alex Morgan (administrator)", None, ("admin",), 0),
    DemoPerson("ceo@example.com", "Catherine Ng", "ceo", ("committee",), 0.45),
    DemoPerson("cio@example.com", "Marcus Webb", "cio", ("committee",), 0.55),
    DemoPerson("it@example.com", "Priya Raman", "it_manager", ("fact_owner",), 0.7),
    DemoPerson("hr@example.com", "Daniel Okafor", "hr", ("fact_owner",), 0.5),
    DemoPerson("legal@example.com", "Sofia Marin", "legal", ("fact_owner", "committee"), 0.6),
    DemoPerson("training@example.com", "Hannah Cole (HR training)", None, ("hr_coordinator",), 0),
)


def quarters(today: dt.date, count: int) -> list[tuple[str, dt.date, dt.date]]:
    """The ``count`` quarters up to and including today's, oldest first."""
    found = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
        found.append((f"{year}-Q{quarter}", start, end))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return found[::-1]


def seed_demo(today: dt.date | None = None) -> list[tuple[str, str]]:
    """Create the demo organisation unless it exists; returns new (e-mail, password) log-ins."""
    if queries.find_person_by_email(db.session, "ceo@example.com") is not None:
        return []
    today = today or dt.date.today()
    rng = random.Random(20261127)
    logins = []
    people: dict[str, Person] = {}
    for demo in PEOPLE:
        password = generate_password()
        people[demo.email] = queries.create_person_with_account(
            db.session,
            email=demo.email,
            name=demo.name,
            role=demo.role,
            permissions=demo.permissions,
            password_hash=hash_password(password),
        )
        logins.append((demo.email, password))
        audit.record("account_created", demo.email, actor="system", demo=True)
    periods = quarters(today, 5)
    for index, (cycle_id, opens, closes) in enumerate(periods):
        _seed_quarter(index, cycle_id, opens, closes, people, rng, last=index == len(periods) - 1)
    _seed_training(periods, people)
    db.session.flush()
    return logins


def _facts_for(index: int) -> dict[str, object]:
    """Fact values quarter by quarter: backups untested at first, reporting improving."""
    return {
        "mfa_remote_access": "partly" if index < 3 else "yes",
        "mfa_privileged": "yes",
        "mfa_email": [72, 85, 93, 98, 100][index],
        "backup_restore_test": "over_12m" if index < 3 else "within_quarter",
        "backup_immutable": "no" if index < 2 else "partly",
        "patch_latency_critical": [41, 33, 24, 16, 12][index],
        "asset_inventory_coverage": [64, 71, 80, 88, 93][index],
        "ir_plan": "partly" if index < 2 else "yes",
        "exec_tabletop": "over_12m" if index < 2 else "within_6m",
        "phishing_report_rate": [14, 22, 31, 44, 52][index],
        "risks_escalated_early": [15, 20, 40, 60, 78][index],
        "security_budget_share": [4, 4, 6, 7, 8][index],
        "training_completion": [70, 78, 86, 93, 96][index],
        "leaver_revocation": [82, 88, 95, 97, 100][index],
        "byod_policy": "partly" if index < 3 else "yes",
        "vendor_breach_terms": [30, 38, 55, 72, 88][index],
        "critical_vendor_list": "partly" if index < 2 else "yes",
        "regulatory_register": "yes",
        "breach_notification_playbook": "no" if index < 1 else "partly" if index < 3 else "yes",
        "cyber_insurance": "partly",
        "issc_meetings": [1, 2, 3, 4, 4][index],
    }


def _seed_quarter(
    index: int,
    cycle_id: str,
    opens: dt.date,
    closes: dt.date,
    people: dict[str, Person],
    rng: random.Random,
    last: bool,
) -> None:
    cycle = queries.create_cycle(db.session, cycle_id, opens, closes)
    queries.open_cycle(
        db.session,
        cycle,
        {
            role: (q.id, q.version)
            for role in ("ceo", "cio", "it_manager", "hr", "legal")
            if (q := catalogue().current(role)) is not None
        },
    )
    facts = catalogue().facts
    values = _facts_for(index)
    categories = {}
    for fact_id, value in values.items():
        fact = facts[fact_id]
        category = value if isinstance(value, str) else fact_category(fact, float(str(value)))
        assert category is not None
        categories[fact_id] = category
        owner = next(p for p in people.values() if p.role == fact.owner)
        queries.add_fact_value(
            db.session,
            cycle_id,
            fact_id,
            value=value,
            category=category,
            as_of=closes if not last else opens + dt.timedelta(days=40),
            evidence=_evidence(fact, cycle_id),
            note="",
            reason="",
            person=owner,
        )
    if not last:
        queries.attest_facts(db.session, cycle_id, people["cio@example.com"])
    for demo in PEOPLE:
        if demo.role is None or (last and demo.role == "hr"):
            continue  # in the open quarter HR has not started yet
        person = people[demo.email]
        questionnaire = catalogue().current(demo.role)
        assert questionnaire is not None
        skill = min(0.95, demo.skill + 0.08 * index)
        answers = _answers(questionnaire, skill, categories, facts, rng, demo.role, index)
        response = queries.start_response(db.session, person, cycle)
        if last and demo.role == "cio":  # still answering in the open quarter
            keep = list(answers)[: len(answers) // 2]
            queries.save_answers(db.session, response, {k: answers[k] for k in keep})
            response.last_page = 4
            continue
        queries.save_answers(db.session, response, answers)
        queries.submit_response(db.session, response, "1")
    if not last:
        cycle.status = "closed"
        db.session.flush()
        if index < 3:
            freeze(cycle, people["admin@example.com"])


def _answers(
    questionnaire: Questionnaire,
    skill: float,
    actual: dict[str, str],
    facts: dict[str, Fact],
    rng: random.Random,
    role: str,
    index: int,
) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in questionnaire.items:
        if item.type == "knowledge":
            wrong = [c.id for c in item.choices if not c.correct and not c.dont_know]
            roll = rng.random()
            answers[item.id] = (
                item.correct_choice
                if roll < skill
                else "dk"
                if roll < skill + 0.15
                else rng.choice(wrong)
            )
        elif item.type == "likert":
            good = 5 if not item.reverse else 1
            step = 0 if rng.random() < skill else rng.choice((1, 2, 3))
            answers[item.id] = good - step if good == 5 else good + step
        elif item.type == "confidence":
            answers[item.id] = 4 if role in ("ceo", "cio") else 3
        elif item.type == "foil":
            answers[item.id] = "heard" if role == "ceo" and index == 0 else "no"
        elif item.type == "comment":
            answers[item.id] = ""
        elif item.type == "belief" and item.fact:
            answers[item.id] = _belief(facts[item.fact], actual[item.fact], skill, rng, role, index)
    if role == "legal":  # the story: vendor notice terms unknown until the contracts training
        answers["legal.d7.vendor_notice_clause"] = (
            "dk"
            if index < 2
            else questionnaire.item("legal.d7.vendor_notice_clause").correct_choice
        )
    if role == "ceo":
        answers["ceo.d6.belief_backup_restore_test"] = (
            "within_quarter" if index < 2 else actual["backup_restore_test"]
        )
    return {k: v for k, v in answers.items() if v != ""}


def _belief(
    fact: Fact, actual: str, skill: float, rng: random.Random, role: str, index: int
) -> str:
    ids = list(fact.category_ids)
    better = ids[min(len(ids) - 1, ids.index(actual) + 1)]
    if role == "cio" and index < 3 and rng.random() < 0.7 - 0.2 * index:
        return better  # the CIO's early optimism
    roll = rng.random()
    if roll < skill:
        return actual
    return "dk" if roll < skill + 0.2 else better


def _evidence(fact: Fact, cycle_id: str) -> str:
    return f"{fact.title} report {cycle_id}"


def _seed_training(periods: list[tuple[str, dt.date, dt.date]], people: dict[str, Person]) -> None:
    """Past sessions with attendance, and one upcoming session."""
    plan = [
        ("vendor-contract-clauses", 1, ("legal@example.com", "cio@example.com"), True),
        ("ir-exec-tabletop", 2, ("ceo@example.com", "cio@example.com", "legal@example.com"), True),
        ("tech-backup-ransomware", 3, ("ceo@example.com", "it@example.com"), True),
        ("personal-bec-phishing", 4, ("ceo@example.com", "hr@example.com"), False),
    ]
    for k, (module, period, emails, past) in enumerate(plan):
        _, opens, closes = periods[period]
        day = opens + dt.timedelta(days=45) if past else dt.date.today() + dt.timedelta(days=21)
        session = queries.add_session(
            db.session,
            uid=f"demo-{k}@assessment",
            module_id=module,
            starts_at=dt.datetime.combine(day, dt.time(9, 0), tzinfo=dt.UTC)
            if past
            else dt.datetime.combine(day, dt.time(14, 0), tzinfo=dt.UTC),
            timezone="Europe/Berlin",
            duration_minutes=90,
            location="Board room, 4th floor",
            capacity=8,
            facilitator="External facilitator",
        )
        _attend(session, [people[e] for e in emails], completed=past)


def _attend(session: TrainingSession, people: list[Person], completed: bool) -> None:
    queries.assign(db.session, session, people)
    for attendee in session.attendees:
        attendee.invited_at = session.created_at
        attendee.attended = True if completed else None
        attendee.completed = completed


def write_logins(logins: list[tuple[str, str]]) -> Path:
    """Keep the generated log-ins in instance/ (mode 600) so `make run` can show them again."""
    path = Path(current_app.instance_path) / LOGINS_FILE
    with path.open("a") as handle:
        for email, password in logins:
            handle.write(f"{email}  {password}\n")
    path.chmod(0o600)
    return path
