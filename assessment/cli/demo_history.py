"""When the demo's history happened: every date a user sees lies inside its own quarter.

The demo writes through the actions, which stamp the present moment; a prospect would read
"2025-Q4 · submitted" today. Each quarter's rows are restamped afterwards on one plan (a
share of the quarter and an office hour fixed by a key, so every run gives the same dates):
the fact owners report in the last weeks, the executives submit a few days before the close,
the committee attests after the facts are in. The open quarter runs the same plan squeezed
into the days that have passed, never later than now. The audit log keeps the real moments:
it records what was done, and its entries are chained, so they are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import Cycle, FactAttestation, FactValue, Person, RegimeSetting, Response
from assessment.services.content.definitions import Fact

# Shares of the quarter at which things happen (0 = the first moment, 1 = the last).
FACTS_AS_OF = {"it_manager": 0.80, "cio": 0.81, "hr": 0.83, "legal": 0.85}
FACTS_ENTERED = 0.02  # after the as-of date, each owner enters within a day or two
SUBMITTED = (0.88, 0.97)  # executives submit between about 11 and 3 days before the close
ATTESTED = {"cio": 0.975, "hr": 0.985}
DRAFT_STARTED = 0.9

# Evidence as a fact owner would cite it ({day}: the as-of date, {quarter}: e.g. Q3 2026).
EVIDENCE = {
    "mfa_remote_access": "Conditional-access policy export, {day}",
    "mfa_privileged": "Privileged access review, {day}",
    "mfa_email": "Identity provider MFA enrolment report, {day}",
    "backup_restore_test": "Backup restore test log, {day}",
    "backup_immutable": "Backup architecture review, {day}",
    "patch_latency_critical": "Vulnerability scan summary, {day}",
    "asset_inventory_coverage": "Asset register reconciled with network discovery, {day}",
    "ir_plan": "Incident-response plan and approval minute, {day}",
    "exec_tabletop": "Tabletop exercise records, {quarter}",
    "phishing_report_rate": "Phishing simulation results, {quarter}",
    "exec_notification_latency": "Incident log extract, {quarter}",
    "security_budget_risk_linked": "Budget paper to the steering committee, {quarter}",
    "independent_test": "Audit and penetration test register, {day}",
    "edr_coverage": "EDR console coverage export, {day}",
    "ir_retainers": "Retainer agreements on file, {day}",
    "isolation_authority": "Delegation of authority register, {day}",
    "exec_training_completion": "Learning system completion report, executives, {quarter}",
    "training_completion": "Learning system completion report, {quarter}",
    "leaver_revocation": "HR system leaver report {quarter}, matched to directory changes",
    "byod_policy": "Policy register: BYOD acknowledgements, {day}",
    "vendor_breach_terms": "Contract register review of critical vendors, {day}",
    "critical_vendor_list": "Critical-vendor list, reviewed {day}",
    "regulatory_register": "Regulatory register, reviewed {day}",
    "breach_notification_playbook": "Breach-notification playbook, version of {day}",
    "cyber_insurance": "Cyber policy schedule and broker review, {day}",
    "issc_meetings": "Steering committee minutes, {quarter}",
}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Window:
    """The span a quarter's events fall in: the whole quarter, or up to now while it runs."""

    start: dt.datetime
    end: dt.datetime

    def at(self, share: float, *key: str) -> dt.datetime:
        """The moment ``share`` of the way through, on that day's office hours (09:00 to
        17:00, the minute fixed by ``key``); never outside the window."""
        days = (self.end - self.start).days
        day = workday(self.start.date() + dt.timedelta(days=int(share * days)))
        start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        return self.clamp(start + dt.timedelta(minutes=int(_stable(*key) * 8 * 60)))

    def clamp(self, moment: dt.datetime) -> dt.datetime:
        return max(self.start, min(self.end, moment))


