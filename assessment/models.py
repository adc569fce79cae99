"""Typed SQLAlchemy 2.0 models."""

from __future__ import annotations

import datetime as dt
from typing import Final

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import Base

ROLES: Final = ("ceo", "cio", "it_manager", "hr", "legal")
ROLE_LABELS: Final = {
    "ceo": "CEO",
    "cio": "CIO",
    "it_manager": "IT manager",
    "hr": "HR executive",
    "legal": "Legal executive",
}
PERMISSIONS: Final = ("admin", "committee", "hr_coordinator", "fact_owner")
CYCLE_STATUSES: Final = ("draft", "open", "closed", "frozen")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Person(Base):
    """Someone in the organisation: an executive (with a role) or staff such as HR or admins."""

    __tablename__ = "person"
    __table_args__ = (CheckConstraint(f"role IS NULL OR {_in('role', ROLES)}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    account: Mapped[Account | None] = relationship(back_populates="person", uselist=False)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role or "", "")


class Account(UserMixin, Base):
    """Log-in credentials and permissions of a person."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
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


class AccountPermission(Base):
    """One granted permission; a table rather than flags so that grants can be audited."""

    __tablename__ = "account_permission"
    __table_args__ = (CheckConstraint(_in("permission", PERMISSIONS), name="permission"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(20), primary_key=True)

    account: Mapped[Account] = relationship(back_populates="permission_rows")


class Cycle(Base):
    """One assessment round, conventionally a quarter such as 2026-Q4."""

    __tablename__ = "cycle"
    __table_args__ = (
        CheckConstraint(_in("status", CYCLE_STATUSES), name="status"),
        CheckConstraint("closes >= opens", name="dates"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    opens: Mapped[dt.date] = mapped_column(Date)
    closes: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
