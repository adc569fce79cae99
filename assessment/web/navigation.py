"""The navigation shown in base.html: only what the signed-in person may use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request
from flask_login import current_user


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    permissions: tuple[str, ...] = ()  # empty: any signed-in person


NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("main.home", "Home"),
    NavLink("committee.dashboard", "Committee", ("admin", "committee")),
    NavLink("gaps.index", "Gap reports", ("admin", "committee")),
    NavLink("training.index", "Training", ("admin", "hr_coordinator")),
    NavLink("facts.index", "Fact reports", ("admin", "committee", "fact_owner")),
    NavLink("measurement.items", "Item analysis", ("admin", "committee")),
    NavLink("admin.cycles", "Cycles", ("admin",)),
    NavLink("measurement.regimes", "Regimes", ("admin",)),
    NavLink("people.index", "People", ("admin",)),
    NavLink("admin.outbox", "Outbox", ("admin",)),
    NavLink("admin.audit_log", "Audit", ("admin",)),
    NavLink("admin.tokens", "API tokens", ("admin",)),
    NavLink("organisations.settings", "Organisation", ("admin",)),
)


def visible_links() -> list[NavLink]:
    """The links the current account may follow, in menu order."""
    user = current_user._get_current_object()  # once, not through the proxy for every link
    if not user.is_authenticated:
        return []
    return [
        link
        for link in NAV_LINKS
        if not link.permissions or any(user.has_permission(p) for p in link.permissions)
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict[str, object]:
        return {"nav_links": visible_links(), "current_endpoint": request.endpoint}
