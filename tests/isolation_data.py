"""Two organisations full of data, for the isolation suite (``tests/test_isolation.py``).

Both hold the same kinds of things under the same names where names are shared (cycle ids
2026-Q3 and 2026-Q4, fact ids, questionnaire ids), and each also holds a cycle the other lacks.
Everything an organisation's people typed carries that organisation's marker (names, e-mail
addresses, comments, fact notes and evidence, file contents, training places, the logo, the pack
marking), so that a page of one organisation showing anything of the other's can be caught by
looking for the other's marker.

Written through the write layer (``actions``) where it exists, as the application itself would.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Final

from flask import Flask
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from assessment import actions, queries, tenancy
from assessment.actions.actor import Actor
from assessment.actions.cycles import Transition
from assessment.actions.facts import FactInput, Upload
from assessment.actions.identity_providers import ProviderChange, save_provider
from assessment.actions.organisation_settings import Logo, Overrides, save_settings
from assessment.actions.organisations import OrganisationChange
from assessment.actions.training_sessions import SessionPlan
from assessment.catalogue import catalogue
from assessment.extensions import Base, db
from assessment.models import Account, Cycle, Organisation, OrganisationOwned, Person
from assessment.services.security.passwords import hash_password
from tests.conftest import PASSWORD, complete_answers

# The cycles both organisations hold, under the same ids.
CLOSED_CYCLE: Final = "2026-Q3"  # frozen: answers, facts with a file, an attestation, reports
OPEN_CYCLE: Final = "2026-Q4"  # open: a draft, a submitted response, invitations
SHARED_CYCLES: Final = (CLOSED_CYCLE, OPEN_CYCLE)
# Each organisation's people with accounts: persona -> (role, permissions).
PERSONAS: Final[dict[str, tuple[str | None, tuple[str, ...]]]] = {
    "admin": (None, ("admin",)),
    "committee": (None, ("committee",)),
    "hr_coordinator": (None, ("hr_coordinator",)),
    "fact_owner": ("it_manager", ("fact_owner",)),
    "ceo": ("ceo", ()),
    "cio": ("cio", ()),
    "hr": ("hr", ()),
    "legal": ("legal", ()),
}
EXECUTIVES: Final = ("ceo", "cio", "fact_owner", "hr", "legal")
# A consultant: one person (one address, one password) with every permission in both
# organisations, working in one at a time.
CONSULTANT: Final = "consultant@example.com"
# A fact both organisations report in every cycle (no file), and the fact each reports with
# a file (only that organisation has versions of it).
SHARED_FACT: Final = "mfa_remote_access"
DELEGATED_FACT: Final = "byod_policy"
PDF: Final = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
LINK: Final = re.compile(r"/(i|reset)/([A-Za-z0-9._-]+)")


@dataclass(frozen=True)
class Spec:
    """What distinguishes one organisation's data from the other's."""

    marker: str  # in everything typed; looked for case-insensitively
    slug: str
    only_cycle: str  # a cycle id only this organisation has (open)
    attached_fact: str  # the fact only this organisation reported, with a file


SPECS: Final = (
    Spec("ALPHA-ORG1-MARKER", "default", "2025-Q4", "mfa_privileged"),
    Spec("ZETA-ORG2-MARKER", "zeta", "2027-Q1", "backup_immutable"),
)


@dataclass
class OrgData:
    """One organisation of the world, as the tests need to reach into it."""

    id: int
    spec: Spec
    emails: dict[str, str] = field(default_factory=dict)
    person_ids: dict[str, int] = field(default_factory=dict)
    training_session_id: int = 0
    token: str = ""  # the administrator's API token
    token_id: int = 0
    # Invitation links (paths /i/…): the CEO's for the open cycle, the legal officer's for
    # the closed one (mailed while it was open), and a password link of the administrator,
    # none of them ever used; and links that one test uses (the HR executive's invitation to
    # the open cycle, a password link of the legal officer).
    open_link: str = ""
    closed_link: str = ""
    reset_link: str = ""
    spare_link: str = ""
    spare_reset_link: str = ""

    @property
    def marker(self) -> str:
        return self.spec.marker

    @property
    def only_cycle(self) -> str:
        return self.spec.only_cycle

    @property
    def attached_fact(self) -> str:
        return self.spec.attached_fact

    def email(self, persona: str) -> str:
        return self.emails[persona]


def email_of(spec: Spec, persona: str) -> str:
    return f"{persona.replace('_', '-')}.{spec.marker.lower()}@example.com"


def png_with_text(text: str) -> bytes:
    """A real 1×1 PNG carrying ``text`` in a tEXt chunk (so that its bytes hold a marker)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + text.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def build_world(app: Flask) -> list[OrgData]:
    """Both organisations with their data; the first is the installation's default one."""
    password_hash = hash_password(PASSWORD)
    built = []
    with app.app_context():
        first = db.session.scalars(select(Organisation).order_by(Organisation.id)).first()
        assert first is not None
        ids = [first.id]
        second = queries.create_organisation(db.session, SPECS[1].slug, "Second")
        db.session.commit()
        ids.append(second.id)
    for organisation_id, spec in zip(ids, SPECS, strict=True):
        # A request context: links are built with url_for, as the app builds them.
        with app.test_request_context(), tenancy.acting_for(organisation_id):
            built.append(_fill(OrgData(organisation_id, spec), password_hash))
            db.session.commit()
            db.session.remove()
    return built


