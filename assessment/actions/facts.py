"""The fact report: owners enter facts with evidence, the committee attests the report, and
an administrator delegates a fact to someone outside its owner role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Forbidden, Invalid, NotFound
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactAttestation, Person
from assessment.services.content.definitions import COMPENSATING
from assessment.services.facts.entries import FactEntry, read_entry
from assessment.services.text import clean_text, text_problem


@dataclass(frozen=True)
class FactInput:
    """One fact's value as entered: exactly one of a category id, a number or a date."""

    category: str | None = None
    number: str | None = None
    date: dt.date | None = None


def editable_facts(actor: Actor) -> set[str]:
    """Facts the actor may enter: all for admins, their own role's and delegated ones for
    fact owners, none for anyone else."""
    if actor.has_permission("admin"):
        return set(catalogue().facts)
    if not actor.has_permission("fact_owner") or actor.person_id is None:
        return set()
    owned = {f.id for f in catalogue().facts.values() if f.owner == actor.role}
    return owned | queries.delegated_facts(db.session, actor.person_id)


def report_facts(
    actor: Actor,
    cycle: Cycle,
    values: Mapping[str, FactInput],
    *,
    as_of: dt.date,
    evidence: str,
    note: str = "",
    reason: str = "",
) -> dict[str, FactEntry]:
    """Add a new revision of each fact (earlier revisions stay); all or nothing.

    ``errors`` of a refusal are keyed by fact id, or ``reason`` when the report was attested
    and the change gives no reason.
    """
    if cycle.is_frozen:
        raise Conflict(f"Cycle {cycle.id} is frozen; its facts cannot change.")
    facts, allowed = catalogue().facts, editable_facts(actor)
    if refused := sorted(f for f in values if f in facts and f not in allowed):
        raise Forbidden(f"You may not report {', '.join(refused)}.")
    _check_text({"evidence": evidence, "note": note, "reason": reason})
    reason = clean_text(reason)
    if queries.latest_attestation(db.session, cycle.id) is not None and not reason:
        raise Invalid(
            "The fact report was attested: give a reason for the change.",
            {"reason": "The report was attested: say why the value changes."},
        )
    entries = _read_entries(values, as_of)
    if not clean_text(note) and any(e.value == COMPENSATING for e in entries.values()):
        raise Invalid(
            "Describe the compensating control in the note.",
            {"note": "A compensating control needs a note saying what it is and who approved it."},
        )
    person = _person(actor, "Facts are reported by a person; this account has none.")
    for fact_id, entry in entries.items():
        queries.add_fact_value(
            db.session,
            cycle.id,
            fact_id,
            value=entry.value,
            category=entry.category,
            as_of=as_of,
            evidence=clean_text(evidence),
            note=clean_text(note),
            reason=reason,
            person=person,
        )
        audit.record(
            actor, "fact_reported", f"{cycle.id}/{fact_id}", category=entry.category, reason=reason
        )
    return entries


def attest(actor: Actor, cycle: Cycle) -> FactAttestation:
    """Sign off the cycle's fact report as it stands; later changes then need a reason."""
    person = _person(actor, "Attestation is signed by a person; this account has none.")
    attestation = queries.attest_facts(db.session, cycle.id, person)
    if attestation is None:
        raise Conflict("There is nothing to attest yet.")
    audit.record(actor, "facts_attested", cycle.id)
    return attestation


def set_delegation(actor: Actor, fact_id: str, person_id: int, granted: bool) -> None:
    """Let a person outside the owner role report one fact (``granted``), or stop it."""
    if fact_id not in catalogue().facts:
        raise NotFound(f"There is no fact {fact_id!r}.", {"fact_id": "unknown fact"})
    if queries.get_person(db.session, person_id) is None:
        raise NotFound("There is no such person.", {"person_id": "unknown person"})
    queries.set_delegation(db.session, fact_id, person_id, granted)
    action = "fact_delegated" if granted else "fact_delegation_removed"
    audit.record(actor, action, fact_id, person_id=person_id)


def _read_entries(values: Mapping[str, FactInput], as_of: dt.date) -> dict[str, FactEntry]:
    """Each value checked against its fact; ``Invalid`` naming every fact at fault."""
    facts = catalogue().facts
    entries, errors = {}, {}
    for fact_id, given in values.items():
        if fact_id not in facts:
            errors[fact_id] = "unknown fact"
            continue
        entry, problem = read_entry(
            facts[fact_id],
            category=given.category,
            number=given.number,
            date=given.date,
            as_of=as_of,
        )
        if entry is None:
            errors[fact_id] = problem or "Invalid value."
        else:
            entries[fact_id] = entry
    if errors:
        raise Invalid("Nothing was stored.", errors)
    return entries


def _person(actor: Actor, refusal: str) -> Person:
    person = queries.get_person(db.session, actor.person_id) if actor.person_id else None
    if person is None:
        raise Forbidden(refusal)
    return person


def _check_text(fields: Mapping[str, str]) -> None:
    """Evidence, notes and reasons may span lines, but hold no control or invisible
    formatting characters (F-15)."""
    problems = {
        name: f"The {name} {problem}."
        for name, value in fields.items()
        if (problem := text_problem(value, multiline=True))
    }
    if problems:
        raise Invalid(next(iter(problems.values())), problems)
