"""Who has not started, is in progress, or has submitted in a cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.services.lifecycle import ResponseStatus

# How the administrator's participation table names each response status.
STATE_WORDS: dict[str, str] = {
    ResponseStatus.DRAFT: "in progress",
    ResponseStatus.SUBMITTED: "submitted",
}


@dataclass(frozen=True)
class ParticipationRow:
    person_id: int
    name: str
    email: str
    role: str
    state: str  # not started | in progress | submitted
    answered: int
    invited: str  # "not yet" or the date
    reminders: int


def participation(
    people: Sequence[tuple[int, str, str, str]],
    responses: Mapping[int, tuple[str, int]],
    invitations: Mapping[int, tuple[dt.datetime | None, int]],
) -> list[ParticipationRow]:
    """One row per executive: (id, name, e-mail, role label) joined with response and invitation."""
    rows = []
    for person_id, name, email, role in people:
        status, answered = responses.get(person_id, ("not started", 0))
        state = STATE_WORDS.get(status, "not started")
        sent, reminders = invitations.get(person_id, (None, 0))
        rows.append(
            ParticipationRow(
                person_id,
                name,
                email,
                role,
                state,
                answered,
                sent.strftime("%Y-%m-%d") if sent else "not yet",
                reminders,
            )
        )
    return rows
