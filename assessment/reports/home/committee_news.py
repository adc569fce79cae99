"""The committee's home card: what is new in the latest answered cycle."""

from __future__ import annotations

from assessment import queries
from assessment.extensions import db
from assessment.reports import committee
from assessment.reports.comments import cycle_comments
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.gaps import gap_report_of
from assessment.reports.home.cards import SHOWN, Card, Line, Link, count
from assessment.reports.training_needs import latest_scored_cycle


def committee_cards() -> list[Card]:
    """Who answered, what to act on (as the committee view leads with it) and how many
    comments were written to the committee: for the latest cycle anyone answered."""
    cycle = latest_scored_cycle()
    if cycle is None:
        return []
    asked = [p for p in queries.executives(db.session) if cycle.pinned_for(p.role or "")]
    submitted = queries.submitted_emails(db.session, cycle.id)
    answered = sum(1 for p in asked if p.email in submitted)
    # The cycle's answers, read once here for its gap report (a frozen one's is stored).
    answers = None if cycle.is_frozen else cycle_answers(cycle.id)
    to_act = committee.actions_for_view(cycle, gap_report_of(cycle, answers))
    lines = [Line(a) for a in to_act[:SHOWN]]
    if len(to_act) > SHOWN:
        lines.append(Line(f"… and {len(to_act) - SHOWN} more on the committee view."))
    if comments := len(cycle_comments(cycle.id)):
        said = f"{count(comments, 'comment', 'comments')} written to the committee in {cycle.id}"
        lines.append(Line(said, Link(said, "committee.dashboard", anchor=f"comments-{cycle.id}")))
    return [
        Card(
            "committee",
            f"What is new for the committee, {cycle.id}",
            f"{answered} of {len(asked)} executives have answered the {cycle.id} check-in.",
            tuple(lines),
            primary=Link("What to act on", "committee.dashboard", anchor="act"),
            needs_action=bool(to_act),
        )
    ]
