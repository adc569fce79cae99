"""Home cards about fact reports: the facts an owner still owes, and the reports that wait
for a second attester's check or the committee's attestation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactAttestation, FactValue
from assessment.reports.home.cards import Card, Line, Link, Viewer, count, due_at_close
from assessment.services.content.definitions import Fact
from assessment.services.facts.report_rows import OWNER_LABELS

Reported = Mapping[str, Mapping[str, FactValue]]  # cycle id → fact id → newest value


def fact_owner_cards(
    owned: Iterable[str], live: Sequence[Cycle], reported: Reported, today: dt.date
) -> list[Card]:
    """Per open (or closed, not yet frozen) cycle, the owner's facts not reported in it; when
    none is owed, one card saying so for the newest such cycle."""
    mine = set(owned)
    facts = [f for f in catalogue().facts.values() if f.id in mine and not f.retired]
    cards = []
    for cycle in live:
        owed = [f for f in facts if f.id not in reported[cycle.id]]
        if owed:
            cards.append(_owed_card(cycle, owed, len(facts), today))
    if cards or not facts or not live:
        return cards
    newest = live[0]
    return [
        Card(
            "facts",
            f"Your facts for {newest.id}",
            (
                f"Your fact for {newest.id} is reported. You can still correct it"
                if len(facts) == 1
                else f"All {len(facts)} of your facts for {newest.id} are reported. You can "
                "still correct them"
            )
            + " until the cycle is frozen.",
            primary=_report(newest),
            needs_action=False,
        )
    ]


def _owed_card(cycle: Cycle, owed: Sequence[Fact], total: int, today: dt.date) -> Card:
    before = queries.previous_fact_values(db.session, cycle)
    due, overdue = due_at_close(cycle, today)
    return Card(
        "facts",
        f"Facts to report for {cycle.id}",
        f"{count(len(owed), 'of your facts is', 'of your facts are')} not reported yet "
        f"({total} in all).",
        tuple(
            Line(f.title, _enter(cycle, f), "confirm or change last quarter's value")
            if f.id in before
            else Line(f.title, _enter(cycle, f))
            for f in owed
        ),
        primary=_enter(cycle, owed[0], f"Report “{owed[0].title}”"),
        secondary=(_report(cycle),),
        deadline=cycle.closes,
        due=due,
        overdue=overdue,
    )


def _enter(cycle: Cycle, fact: Fact, label: str = "") -> Link:
    return Link(label or fact.title, "facts.enter", {"cycle_id": cycle.id, "fact_id": fact.id})


def _report(cycle: Cycle, label: str = "") -> Link:
    return Link(label or f"The {cycle.id} fact report", "facts.report", {"cycle_id": cycle.id})


def fact_report_cards(
    viewer: Viewer, live: Sequence[Cycle], reported: Reported, today: dt.date
) -> list[Card]:
    """Fact reports that wait for the viewer: the committee's attestation, and the second
    check of the facts whose attester is the viewer's role (owners who measure their own
    work)."""
    member = viewer.may("committee")
    checks = [f for f in catalogue().facts.values() if viewer.role and f.attester == viewer.role]
    if not member and not (checks and viewer.may("admin", "fact_owner")):
        return []  # neither attests nor may open the fact report
    cards = []
    for cycle in live:
        current = reported[cycle.id]
        if not current:
            continue  # nothing to attest or check yet
        signed = queries.attestations(db.session, cycle.id)
        pending = [f for f in checks if f.id in current and not checked(f, current, signed)]
        waiting = committee_waits(current, signed[-1] if signed else None) if member else ""
        if pending or waiting:
            cards.append(_report_card(cycle, current, pending, waiting, member, today))
    return cards


def _report_card(
    cycle: Cycle,
    current: Mapping[str, FactValue],
    pending: Sequence[Fact],
    waiting: str,
    member: bool,
    today: dt.date,
) -> Card:
    lines = [
        Line(
            f"Awaiting your check: {f.title}",
            note=f"reported by {OWNER_LABELS.get(f.owner, f.owner)}",
        )
        for f in pending
    ]
    if pending and not member:
        lines.append(
            Line(
                "You check these by attesting the report, which needs the committee "
                "permission: ask an administrator."
            )
        )
    facts = catalogue().facts.values()
    if unreported := [f for f in facts if f.id not in current and not f.retired]:
        lines.append(Line(f"{count(len(unreported), 'fact', 'facts')} not reported yet."))
    due, overdue = due_at_close(cycle, today)
    return Card(
        "fact_report",
        f"Fact report {cycle.id} to {'attest' if waiting else 'check'}",
        waiting or f"{count(len(pending), 'fact waits', 'facts wait')} for your check.",
        tuple(lines),
        primary=_report(
            cycle, f"{'Review and attest' if member else 'Review'} the {cycle.id} fact report"
        ),
        deadline=cycle.closes,
        due=due,
        overdue=overdue,
    )


def checked(
    fact: Fact, current: Mapping[str, FactValue], signed: Sequence[FactAttestation]
) -> bool:
    """The fact report's rule (services.facts.report_rows.second_check): a value is checked
    once a person of the attester role attested the report after it was entered."""
    row = current[fact.id]
    return any(a.attested_by.role == fact.attester and a.last_value_id >= row.id for a in signed)


def committee_waits(current: Mapping[str, FactValue], latest: FactAttestation | None) -> str:
    """Why the committee's attestation is due ("" when the report is attested as it stands)."""
    if latest is None:
        return "The committee has not attested this report yet."
    changed = sum(1 for row in current.values() if row.id > latest.last_value_id)
    if not changed:
        return ""
    return (
        f"{count(changed, 'fact has', 'facts have')} changed since the committee attested "
        f"it on {latest.attested_at:%Y-%m-%d}."
    )
