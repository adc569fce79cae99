"""What a training session's page should offer as its main (primary) action."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class NextStep(StrEnum):
    ASSIGN = "assign"  # nobody assigned yet: choose people
    INVITE = "invite"  # some assigned people have no invitation yet: send them
    WAIT = "wait"  # everyone assigned is invited and the session lies ahead: nothing to do
    RECORD = "record"  # the session has started: record who attended and completed
    NONE = "none"  # cancelled: nothing more to do


def next_step(
    *, scheduled: bool, assigned: int, not_invited: int, starts_at: dt.datetime, now: dt.datetime
) -> NextStep:
    """The next sensible action on a session. Recording attendance needs someone assigned, so
    a session held without anyone assigned (one entered for the record) still asks for people
    first; invitations are pointless once the session has started."""
    if not scheduled:
        return NextStep.NONE
    if assigned == 0:
        return NextStep.ASSIGN
    if starts_at <= now:
        return NextStep.RECORD
    if not_invited:
        return NextStep.INVITE
    return NextStep.WAIT
