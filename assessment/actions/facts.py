"""The fact report: owners enter facts with evidence, the committee attests the report, and
an administrator delegates a fact to someone outside its owner role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app

from assessment import queries
from assessment.actions import audit, evidence_files
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Forbidden, Invalid, NotFound
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactAttestation, FactValue, Person
from assessment.services.content.definitions import COMPENSATING
from assessment.services.facts.as_of import AsOfWindow
from assessment.services.facts.as_of import as_of_window as window_of
from assessment.services.facts.as_of import default_as_of as default_of
from assessment.services.facts.entries import FactEntry, read_entry
from assessment.services.facts.evidence import CheckedFile, check_file, link_problem
from assessment.services.text import clean_text, text_problem


@dataclass(frozen=True)
class FactInput:
    """One fact's value as entered: exactly one of a category id, a number or a date."""

    category: str | None = None
    number: str | None = None
    date: dt.date | None = None


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name as the browser sent it (shown only after cleaning) and
    its content (at most ``EVIDENCE_MAX_BYTES`` plus one byte: enough to tell it is too big)."""

    filename: str
    data: bytes


def as_of_window(cycle: Cycle, today: dt.date | None = None) -> AsOfWindow:
    """The as-of dates the cycle's facts may carry (``FACT_AS_OF_DAYS_BEFORE`` and ``_AFTER``)."""
    config = current_app.config
    return window_of(
        cycle.id,
        cycle.opens,
        cycle.closes,
        today or dt.date.today(),
        days_before=int(config["FACT_AS_OF_DAYS_BEFORE"]),
        days_after=int(config["FACT_AS_OF_DAYS_AFTER"]),
    )


def default_as_of(cycle: Cycle) -> dt.date:
    """The as-of date a new entry starts from: the cycle's closing date, or today before it."""
    return default_of(cycle.closes, dt.date.today())


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
    evidence_url: str = "",
    attachment: Upload | None = None,
    keep_attachment: bool = False,
    keep_link: bool = False,
) -> dict[str, FactEntry]:
    """Add a new revision of each fact (earlier revisions stay); all or nothing.

    ``errors`` of a refusal are keyed by fact id, by the field at fault (``as_of``,
    ``evidence``, ``evidence_url``, ``attachment``, ``note``), or ``reason`` when the report
    was attested and the change gives no reason. ``keep_attachment``: a fact given no new file
    keeps the file of its current version; ``keep_link``: given no link, it keeps its current
    one (the API, which carries neither, must not drop what the web form attached).
    """
    if cycle.is_frozen:
        raise Conflict(f"Cycle {cycle.id} is frozen; its facts cannot change.")
    facts, allowed = catalogue().facts, editable_facts(actor)
    if refused := sorted(f for f in values if f in facts and f not in allowed):
        raise Forbidden(f"You may not report {', '.join(refused)}.")
    _check_text({"evidence": evidence, "note": note, "reason": reason})
    stored = _check_evidence(cycle, as_of, clean_text(evidence_url), attachment)
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
    if attachment is not None and stored is not None:
        evidence_files.store(stored.sha256, attachment.data)
    keep_any = keep_attachment or keep_link
    current = queries.current_fact_values(db.session, cycle.id) if keep_any else {}
    for fact_id, entry in entries.items():
        earlier = current.get(fact_id)
        kept = stored or (_attachment_of(earlier) if earlier and keep_attachment else None)
        link = clean_text(evidence_url) or (
            (earlier.evidence_url or "") if earlier and keep_link else ""
        )
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
            evidence_url=link,
            attachment=kept,
        )
        audit.record(
            actor,
            "fact_reported",
            f"{cycle.id}/{fact_id}",
            category=entry.category,
            reason=reason,
            **({"attachment": kept.sha256} if kept else {}),
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


def _check_evidence(
    cycle: Cycle, as_of: dt.date, evidence_url: str, attachment: Upload | None
) -> CheckedFile | None:
    """The as-of date inside the cycle's window, a plain web link, an allowed file; all
    problems at once. Returns the checked attachment."""
    problems: dict[str, str] = {}
    if problem := as_of_window(cycle).problem(as_of):
        problems["as_of"] = problem
    if evidence_url and (problem := link_problem(evidence_url)):
        problems["evidence_url"] = problem
    checked = None
    if attachment is not None:
        limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
        found = check_file(attachment.filename, attachment.data, limit)
        if isinstance(found, str):
            problems["attachment"] = found
        else:
            checked = found
    if problems:
        raise Invalid(next(iter(problems.values())), problems)
    return checked


def _attachment_of(row: FactValue) -> CheckedFile | None:
    if not row.attachment_sha256:
        return None
    return CheckedFile(
        sha256=row.attachment_sha256,
        name=row.attachment_name or "evidence",
        mime=row.attachment_type or "application/octet-stream",
        size=row.attachment_size or 0,
    )


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
