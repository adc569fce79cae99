"""Typed SQLAlchemy 2.0 models."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Final

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from assessment.extensions import Base
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.services.lifecycle import CycleStatus, ResponseStatus, TrainingSessionStatus

PERMISSIONS: Final = ("admin", "committee", "hr_coordinator", "fact_owner")

__all__ = [
    "PERMISSIONS",
    "ROLE_LABELS",
    "Organisation",
    "OrganisationOwned",
    "ROLES",
    "Account",
    "AccountPermission",
    "Answer",
    "AnswerStash",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Cycle",
    "CycleQuestionnaire",
    "CycleStatus",
    "FactAttestation",
    "FactDelegation",
    "FactValue",
    "IdentityProvider",
    "Invitation",
    "InvitationToken",
    "Mail",
    "Person",
    "ReportSnapshot",
    "Response",
    "ResponseStatus",
    "TrainingAttendee",
    "TrainingSession",
    "TrainingSessionStatus",
]


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Organisation(Base):
    """A company whose leadership is assessed: the unit of isolation. Questionnaire content
    is shared by every organisation; its people, cycles, answers, facts, training, audit log,
    tokens and settings are its own (``OrganisationOwned``)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[str | None] = mapped_column(String(40))
    # Contributes its figures to, and sees, anonymous peer benchmarks only when true.
    benchmark_opt_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Per-organisation settings that override the installation's defaults (pack marking,
    # default time zone, …); see ``assessment.organisations``.
    settings: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The logo is kept under EVIDENCE_DIR by its SHA-256, like evidence files.
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class OrganisationOwned:
    """A row of one organisation. Every ORM statement is limited to the current organisation
    and every new row is stamped with it (``assessment.tenancy``): views never filter by hand."""

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisation.id"), index=True)


def _cycle_key(*, name: str | None = None) -> ForeignKeyConstraint:
    """A cycle id is unique within its organisation only: rows refer to (organisation, id)."""
    return ForeignKeyConstraint(
        ["organisation_id", "cycle_id"], ["cycle.organisation_id", "cycle.id"], name=name
    )


class IdentityProvider(OrganisationOwned, Base):
    """The organisation's OpenID Connect provider for single sign-on: at most one each.

    The client secret is stored only encrypted with a key derived from SECRET_KEY
    (``services.security.sealed_secrets``); ``assessment.sso`` reads it back for sign-in."""

    __tablename__ = "identity_provider"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    # The sign-in button's words after "Sign in with"; empty: the organisation's name.
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Executives of the organisation sign in through the provider only, never by password.
    sso_only: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Just-in-time creation of people the provider vouches for but the organisation lacks.
    create_unknown: Mapped[bool] = mapped_column(default=False, server_default="0")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Person(OrganisationOwned, Base):
    """Someone in the organisation: an executive (with a role) or staff such as HR or admins."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(f"role IS NULL OR {_in('role', ROLES)}", name="role"),
        UniqueConstraint("organisation_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    account: Mapped[Account | None] = relationship(back_populates="person", uselist=False)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role or "", "")


class Account(OrganisationOwned, UserMixin, Base):
    """Log-in credentials and permissions of a person in one organisation: a membership.

    A consultant holds one account in each client organisation, all under one e-mail address;
    those accounts share one password (``queries.accounts.set_password``) and the signed-in
    session switches between them explicitly."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of every session cookie; raising it ends every session of the account at once
    # (log-out, password change), since cookies live in the browser, not on the server.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    person: Mapped[Person] = relationship(back_populates="account")
    permission_rows: Mapped[list[AccountPermission]] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(row.permission for row in self.permission_rows)

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions


