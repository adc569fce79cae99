"""Answering a questionnaire: starting a draft, saving answers, submitting exactly once.

Drafts are the respondent's own work in progress: starting one and saving answers are kept
in the rows themselves (start time, each answer's version and time), not in the audit log,
whose one lock would otherwise serialise every autosave. Submitting is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Invalid
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleQuestionnaire, Person, Response
from assessment.services.answering.answers import answer_problems, missing_items
from assessment.services.content.definitions import Questionnaire
from assessment.services.scoring.single import SCORING_VERSION


@dataclass(frozen=True)
class Submitted:
    response: Response
    questionnaire: Questionnaire


def person_by_email(email: str) -> Person:
    """The person an API call names, or ``Invalid`` on the ``email`` field."""
    person = queries.find_person_by_email(db.session, email)
    if person is None:
        raise Invalid("No person has that e-mail address.", {"email": "unknown person"})
    return person


def start(person: Person, cycle: Cycle) -> Response:
    """The person's draft for the cycle, created on first use (safe against double starts)."""
    _pinned(person, cycle)
    if not cycle.takes_answers:
        raise Conflict(f"Cycle {cycle.id} is {cycle.status}; it takes no answers.")
    return queries.start_response(db.session, person, cycle)


def save_answers(
    response_id: int, values: dict[str, object], seen_versions: dict[str, int]
) -> queries.SaveOutcome:
    """Store answers of a draft the caller has checked is still editable; an answer changed
    elsewhere since the version the caller saw comes back as a conflict, never overwritten.

    Raises ``IntegrityError`` or ``StaleDataError`` when another request wrote the same rows
    at the same moment: the caller rolls back and tries once more. ``Conflict`` when the
    response was submitted meanwhile: nothing is written to a submitted response.
    """
    try:
        return queries.save_answers_by_id(db.session, response_id, values, seen_versions)
    except queries.NotDraft as error:
        raise Conflict("This questionnaire can no longer be changed.") from error


def submit(
    actor: Actor,
    cycle: Cycle,
    person: Person,
    *,
    questionnaire_id: str | None = None,
    answers: Mapping[str, object] | None = None,
) -> Submitted:
    """Submit the person's response, with ``answers`` added to what is saved already.

    Refused when the cycle takes no answers, when it was submitted before, when
    ``questionnaire_id`` is not the one pinned for the person, and when an answer is invalid
    or a required one is missing (every problem is listed, nothing is stored).
    """
    pinned = _pinned(person, cycle)
    if questionnaire_id is not None and pinned.questionnaire_id != questionnaire_id:
        raise Invalid(
            "That questionnaire is not the one this person answers in this cycle.",
            {"questionnaire": "not pinned for this person"},
        )
    if not cycle.takes_answers:
        raise Conflict(f"Cycle {cycle.id} is {cycle.status}; it takes no answers.")
    existing = queries.get_response(db.session, person.id, cycle.id)
    if existing is not None and existing.is_submitted:
        raise Conflict("This person already submitted in this cycle; nothing was changed.")
    questionnaire = catalogue().get(pinned.questionnaire_id, pinned.version)
    given = dict(answers or {})
    _check_complete(questionnaire, given, existing.answer_values() if existing else {})
    response = queries.start_response(db.session, person, cycle)
    if given:
        queries.save_answers(db.session, response, given)
    if not queries.submit_response(db.session, response, SCORING_VERSION):
        raise Conflict("This person already submitted in this cycle.")
    # Checked again now that the response is locked as submitted: an answer cleared by a save
    # that landed after the first check must not leave a submitted response incomplete (F-07).
    # Raising here makes the caller roll the submission back.
    _check_complete(questionnaire, {}, queries.stored_answer_values(db.session, response.id))
    queries.mark_invitation_completed(db.session, person.id, cycle.id)
    audit.record(actor, "response_submitted", f"{cycle.id}/{person.email}")
    return Submitted(response, questionnaire)


def _pinned(person: Person, cycle: Cycle) -> CycleQuestionnaire:
    pinned = cycle.pinned_for(person.role or "")
    if pinned is None:
        raise Invalid(
            f"Cycle {cycle.id} has no questionnaire for this person's role.",
            {"questionnaire": "not pinned for this person"},
        )
    return pinned


def _check_complete(
    questionnaire: Questionnaire, given: dict[str, object], saved: dict[str, object]
) -> None:
    problems = answer_problems(questionnaire, given)
    missing = missing_items(questionnaire, {**saved, **given})
    if problems or missing:
        errors = {f"answers.{k}": v for k, v in problems.items()}
        errors |= {f"answers.{i.id}": "required" for i in missing}
        raise Invalid(
            f"{len(problems)} invalid and {len(missing)} missing answers; nothing was stored.",
            errors,
        )


def remember_page(response_id: int, number: int) -> None:
    """Where the respondent is, so that they come back to the same page."""
    queries.remember_page(db.session, response_id, number)


# Bounds on answers kept from expired sessions (F-09): one page's worth per browser, a cap on
# all kept sets waiting, and nothing older than a session lasts.
MAX_KEPT_ANSWERS: Final = 64
MAX_KEPT_SETS: Final = 5000
KEPT_FOR: Final = dt.timedelta(hours=12)


def keep_answers(
    key: str, cycle_id: str, answers: dict[str, object], *, account_id: int | None
) -> dict[str, object]:
    """Keep answers posted after the session or form expired, merged with those kept before
    under the same key for the same cycle (newest first, at most ``MAX_KEPT_ANSWERS``);
    returns everything kept now. Their owner decides later whether to apply them."""
    queries.purge_stashes(db.session, dt.datetime.now(dt.UTC) - KEPT_FOR)
    previous = queries.take_stash(db.session, key)
    if previous is None and queries.count_stashes(db.session) >= MAX_KEPT_SETS:
        raise Conflict(
            "Too many answers are waiting to be saved right now; sign in again and re-enter "
            "this page. Everything saved before is still there."
        )
    if previous and previous.cycle_id == cycle_id and previous.account_id == account_id:
        answers = {**answers, **{k: v for k, v in previous.answers.items() if k not in answers}}
    kept = dict(list(answers.items())[:MAX_KEPT_ANSWERS])
    queries.stash_answers(db.session, key, cycle_id, kept, account_id)
    return kept


def drop_kept_answers(key: str) -> None:
    """Forget kept answers once applied or discarded."""
    queries.drop_stash(db.session, key)
