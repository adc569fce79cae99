"""Home cards for administrators: every cycle not yet frozen with its next step, and a
quarter without a cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from assessment import queries
from assessment.extensions import db
from assessment.models import Cycle, FactValue, Person
from assessment.reports.home.cards import Card, Line, Link, count, names
from assessment.reports.home.fact_work import Reported, committee_waits
from assessment.services.lifecycle import CycleStatus

# Every invitation and reminder names its cycle so in its subject (actions.invitations):
# such a message that failed to send is an invitation that bounced.
INVITATION_SUBJECT = "{cycle} security leadership check-in"


def cycle_cards(cycles: Sequence[Cycle], reported: Reported, today: dt.date) -> list[Card]:
    """Each draft, open or closed cycle with what to do next; a card for this quarter when
    no cycle covers today."""
    cards = []
    for cycle in cycles:
        if cycle.status == CycleStatus.DRAFT:
            cards.append(_draft_card(cycle, today))
        elif cycle.status == CycleStatus.OPEN:
            cards.append(_open_card(cycle, today))
        elif cycle.status == CycleStatus.CLOSED:
            cards.append(_closed_card(cycle, reported[cycle.id]))
    if not any(
        c.status in (CycleStatus.DRAFT, CycleStatus.OPEN) and c.opens <= today <= c.closes
        for c in cycles
    ):
        quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        cards.append(
            Card(
                "cycle",
                f"No cycle is open for {quarter}",
                "No cycle takes answers today. Create this quarter's cycle, then open it.",
                primary=Link("Create a cycle", "admin.cycles"),
            )
        )
    return cards


def _cycle_link(cycle: Cycle, label: str = "") -> Link:
    return Link(label or f"See cycle {cycle.id}", "admin.cycle", {"cycle_id": cycle.id})


def _draft_card(cycle: Cycle, today: dt.date) -> Card:
    late = today > cycle.opens
    return Card(
        "cycle",
        f"Cycle {cycle.id} is a draft",
        f"It runs from {cycle.opens.isoformat()} to {cycle.closes.isoformat()}. Opening it "
        "pins the questionnaires; then send the invitations.",
        primary=_cycle_link(cycle, f"Open cycle {cycle.id}"),
        deadline=cycle.opens,
        due=f"{'Was to open' if late else 'Opens'} on {cycle.opens.isoformat()}.",
        overdue=late,
        needs_action=today >= cycle.opens,  # a draft for a later quarter waits its turn
    )


def _open_card(cycle: Cycle, today: dt.date) -> Card:
    asked = [p for p in queries.executives(db.session) if cycle.pinned_for(p.role or "")]
    submitted = queries.submitted_emails(db.session, cycle.id)
    sent = {i.person_id for i in queries.invitations_in_cycle(db.session, cycle.id) if i.sent_at}
    waiting = [p for p in asked if p.email not in submitted]
    not_sent = [p for p in waiting if p.id not in sent]
    invited = [p for p in waiting if p.id in sent]
    bounced = _bounced(cycle, invited)
    lines = [Line(f"{len(asked) - len(waiting)} of {len(asked)} executives have submitted.")]
    if not_sent:
        lines.append(
            Line(
                f"{count(len(not_sent), 'executive', 'executives')} not invited yet:",
                note=names(not_sent),
            )
        )
    if bounced:
        lines.append(
            Line(
                f"{count(len(bounced), 'invitation', 'invitations')} could not be delivered:",
                note=f"{names(bounced, emails=True)}. Check the address, then send a reminder.",
            )
        )
    if invited:
        lines.append(Line(f"{len(invited)} invited and not answered yet:", note=names(invited)))
    past = today > cycle.closes
    if not asked:
        lines = [Line("Nobody is asked yet: give people an executive role, then invite them.")]
    if not_sent and not past:
        primary = _send(cycle, "invitation", len(not_sent))
    elif invited and not past:
        primary = _send(cycle, "reminder", len(invited))
    elif not asked:
        primary = _cycle_link(cycle)
    else:
        primary = _cycle_link(cycle, f"Close cycle {cycle.id}")
    return Card(
        "cycle",
        f"Cycle {cycle.id} is open",
        "Its closing date has passed: close it when you are ready." if past else "",
        tuple(lines),
        primary=primary,
        secondary=() if primary.endpoint == "admin.cycle" else (_cycle_link(cycle),),
        deadline=cycle.closes,
        due=f"{'Closing date was' if past else 'Closes on'} {cycle.closes.isoformat()}.",
        overdue=past,
        needs_action=bool(not asked or not_sent or invited or past),
    )


def _send(cycle: Cycle, kind: str, n: int) -> Link:
    label = f"Send {count(n, kind, kind + 's')} for {cycle.id}"
    return Link(label, "admin.invite", {"cycle_id": cycle.id}, post={"kind": kind})


def _bounced(cycle: Cycle, invited: Sequence[Person]) -> list[Person]:
    """The invited whose newest invitation or reminder for the cycle failed to send."""
    mails = queries.mail_to(
        db.session, {p.email for p in invited}, INVITATION_SUBJECT.format(cycle=cycle.id)
    )
    newest: dict[str, str] = {}
    for mail in mails:  # newest first
        newest.setdefault(mail.recipient, mail.status)
    return [p for p in invited if newest.get(p.email) == "failed"]


def _closed_card(cycle: Cycle, current: Mapping[str, FactValue]) -> Card:
    """Freeze once the committee has attested the fact report as it stands."""
    latest = queries.latest_attestation(db.session, cycle.id)
    waits = committee_waits(current, latest) if current else "Nothing is reported yet."
    if waits:
        return Card(
            "cycle",
            f"Cycle {cycle.id} is closed",
            f"Freeze it once the committee has attested the fact report. {waits}",
            primary=Link(f"The {cycle.id} fact report", "facts.report", {"cycle_id": cycle.id}),
            secondary=(_cycle_link(cycle),),
            needs_action=False,  # the committee's turn
        )
    return Card(
        "cycle",
        f"Cycle {cycle.id} is closed",
        "The committee has attested its fact report: freeze the cycle to store its scores and "
        "reports for good.",
        primary=_cycle_link(cycle, f"Freeze cycle {cycle.id}"),
    )