def _fill(org: OrgData, password_hash: str) -> OrgData:
    spec = org.spec
    accounts: dict[str, Account] = {}
    for persona, (role, permissions) in PERSONAS.items():
        person = queries.create_person_with_account(
            db.session,
            email=email_of(spec, persona),
            name=f"{persona.title()} {spec.marker}",
            role=role,
            permissions=permissions,
            password_hash=password_hash,
        )
        assert person.account is not None
        accounts[persona] = person.account
        org.emails[persona] = person.email
        org.person_ids[persona] = person.id
    consultant = queries.create_person_with_account(
        db.session,
        email=CONSULTANT,
        name=f"Consultant {spec.marker}",
        permissions=("admin", "committee", "hr_coordinator", "fact_owner"),
        password_hash=password_hash,
    )
    org.emails["consultant"] = consultant.email
    org.person_ids["consultant"] = consultant.id
    actor = {persona: Actor.of_account(account) for persona, account in accounts.items()}
    admin = actor["admin"]
    _describe(org, admin)
    actions.regimes.set_applicable(admin, _regimes(org))
    actions.facts.set_delegation(admin, DELEGATED_FACT, org.person_ids["committee"], True)
    today = dt.date.today()

    # The closed cycle: invited, everyone answered, facts (one with a file) attested, frozen.
    closed = actions.cycles.create_cycle(
        admin, CLOSED_CYCLE, today - dt.timedelta(days=100), today - dt.timedelta(days=10)
    )
    actions.cycles.change_status(admin, closed, Transition.OPEN)
    actions.invitations.send_invitations(admin, closed, reminder=False)
    org.closed_link = _link_to(org.email("legal"), "i")
    for persona in EXECUTIVES:
        _answer(org, persona, closed, submit=True)
    _report(org, actor["fact_owner"], closed, SHARED_FACT)
    _report(org, admin, closed, spec.attached_fact, attachment=True)
    actions.facts.attest(actor["committee"], closed)
    training = _training(org, actor["hr_coordinator"])
    actions.cycles.change_status(admin, closed, Transition.CLOSE)
    actions.cycles.change_status(admin, closed, Transition.FREEZE)

    # The open cycle: one submitted, one draft, the rest invited.
    current = actions.cycles.create_cycle(
        admin, OPEN_CYCLE, today - dt.timedelta(days=5), today + dt.timedelta(days=30)
    )
    actions.cycles.change_status(admin, current, Transition.OPEN)
    _answer(org, "cio", current, submit=True)
    _answer(org, "ceo", current, submit=False)
    actions.invitations.send_invitations(admin, current, reminder=False)
    org.open_link = _link_to(org.email("ceo"), "i", cycle=OPEN_CYCLE)
    org.spare_link = _link_to(org.email("hr"), "i", cycle=OPEN_CYCLE)
    _report(org, actor["fact_owner"], current, SHARED_FACT)

    # The cycle only this organisation has: open, a draft, a fact with a file.
    only = actions.cycles.create_cycle(
        admin, spec.only_cycle, today - dt.timedelta(days=3), today + dt.timedelta(days=40)
    )
    actions.cycles.change_status(admin, only, Transition.OPEN)
    _answer(org, "ceo", only, submit=False)
    _report(org, admin, only, spec.attached_fact, attachment=True)

    org.training_session_id = training
    issued = actions.tokens.issue_token(admin, org.email("admin"), 90)
    org.token = issued.token
    token_ids = [t.id for t in queries.list_tokens(db.session)]
    assert len(token_ids) == 1
    org.token_id = token_ids[0]
    actions.people.send_sign_in_link(admin, org.person_ids["admin"])
    org.reset_link = _link_to(org.email("admin"), "reset")
    actions.people.send_sign_in_link(admin, org.person_ids["legal"])
    org.spare_reset_link = _link_to(org.email("legal"), "reset")
    db.session.flush()
    return org


