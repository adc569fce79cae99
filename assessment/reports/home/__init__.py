"""What each person's home page shows: one card for each piece of work that waits for them,
the most urgent first, whatever mix of roles and permissions their account holds.

Executives see their check-ins, fact owners the facts they still owe, second attesters and
the committee the fact reports to check, administrators the cycles, the HR coordinator the
training needs and sessions, and the committee what is new. Only the committee's card and
the HR coordinator's needs score a cycle, and only the latest answered one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactValue, Person
from assessment.reports.home.admin_cycles import cycle_cards
from assessment.reports.home.cards import Card, Line, Link, Viewer, urgency
from assessment.reports.home.committee_news import committee_cards
from assessment.reports.home.fact_work import fact_owner_cards, fact_report_cards
from assessment.reports.home.training_work import training_cards
from assessment.services.answering.questionnaire_pages import progress
from assessment.services.lifecycle import CycleStatus, ResponseStatus

__all__ = ["Card", "Home", "Line", "Link", "PastCycle", "Viewer", "home_page"]


@dataclass(frozen=True)
class PastCycle:
    cycle_id: str
    closes: dt.date
    submitted: bool
    started: bool


@dataclass(frozen=True)
class Home:
    cards: list[Card]
    history: list[PastCycle]

    @property
    def attention(self) -> bool:
        return any(card.needs_action for card in self.cards)


def home_page(viewer: Viewer, now: dt.datetime | None = None) -> Home:
    """Every card that applies to the viewer, most urgent first, and their earlier quarters."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    person = queries.get_person(db.session, viewer.person_id)
    assert person is not None, "a signed-in account always has its person"
    cycles = queries.list_cycles(db.session)  # newest first
    # Cycles whose facts can still change: open, or closed but not frozen.
    live = [c for c in cycles if c.status in (CycleStatus.OPEN, CycleStatus.CLOSED)]
    reported: Mapping[str, Mapping[str, FactValue]] = {
        c.id: queries.current_fact_values(db.session, c.id) for c in live
    }
    statuses = queries.response_statuses(db.session, person.id) if person.role else {}
    cards: list[Card] = []
    if person.role:
        cards += checkin_cards(person, cycles, statuses)
    if viewer.may("fact_owner") and viewer.owned_facts:
        cards += fact_owner_cards(viewer.owned_facts, live, reported, today)
    cards += fact_report_cards(viewer, live, reported, today)
    if viewer.may("admin"):
        cards += cycle_cards(cycles, reported, today)
    if viewer.may("hr_coordinator"):
        cards += training_cards(now)
    if viewer.may("committee"):
        cards += committee_cards()
    return Home(sorted(cards, key=urgency), history(person, cycles, statuses))


def checkin_cards(
    person: Person, cycles: Sequence[Cycle], statuses: Mapping[str, str]
) -> list[Card]:
    """Each open cycle that asks the person: start, continue, or see the results."""
    cards = []
    for cycle in cycles:
        pinned = cycle.pinned_for(person.role or "")
        if not cycle.takes_answers or pinned is None:
            continue
        questionnaire = catalogue().get(pinned.questionnaire_id, pinned.version)
        title = f"{questionnaire.title} · {cycle.id}"
        params = {"cycle_id": cycle.id}
        status = statuses.get(cycle.id)
        if status == ResponseStatus.SUBMITTED:
            results = Link(f"See your {cycle.id} results", "respond.results", params)
            cards.append(
                Card("checkin", title, "Submitted. Thank you.", primary=results, needs_action=False)
            )
            continue
        if status is not None:
            response = queries.get_response(db.session, person.id, cycle.id)
            done = progress(questionnaire, response.answer_values() if response else {})
            summary = f"In progress: {done.answered} of {done.required} questions answered."
            step = Link(f"Continue {cycle.id}", "respond.intro", params)
        else:
            summary = f"About {questionnaire.minutes} minutes."
            step = Link(f"Start {cycle.id}", "respond.intro", params)
        due = f"Open until {cycle.closes.isoformat()}."
        cards.append(Card("checkin", title, summary, primary=step, deadline=cycle.closes, due=due))
    return cards


def history(
    person: Person, cycles: Sequence[Cycle], statuses: Mapping[str, str]
) -> list[PastCycle]:
    """Every closed or frozen cycle that asked the person, newest first."""
    return [
        PastCycle(
            cycle.id,
            cycle.closes,
            statuses.get(cycle.id) == ResponseStatus.SUBMITTED,
            cycle.id in statuses,
        )
        for cycle in cycles
        if person.role
        and cycle.status in (CycleStatus.CLOSED, CycleStatus.FROZEN)
        and cycle.pinned_for(person.role) is not None
    ]
