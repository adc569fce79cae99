"""The demo organisation: five executives over five quarters, with a story in the numbers.

- The CEO is sure that backups are restore-tested until the tabletop exercise of the third
  quarter shows otherwise; from then on the belief matches the fact report.
- Legal does not know the company's vendor breach-notification terms until the contracts
  training, after which the knowledge question on them (either form's) is answered right.
- The CIO starts out optimistic about most controls; as reporting improves (more risks reach
  leadership before they become incidents) the CIO's beliefs come into line with the facts.
- The company is a US healthcare provider listed on a US exchange: HIPAA, the SEC's disclosure
  rules and the state breach laws apply, GDPR and the rest do not, so no one is asked about
  them. Each quarter answers the next form of every questionnaire (a, b, a, b, a).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from flask import current_app

from assessment import actions, queries, tenancy
from assessment.actions import SYSTEM, Actor
from assessment.actions.cycles import Transition
from assessment.actions.facts import FactInput
from assessment.catalogue import catalogue
from assessment.cli import demo_history as history
from assessment.cli.synthetic_organisations import synthesise_organisations
from assessment.extensions import db
from assessment.models import Cycle, Person, TrainingSession
from assessment.queries.organisations import DEFAULT_NAME
from assessment.services.content.definitions import Fact, Questionnaire
from assessment.services.security.passwords import generate_password

DEMO_REGIMES = ("hipaa", "sec", "us_state_breach")
# Legal's two parallel items on vendor breach-notice terms (forms a and b): the story follows
# the objective, whichever form the quarter pins.
# What people wrote to the committee: the CIO's and IT manager's early warnings, answered
# quarter by quarter (index 2 stands for every later quarter).
DEMO_COMMENTS = {
    ("cio", 0): "We have never test-restored the order system from backup. I would like a "
    "decision on funding an isolated backup copy before the next quarter.",
    ("cio", 1): "The restore test is scheduled for next month; the isolated copy is still "
    "unfunded.",
    ("cio", 2): "Restore tested within its recovery time. Next: multi-factor sign-in for the "
    "last two vendor accounts.",
    ("it_manager", 0): "Two of us know how to rebuild the backup server. If either leaves, we "
    "cannot restore in time.",
    ("legal", 1): "Several vendor contracts have no breach-notice deadline; I am adding one "
    "at each renewal.",
}
VENDOR_NOTICE_ITEMS = ("legal.d7.vendor_notice_clause", "legal.d7.notice_clause_weakness")


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str | None
    permissions: tuple[str, ...]
    skill: float  # starting share of keyed answers
    guide: str  # who this is and what to look at first, printed beside the log-in


PEOPLE = (
    DemoPerson(
        "admin@example.com",
        "Alex Morgan (administrator)",
        None,
        ("admin",),
        0,
        "Administrator: Cycles (the open quarter, invitations), then People",
    ),
    DemoPerson(
        "ceo@example.com",
        "Catherine Ng",
        "ceo",
        ("committee",),
        0.45,
        "CEO, on the committee: Committee view (What to act on), then your results",
    ),
    DemoPerson(
        "cio@example.com",
        "Marcus Webb",
        "cio",
        ("committee", "fact_owner"),
        0.55,
        "CIO, on the committee: finish your half-done check-in, then Gap reports",
    ),
    DemoPerson(
        "it@example.com",
        "Priya Raman",
        "it_manager",
        ("fact_owner",),
        0.7,
        "IT manager, fact owner: this quarter's Fact report, then your results",
    ),
    DemoPerson(
        "hr@example.com",
        "Daniel Okafor",
        "hr",
        ("fact_owner", "committee"),
        0.5,
        "HR executive, fact owner, committee: check IT's facts (Fact reports)",
    ),
    DemoPerson(
        "legal@example.com",
        "Sofia Marin",
        "legal",
        ("fact_owner", "committee"),
        0.6,
        "Legal executive, fact owner, committee: your results, quarter by quarter",
    ),
    DemoPerson(
        "training@example.com",
        "Hannah Cole (HR training)",
        None,
        ("hr_coordinator",),
        0,
        "HR coordinator: the Training planner (needs, sessions to schedule)",
    ),
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


DEMO_NAME = "Northwind Health (demo)"


def _name_the_organisation() -> None:
    """The demo company gets a name, an industry and a size (for peer benchmarks), unless an
    administrator named the organisation already."""
    organisation = queries.get_organisation(
        db.session, tenancy.organisation_parameter(db.session())
    )
    if organisation is not None and organisation.name == DEFAULT_NAME:
        organisation.name = str(current_app.config.get("ORGANISATION_NAME") or DEMO_NAME)
        organisation.industry = organisation.industry or "healthcare"
        organisation.size = organisation.size or "250-999"


def seed_demo(today: dt.date | None = None) -> list[tuple[str, str]]:
    """Create the demo organisation unless it exists; returns new (e-mail, password) log-ins."""
    if queries.find_person_by_email(db.session, "ceo@example.com") is not None:
        return []
    _name_the_organisation()
    today = today or dt.date.today()
    end_of_today = dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC)
    now = min(dt.datetime.now(dt.UTC), end_of_today)
    rng = random.Random(20261127)
    logins = []
    people: dict[str, Person] = {}
    for demo in PEOPLE:
        created = actions.accounts.create_person(
            SYSTEM,
            email=demo.email,
            name=demo.name,
            role=demo.role,
            permissions=demo.permissions,
            password=generate_password(),
        )
        people[demo.email] = created.person
        logins.append((demo.email, created.password))
    actions.regimes.set_applicable(_actor(people["admin@example.com"]), DEMO_REGIMES)
    periods = quarters(today, 5)
    history.restamp_setup(people.values(), periods[0][1])
    cycles = []
    for index, (cycle_id, opens, closes) in enumerate(periods):
        span = history.window(opens, closes, now)
        last = index == len(periods) - 1
        cycles.append(_seed_quarter(index, cycle_id, span, opens, closes, people, rng, last))
    _seed_training(periods, people, history.window(*periods[-1][1:], now))
    for cycle in cycles:
        history.restamp_close(cycle, now)
    db.session.flush()
    _seed_peers()
    return logins


# Anonymous peers that closed the same quarters, so that the committee view and the pack show
# "How you compare with peers" for a closed quarter (the minimum of five is met).
DEMO_PEERS = 6


def _seed_peers() -> None:
    organisation_id = tenancy.organisation_parameter(db.session())
    added = synthesise_organisations(DEMO_PEERS, cycles=4, seed=20261207)
    with tenancy.across_organisations():
        for slug in added.slugs:
            peer = queries.find_organisation(db.session, slug)
            if peer is not None:
                peer.benchmark_opt_in = True
    demo = queries.get_organisation(db.session, organisation_id)
    if demo is not None:
        demo.benchmark_opt_in = True
    db.session.flush()


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
        "exec_notification_latency": [52, 30, 11, 6, 3][index],  # hours, from the incident log
        "security_budget_risk_linked": "no" if index < 1 else "partly" if index < 3 else "yes",
        "independent_test": ["never", "over_12m", "m6_12", "within_6m", "within_6m"][index],
        "edr_coverage": [68, 77, 88, 95, 100][index],
        "ir_retainers": "no" if index < 1 else "partly" if index < 3 else "yes",
        "isolation_authority": "no" if index < 2 else "yes",
        "exec_training_completion": [40, 40, 60, 80, 100][index],
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
    span: history.Window,
    opens: dt.date,
    closes: dt.date,
    people: dict[str, Person],
    rng: random.Random,
    last: bool,
) -> Cycle:
    admin = _actor(people["admin@example.com"])
    cycle = actions.cycles.create_cycle(admin, cycle_id, opens, closes)
    actions.cycles.change_status(admin, cycle, Transition.OPEN)
    facts = catalogue().facts
    values = _facts_for(index)
    for fact_id, value in values.items():
        fact = facts[fact_id]
        owner = next(p for p in people.values() if p.role == fact.owner)
        given = (
            FactInput(category=value) if isinstance(value, str) else FactInput(number=str(value))
        )
        day = history.as_of(span, fact.owner)
        actions.facts.report_facts(
            _actor(owner),
            cycle,
            {fact_id: given},
            as_of=day,
            evidence=history.evidence(fact, day, cycle_id),
        )
    owner_of = {fact_id: facts[fact_id].owner for fact_id in values}
    reported = queries.current_fact_values(db.session, cycle_id).values()
    history.restamp_facts(span, reported, owner_of)
    categories = queries.fact_categories(db.session, cycle_id)
    if not last:
        attested = None
        for role in ("cio", "hr"):  # HR is the second attester of what IT measures about itself
            attester = next(p for p in people.values() if p.role == role)
            attestation = actions.facts.attest(_actor(attester), cycle)
            attested = history.restamp_attestation(span, attestation, role, attested)
    for demo in PEOPLE:
        if demo.role is None or (last and demo.role == "hr"):
            continue  # in the open quarter HR has not started yet
        person = people[demo.email]
        pin = cycle.pinned_for(demo.role)
        assert pin is not None
        questionnaire = catalogue().get(pin.questionnaire_id, pin.version)
        skill = min(0.95, demo.skill + 0.05 * index)
        answers = _answers(questionnaire, skill, categories, facts, rng, demo.role, index)
        if last and demo.role == "cio":  # still answering in the open quarter
            response = actions.responses.start(person, cycle)
            keep = list(answers)[: len(answers) // 2]
            actions.responses.save_answers(response.id, {k: answers[k] for k in keep}, {})
            actions.responses.remember_page(response.id, 4)
            history.restamp_response(span, response, demo.role)
            continue
        submitted = actions.responses.submit(_actor(person), cycle, person, answers=answers)
        history.restamp_response(span, submitted.response, demo.role)
    if not last:
        actions.cycles.change_status(admin, cycle, Transition.CLOSE)
        if index < 3:
            actions.cycles.change_status(admin, cycle, Transition.FREEZE)
    return cycle


def _actor(person: Person) -> Actor:
    assert person.account is not None
    return Actor.of_account(person.account)


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
            roll = _stable(role, item.id)
            answers[item.id] = (
                item.correct_choice
                if roll < skill
                else "dk"
                if roll < skill + 0.15
                else wrong[int(_stable(role, item.id, "wrong") * len(wrong))]
            )
        elif item.type == "likert":
            good = 5 if not item.reverse else 1
            step = 0 if _stable(role, item.id) < skill else 1 + int(_stable(role, item.id, "s") * 3)
            answers[item.id] = good - step if good == 5 else good + step
        elif item.type == "confidence":  # the three-point tap: 1, 3 or 5
            answers[item.id] = 5 if role in ("ceo", "cio") else 3
        elif item.type == "foil":
            answers[item.id] = "heard" if role == "ceo" and index == 0 else "no"
        elif item.type == "comment":
            answers[item.id] = DEMO_COMMENTS.get((role, min(index, 2)), "")
        elif item.type == "pulse":
            answers[item.id] = _pulse(item.reverse, role, index)
        elif item.type == "belief" and item.fact:
            answers[item.id] = _belief(facts[item.fact], actual[item.fact], skill, rng, role, index)
    for story_item in VENDOR_NOTICE_ITEMS:
        if role == "legal" and story_item in answers:
            # the story: vendor notice terms unknown until the contracts training
            answers[story_item] = (
                "dk" if index < 2 else questionnaire.item(story_item).correct_choice
            )
    if role == "ceo" and "ceo.d6.belief_backup_restore_test" in answers:
        answers["ceo.d6.belief_backup_restore_test"] = (
            "within_quarter" if index < 2 else actual["backup_restore_test"]
        )
    return {k: v for k, v in answers.items() if v != ""}


def _stable(*key: str) -> float:
    """A number in [0, 1) fixed by the key: a person's grasp of a question stays the same from
    quarter to quarter, so as their skill grows answers only turn right, as people learn."""
    digest = hashlib.sha256("/".join(key).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pulse(reverse: bool, role: str, index: int) -> int:
    """The climate pulse warms over the year: IT people feel it last."""
    warmth = 1 + min(index, 2) + (role not in ("cio", "it_manager"))
    value = max(1, min(5, warmth))
    return 6 - value if reverse else value


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


def _seed_training(
    periods: list[tuple[str, dt.date, dt.date]],
    people: dict[str, Person],
    open_quarter: history.Window,
) -> None:
    """Past training sessions with attendance, and one upcoming session.

    This is history from before the app was in use, so it is written as it stood (dates in
    the past, invitations already sent) rather than through the actions, which would mail
    invitations today. Each session was planned four weeks ahead (the upcoming one earlier
    in the open quarter) and its invitations went out the same day."""
    plan = [
        ("vendor-contract-clauses", 1, ("legal@example.com", "cio@example.com"), True),
        ("ir-exec-tabletop", 2, ("ceo@example.com", "cio@example.com", "legal@example.com"), True),
        ("tech-backup-ransomware", 3, ("ceo@example.com", "it@example.com"), True),
        ("personal-bec-phishing", 4, ("ceo@example.com", "hr@example.com"), False),
    ]
    for k, (module, period, emails, past) in enumerate(plan):
        _, opens, _ = periods[period]
        if past:
            day = history.workday(opens + dt.timedelta(days=45))
            starts = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
            planned = starts - dt.timedelta(days=28) + dt.timedelta(hours=1)
        else:  # three weeks from today, planned earlier this quarter
            day = history.workday(open_quarter.end.date() + dt.timedelta(days=21))
            starts = dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC)
            planned = open_quarter.at(0.75, "planned", module)
        training = queries.add_training_session(
            db.session,
            uid=f"demo-{k}@assessment",
            module_id=module,
            starts_at=starts,
            timezone="Europe/Berlin",
            duration_minutes=90,
            location="Board room, 4th floor",
            capacity=8,
            facilitator="External facilitator",
        )
        training.created_at = planned
        invited = min(planned + dt.timedelta(minutes=20), open_quarter.end)
        _attend(training, [people[e] for e in emails], invited, completed=past)


def _attend(
    training: TrainingSession, people: list[Person], invited: dt.datetime, completed: bool
) -> None:
    queries.assign_attendees(db.session, training, people)
    db.session.refresh(training, ["attendees"])
    for attendee in training.attendees:
        attendee.invited_at = invited
        attendee.attended = True if completed else None
        attendee.completed = completed
        # recorded the next working day, as an HR coordinator would have
        later = 3 if training.starts_at.weekday() == 4 else 1
        attendee.marked_at = training.starts_at + dt.timedelta(days=later) if completed else None