def _describe(org: OrgData, admin: Actor) -> None:
    organisation = db.session.get(Organisation, org.id)
    assert organisation is not None
    save_settings(
        admin,
        organisation,
        OrganisationChange(
            name=f"{org.marker} Ltd",
            industry="Finance",
            size="100-999",
            benchmark_opt_in=True,
        ),
        Overrides(pack_marking=f"{org.marker} CONFIDENTIAL"),
        Logo(png_with_text(org.marker)),
    )
    save_provider(admin, organisation, provider_of(org.spec))


def provider_of(spec: Spec, secret: str = "") -> ProviderChange:
    """The organisation's single sign-on provider: its marker in every field (the secret too,
    which no page or log may show)."""
    return ProviderChange(
        issuer=f"https://login.{spec.marker.lower()}.example.com/v2.0",
        client_id=f"{spec.marker}-client",
        client_secret=secret or f"{spec.marker}-secret",
        label=f"{spec.marker} account",
    )


def _regimes(org: OrgData) -> list[str]:
    """The first organisation is under every regime, the second under the first one only."""
    known = list(catalogue().regimes)
    return known if org.spec is SPECS[0] else known[:1]


def _person(org: OrgData, persona: str) -> Person:
    person = queries.get_person(db.session, org.person_ids[persona])
    assert person is not None
    return person


def _answer(org: OrgData, persona: str, cycle: Cycle, *, submit: bool) -> None:
    person = _person(org, persona)
    assert person.role is not None
    pinned = cycle.pinned_for(person.role)
    assert pinned is not None
    form = catalogue().get(pinned.questionnaire_id, pinned.version)
    answers = complete_answers(person.role, form)
    for item in form.items:
        if item.type == "comment":
            answers[item.id] = f"{org.marker} says: {persona} in {cycle.id}"
    if not submit:  # a draft: the first half answered
        answers = dict(list(answers.items())[: len(answers) // 2])
    response = queries.start_response(db.session, person, cycle)
    queries.save_answers(db.session, response, answers)
    if submit:
        assert queries.submit_response(db.session, response, "1")


def _report(
    org: OrgData, actor: Actor, cycle: Cycle, fact_id: str, *, attachment: bool = False
) -> None:
    actions.facts.report_facts(
        actor,
        cycle,
        {fact_id: FactInput(category="yes")},
        as_of=actions.facts.default_as_of(cycle),
        evidence=f"{org.marker} evidence for {fact_id}",
        note=f"{org.marker} note",
        attachment=Upload(f"{org.marker}.pdf", PDF + org.marker.encode() + b"\n%%EOF\n")
        if attachment
        else None,
    )


def _training(org: OrgData, coordinator: Actor) -> int:
    module = next(iter(catalogue().training))
    start = dt.date.today() + dt.timedelta(days=14)
    training = actions.training_sessions.schedule(
        coordinator,
        SessionPlan(
            module_id=module,
            date=start,
            time=dt.time(10, 0),
            timezone="UTC",
            duration_minutes=60,
            location=f"{org.marker} room",
            capacity=10,
            facilitator=f"{org.marker} facilitator",
        ),
    )
    actions.training_sessions.assign(
        coordinator, training, emails=[org.email(p) for p in EXECUTIVES]
    )
    actions.training_sessions.send_invitations(coordinator, training)
    return training.id


def _link_to(email: str, kind: str, cycle: str | None = None) -> str:
    """The path of the latest link of ``kind`` mailed to ``email`` (about ``cycle``)."""
    for mail in sorted(queries.list_mail(db.session), key=lambda m: m.id, reverse=True):
        if mail.recipient != email or (cycle is not None and cycle not in mail.subject):
            continue
        for found in LINK.finditer(mail.body or ""):
            if found.group(1) == kind:
                return found.group(0)
    raise AssertionError(f"no {kind} link mailed to {email}")


# --- what an organisation holds, to tell that nothing of it changed ---------------------------


def owned_tables() -> list[Table]:
    return sorted(
        (
            mapper.local_table  # type: ignore[misc]
            for mapper in Base.registry.mappers
            if issubclass(mapper.class_, OrganisationOwned)
        ),
        key=lambda table: table.name,
    )


def holdings(session: Session, organisation_id: int) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the organisation, table by table, and its own row: read on the connection
    (past the tenancy criterion) so that what is read does not depend on who acts."""
    connection = session.connection()
    found: dict[str, list[tuple[object, ...]]] = {}
    for table in owned_tables():
        rows = connection.execute(select(table).where(table.c.organisation_id == organisation_id))
        found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    organisation = Organisation.__table__
    found["organisation"] = [
        tuple(row)
        for row in connection.execute(
            select(organisation).where(organisation.c.id == organisation_id)
        )
    ]
    return found


def changed_tables(
    before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]
) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