class AccountPermission(OrganisationOwned, Base):
    """One granted permission; a table rather than flags so that grants can be audited."""

    __tablename__ = "account_permission"
    __table_args__ = (CheckConstraint(_in("permission", PERMISSIONS), name="permission"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(20), primary_key=True)

    account: Mapped[Account] = relationship(back_populates="permission_rows")


class Cycle(OrganisationOwned, Base):
    """One assessment round, conventionally a quarter such as 2026-Q4."""

    __tablename__ = "cycle"
    __table_args__ = (
        CheckConstraint(_in("status", _values(CycleStatus)), name="status"),
        CheckConstraint("closes >= opens", name="dates"),
    )

    # The same id (2026-Q4) exists in every organisation that runs that quarter.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    opens: Mapped[dt.date] = mapped_column(Date)
    closes: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=CycleStatus.DRAFT)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Completed training as recorded when the cycle closed: [e-mail, module, session start].
    # The training effect reads this, so later attendance edits cannot change it.
    training_at_close: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # The regimes that applied when the cycle opened (its forms leave out the others);
    # every regime when none had been set then; None for a cycle opened before version 0009.
    regimes: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    pinned: Mapped[list[CycleQuestionnaire]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", lazy="selectin"
    )

    def pinned_for(self, role: str) -> CycleQuestionnaire | None:
        return next((p for p in self.pinned if p.role == role), None)

    @property
    def takes_answers(self) -> bool:
        return self.status == CycleStatus.OPEN

    @property
    def is_frozen(self) -> bool:
        return self.status == CycleStatus.FROZEN


class CycleQuestionnaire(OrganisationOwned, Base):
    """The questionnaire version a cycle uses for one role, pinned when the cycle opens."""

    __tablename__ = "cycle_questionnaire"
    __table_args__ = (_cycle_key(),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(20))

    cycle: Mapped[Cycle] = relationship(back_populates="pinned")


class RegimeSetting(OrganisationOwned, Base):
    """Whether one regime applies to the company: the applicability profile, row by row."""

    __tablename__ = "regime_setting"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    regime_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    applies: Mapped[bool]
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Response(OrganisationOwned, Base):
    """One person's answers to their role's questionnaire in one cycle (one per person, cycle)."""

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("person_id", "cycle_id"),
        CheckConstraint(_in("status", _values(ResponseStatus)), name="status"),
        _cycle_key(),
        # Peer benchmarks read one cycle id across every organisation.
        Index("ix_response_cycle_id_organisation_id", "cycle_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    cycle_id: Mapped[str] = mapped_column(String(20))
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=ResponseStatus.DRAFT)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    scoring_version: Mapped[str | None] = mapped_column(String(10))
    last_page: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", lazy="selectin"
    )

    def answer_values(self) -> dict[str, object]:
        return {a.item_id: a.value for a in self.answers if a.value is not None}

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED


class Answer(OrganisationOwned, Base):
    """One item's answer, updated in place; ``version`` guards against lost updates."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"))
    item_id: Mapped[str] = mapped_column(String(80))
    value: Mapped[object | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    response: Mapped[Response] = relationship(back_populates="answers")

    __mapper_args__ = {"version_id_col": version}


class Invitation(OrganisationOwned, Base):
    """A personal link to one cycle's questionnaire; only the token's hash is stored."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("person_id", "cycle_id"), _cycle_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    cycle_id: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(default=0)

    person: Mapped[Person] = relationship()
    cycle: Mapped[Cycle] = relationship()


class InvitationToken(OrganisationOwned, Base):
    """The hash of one link sent for an invitation; reminders add links, old ones still work."""

    __tablename__ = "invitation_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    invitation: Mapped[Invitation] = relationship()