def workday(day: dt.date) -> dt.date:
    """The day itself, or the Friday before a weekend day."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


def window(opens: dt.date, closes: dt.date, now: dt.datetime) -> Window:
    """The quarter from its first to its last moment (UTC), cut off at ``now``."""
    start = dt.datetime.combine(opens, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return Window(start, min(end - dt.timedelta(minutes=1), now))


def as_of(span: Window, owner: str) -> dt.date:
    """The date an owner's facts describe: in the quarter's last weeks, never after today."""
    return span.at(FACTS_AS_OF.get(owner, 0.8), "as-of", owner).date()


def evidence(fact: Fact, day: dt.date, cycle_id: str) -> str:
    """A reference such as "Vulnerability scan summary, 28 Sep 2026"."""
    year, quarter = cycle_id.split("-", 1) if "-" in cycle_id else (cycle_id, "")
    template = EVIDENCE.get(fact.id, fact.title + ": owner's records, {day}")
    return template.format(
        day=f"{day.day} {MONTHS[day.month - 1]} {day.year}", quarter=f"{quarter} {year}".strip()
    )


def restamp_facts(span: Window, values: Iterable[FactValue], owner_of: dict[str, str]) -> None:
    """Each value entered a day or so after the date it describes, in the owner's hours."""
    for value in values:
        owner = owner_of.get(value.fact_id, "")
        share = FACTS_AS_OF.get(owner, 0.8) + FACTS_ENTERED * (1 + _stable(value.fact_id))
        entered = span.at(share, "entered", value.cycle_id, value.fact_id)
        day_of_fact = dt.datetime.combine(value.as_of, dt.time(), tzinfo=dt.UTC)
        value.entered_at = span.clamp(max(entered, day_of_fact))


def restamp_attestation(
    span: Window, attestation: FactAttestation, role: str, after: dt.datetime | None
) -> dt.datetime:
    """Attested near the close, and at least two hours ``after`` the attestation before."""
    moment = span.at(ATTESTED.get(role, 0.98), "attested", role)
    if after is not None:
        moment = span.clamp(max(moment, after + dt.timedelta(hours=2)))
    attestation.attested_at = moment
    return moment


def restamp_response(span: Window, response: Response, role: str) -> None:
    """Submitted a few days before the close, after 15 to 45 minutes of answering (the
    answers saved one after another); a draft was started near the end and left half done."""
    low, high = SUBMITTED
    key = (response.cycle_id, role)
    if response.submitted_at is not None:
        finished = span.at(low + (high - low) * _stable("submitted", *key), "submitted", *key)
        response.submitted_at = finished
    else:
        finished = span.at(DRAFT_STARTED, "draft", *key) + dt.timedelta(minutes=20)
    took = dt.timedelta(minutes=15 + int(30 * _stable("minutes", *key)))
    started = span.clamp(finished - took)
    finished = span.clamp(finished)
    response.started_at = started
    db.session.refresh(response, ["answers"])
    answers = sorted(response.answers, key=lambda a: a.id)
    for k, answer in enumerate(answers, start=1):
        answer.updated_at = started + (finished - started) * k / (len(answers) + 1)


def restamp_setup(people: Iterable[Person], first_opens: dt.date) -> None:
    """The people, their accounts and the regimes were set up two weeks before the first
    quarter opened."""
    before = dt.datetime.combine(first_opens - dt.timedelta(days=14), dt.time(10), tzinfo=dt.UTC)
    for person in people:
        person.created_at = before
        if person.account is not None:
            person.account.created_at = before
    for setting in db.session.scalars(select(RegimeSetting)):
        setting.changed_at = before + dt.timedelta(days=4)


def restamp_close(cycle: Cycle, now: dt.datetime) -> None:
    """A past quarter was drafted a week before it opened, closed the morning after its last
    day, and (when frozen) frozen two weeks later. What counted as completed training at the
    close is what had been recorded by then, as the close would have kept it."""
    cycle.created_at = dt.datetime.combine(
        cycle.opens - dt.timedelta(days=7), dt.time(10), tzinfo=dt.UTC
    )
    if cycle.closed_at is None:
        return
    closed = dt.datetime.combine(cycle.closes + dt.timedelta(days=1), dt.time(8, 30), tzinfo=dt.UTC)
    closed = min(closed, now)  # on the first morning of the next quarter: just now
    cycle.closed_at = closed
    cycle.training_at_close = [
        [email, module, start.isoformat()]
        for email, module, start in queries.completed_modules(db.session, closed)
    ]
    snapshot = queries.latest_snapshot(db.session, cycle.id)
    if snapshot is not None:
        snapshot.created_at = min(closed + dt.timedelta(days=14, hours=1), now)


def _stable(*key: str) -> float:
    """A number in [0, 1) fixed by the key."""
    digest = hashlib.sha256("/".join(key).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