class Mail(OrganisationOwned, Base):
    """Every message the app sent or, in development, kept in the outbox instead of sending."""

    __tablename__ = "mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)  # kept only by the outbox backend
    status: Mapped[str] = mapped_column(String(10))  # outbox | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnswerStash(OrganisationOwned, Base):
    """Answers posted when the session or CSRF token had expired, kept until confirmed."""

    __tablename__ = "answer_stash"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(20))
    # The account whose session expired: kept answers are offered to that account only.
    account_id: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FactValue(OrganisationOwned, Base):
    """One entry of a fact for a cycle. Rows are never changed: a correction is a new row,
    so the history of who reported what, when and why is kept."""

    __tablename__ = "fact_value"
    __table_args__ = (
        UniqueConstraint("organisation_id", "cycle_id", "fact_id", "revision"),
        _cycle_key(),
        Index("ix_fact_value_cycle_id_organisation_id", "cycle_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(20))
    fact_id: Mapped[str] = mapped_column(String(80))
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[object] = mapped_column(JSON)  # category id, number, or ISO date
    category: Mapped[str] = mapped_column(String(40))  # the value mapped to a category
    as_of: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it changed after attestation
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Evidence beside the text reference: an http(s) link, and a file kept under EVIDENCE_DIR
    # named by its SHA-256 (the uploaded name is for display only).
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(120))
    attachment_size: Mapped[int | None] = mapped_column(Integer)

    entered_by: Mapped[Person] = relationship()


class FactAttestation(OrganisationOwned, Base):
    """A committee member's sign-off of the cycle's fact report as it stood at that moment."""

    __tablename__ = "fact_attestation"
    __table_args__ = (_cycle_key(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(20))
    last_value_id: Mapped[int] = mapped_column(Integer)  # newest fact_value row it covers
    attested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    attested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attested_by: Mapped[Person] = relationship()


class FactDelegation(OrganisationOwned, Base):
    """An administrator's delegation of one fact to a person outside its owner role."""

    __tablename__ = "fact_delegation"

    fact_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)

    person: Mapped[Person] = relationship()


class ReportSnapshot(OrganisationOwned, Base):
    """A frozen cycle's scores and reports exactly as computed; recomputing adds a version."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("organisation_id", "cycle_id", "version"), _cycle_key())

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    scoring_version: Mapped[str] = mapped_column(String(10))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TrainingSession(OrganisationOwned, Base):
    """A scheduled training session for one catalogue module."""

    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint(_in("status", _values(TrainingSessionStatus)), name="status"),
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("duration_minutes > 0", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)  # stable calendar UID
    module_id: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # stored in UTC
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Europe/Berlin
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(500))  # a place or a video link
    capacity: Mapped[int] = mapped_column(Integer)
    facilitator: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=TrainingSessionStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attendees: Mapped[list[TrainingAttendee]] = relationship(
        back_populates="training_session", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_scheduled(self) -> bool:
        return self.status == TrainingSessionStatus.SCHEDULED


class TrainingAttendee(OrganisationOwned, Base):
    """A person assigned to a training session, with attendance and completion."""

    __tablename__ = "session_attendee"  # the table's name predates the class's

    training_session_id: Mapped[int] = mapped_column(
        "session_id", ForeignKey("training_session.id"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    invited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attended: Mapped[bool | None] = mapped_column()
    completed: Mapped[bool] = mapped_column(default=False)
    # When attendance or completion was last recorded: the training effect counts only what
    # was recorded before the later cycle closed, so later edits cannot single anyone out.
    marked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    training_session: Mapped[TrainingSession] = relationship(back_populates="attendees")
    person: Mapped[Person] = relationship()


class AuditEntry(OrganisationOwned, Base):
    """One audit event. Entries are only ever added; each carries an HMAC over its content and
    the previous entry's hash, so an edited or deleted entry breaks the chain. Each
    organisation has its own chain, numbered from 1."""

    __tablename__ = "audit_entry"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(254))  # e-mail, or "anonymous" / "system"
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(64), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(OrganisationOwned, Base):
    """The newest entry's hash and the entry count of one organisation's chain: catches
    entries deleted from the end."""

    __tablename__ = "audit_head"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # HMAC over (count, last_hash): rolling the head back to an earlier entry needs the key.
    mac: Mapped[str | None] = mapped_column(String(64))


class ApiToken(OrganisationOwned, Base):
    """A bearer token acting with its account's permissions, in its account's organisation;
    only the hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship()
