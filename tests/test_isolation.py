"""Isolation between organisations (issue 22), route by route and operation by operation.

With rich data in two organisations (``tests/isolation_data.py``), a member of one reaching for
the other's objects gets 404 and changes nothing of them; no page, file or JSON answer of one
shows anything of the other; ids and addresses of the other organisation named in forms and
bodies are treated as unknown. Every web route and every API operation is in a table below
saying how it is checked, and a test fails when a route or operation is added without a row.

Each check runs both ways: organisation 1 reaching into organisation 2, and 2 into 1.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from assessment import queries, sso, tenancy
from assessment.api.framework import OPERATIONS
from assessment.catalogue import catalogue
from assessment.extensions import Base, db
from assessment.models import Cycle, OrganisationOwned, Person
from assessment.web.auth import LAST_SEEN_KEY
from tests.conftest import add_user, log_in, make_app, reset_database
from tests.isolation_data import (
    CLOSED_CYCLE,
    DELEGATED_FACT,
    OPEN_CYCLE,
    SHARED_CYCLES,
    SHARED_FACT,
    OrgData,
    build_world,
    changed_tables,
    holdings,
    provider_of,
)
from tests.test_permissions_matrix import MATRIX

API = "/api/v1"
# The personas whose pages are read for the other organisation's marker (the permissions
# matrix says which routes each may use).
SCANNED = ("admin", "committee", "hr_coordinator", "fact_owner", "ceo")
TODAY = dt.date.today()


# --- how each route is checked ---------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """The address (path or query) names an object of the organisation: for the other
    organisation's object the answer is 404 and nothing of it changes; the same address used
    by the owner is not 404 (so the 404 is isolation, not a wrong address). Placeholders:
    {cycle} (the cycle only that organisation has), {person}, {session} (a training session),
    {fact} (the fact only that organisation reported, with a file)."""

    persona: str
    paths: tuple[str, ...]
    form: dict[str, Any] | None = None
    json: Any = None


@dataclass(frozen=True)
class Plain:
    """No object in the address: the answer (read by every persona allowed) shows nothing of
    the other organisation. {other_search} and {other_cycle} name the other's."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """Checked by ``check(world, own, other)``, which returns the problems found: forms and
    bodies naming the other organisation's objects, or acting on the signed-in organisation
    only (its settings, something new under an id or address the other organisation uses)."""

    check: Callable[[World, OrgData, OrgData], list[str]]


@dataclass(frozen=True)
class Identity:
    """Names no organisation: which membership an e-mail address stands for is the question."""

    why: str


@dataclass(frozen=True)
class Elsewhere:
    """A link that carries its own organisation; checked by the test named."""

    test: str


Case = Reach | Plain | Run | Identity | Elsewhere


@dataclass
class World:
    app: Flask
    orgs: list[OrgData]
    clients: dict[tuple[int, str], FlaskClient] = field(default_factory=dict)
    twins: int = 0

    def client(self, org: OrgData, persona: str) -> FlaskClient:
        """A browser signed in as the persona of the organisation (one per module)."""
        key = (org.id, persona)
        if key not in self.clients:
            self.clients[key] = self.fresh_client(org, persona)
        return self.clients[key]

    def fresh_client(self, org: OrgData, persona: str) -> FlaskClient:
        client = self.app.test_client()
        assert log_in(client, org.email(persona)).status_code == 302
        if marker_of_page(client.get("/")) != org.marker:  # a consultant, elsewhere
            assert (
                client.post("/organisations/switch", data={"organisation": org.id}).status_code
                == 302
            )
            assert marker_of_page(client.get("/")) == org.marker
        return client

    def api(self, org: OrgData, method: str, path: str, **kwargs: Any) -> TestResponse:
        client = self.app.test_client()
        headers = {"Authorization": f"Bearer {org.token}"}
        return client.open(API + path, method=method, headers=headers, **kwargs)

    def holdings(self, org: OrgData) -> dict[str, list[tuple[object, ...]]]:
        with self.app.app_context():
            return holdings(db.session, org.id)

    def twin(self) -> str:
        self.twins += 1
        return f"twin-{self.twins}"


# --- checks of forms and bodies (Run) --------------------------------------------------------


def _unchanged_other(
    world: World, other: OrgData, act: Callable[[], TestResponse], what: str
) -> tuple[TestResponse, list[str]]:
    """Do ``act``; the problems: the other organisation changed, a server error, the other's
    marker in the answer, or a row of one organisation pointing at another's."""
    before = world.holdings(other)
    response = act()
    problems = []
    if response.status_code >= 500:
        problems.append(f"{what}: {response.status_code}")
    if changed := changed_tables(before, world.holdings(other)):
        problems.append(f"{what}: changed the other organisation's {', '.join(changed)}")
    if shown := leaks(response, other):
        problems.append(f"{what}: shows the other organisation's {shown}")
    problems += [f"{what}: {p}" for p in cross_references(world)]
    return response, problems


def _expect(status: int, response: TestResponse, problems: list[str]) -> list[str]:
    """The problems, and one more when the request did not do its own work."""
    if response.status_code != status:
        problems = [*problems, f"{response.request.path}: {response.status_code}, not {status}"]
    return problems


def revoke_or_issue_token_of_other(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.fresh_client(own, "admin")  # no messages left from earlier requests
    problems = []
    for form in ({"revoke": other.token_id}, {"email": other.email("admin")}):
        response, found = _unchanged_other(
            world,
            other,
            lambda form=form: client.post("/admin/tokens", data=form, follow_redirects=True),
            str(form),
        )
        problems += found
        if "revoke" in form:
            nobody = client.post("/admin/tokens", data={"revoke": 999_999}, follow_redirects=True)
            if _flashes(response) != _flashes(nobody):
                problems.append(
                    "revoking another organisation's token answers unlike an unknown one"
                )
    # The other organisation's token still works.
    if world.api(other, "GET", "/organisation").status_code != 200:
        problems.append("the other organisation's token stopped working")
    return problems


def delegate_to_other(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "admin")
    problems = []
    for form in (
        {"fact_id": DELEGATED_FACT, "person_id": other.person_ids["committee"]},
        {"remove": f"{DELEGATED_FACT}:{other.person_ids['committee']}"},
        {"remove": f"{SHARED_FACT}:{other.person_ids['fact_owner']}"},
    ):
        problems += _unchanged_other(
            world,
            other,
            lambda form=form: client.post("/facts/delegations", data=form),
            f"delegations {form}",
        )[1]
    return problems


def assign_other_people(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.fresh_client(own, "hr_coordinator")  # no messages left from earlier
    path = f"/training/sessions/{own.training_session_id}/assign"
    problems = []
    for form in (
        {"person": [other.person_ids["ceo"]]},
        {"email": [other.email("cio")]},
        {"person": [own.person_ids["admin"], other.person_ids["legal"]]},
    ):
        response, found = _unchanged_other(
            world,
            other,
            lambda form=form: client.post(path, data=form, follow_redirects=True),
            f"assign {form}",
        )
        problems += found
        if "not known" not in _flashes(response):
            problems.append(f"assign {form}: not refused as unknown ({_flashes(response)!r})")
    return problems


def attendance_of_other_people(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "hr_coordinator")
    path = f"/training/sessions/{own.training_session_id}/attendance"
    ids = [other.person_ids[p] for p in ("ceo", "cio")]
    return _unchanged_other(
        world,
        other,
        lambda: client.post(path, data={"attended": ids, "completed": ids}),
        "attendance",
    )[1]


def switch_to_other(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "admin")
    response, problems = _unchanged_other(
        world,
        other,
        lambda: client.post("/organisations/switch", data={"organisation": other.id}),
        "switch",
    )
    if response.status_code != 404:
        problems.append(
            f"switching into an organisation without a membership: {response.status_code}"
        )
    if marker_of_page(client.get("/")) != own.marker:
        problems.append("the session left its organisation")
    return problems


def create_cycle_under_other_id(world: World, own: OrgData, other: OrgData) -> list[str]:
    """A cycle id the other organisation uses is free here: refusing it would tell."""
    twin = _twin_cycle(world, other)
    client = world.client(own, "admin")
    form = {"id": twin, "opens": TODAY.isoformat(), "closes": (TODAY + dt.timedelta(7)).isoformat()}
    response, problems = _unchanged_other(
        world, other, lambda: client.post("/admin/cycles", data=form), "create cycle"
    )
    if response.status_code != 302 or not _has_cycle(world, own, twin):
        problems.append(f"creating cycle {twin} (the other's id) failed: {response.status_code}")
    return problems


def add_person_under_other_address(world: World, own: OrgData, other: OrgData) -> list[str]:
    email = _twin_person(world, other)
    client = world.client(own, "admin")
    form = {"email": email, "name": "Twin Person", "role": ""}
    response, problems = _unchanged_other(
        world, other, lambda: client.post("/admin/people/new", data=form), "add person"
    )
    if response.status_code != 302 or not _has_person(world, own, email):
        problems.append(f"adding {email} (the other's address) failed: {response.status_code}")
    return problems


def import_other_address(world: World, own: OrgData, other: OrgData) -> list[str]:
    email = _twin_person(world, other)
    client = world.client(own, "admin")
    csv = f"email,name,role,permissions\n{email},Twin Imported,,\n".encode()
    preview, problems = _unchanged_other(
        world,
        other,
        lambda: client.post(
            "/admin/people/import",
            data={"file": (io.BytesIO(csv), "roster.csv")},
            content_type="multipart/form-data",
        ),
        "import preview",
    )
    form = {
        name: value
        for name, value in re.findall(r'name="(payload|token)"[^>]*value="([^"]*)"', preview.text)
    }
    if set(form) != {"payload", "token"}:
        return [*problems, f"no import preview ({preview.status_code})"]
    form = {k: html.unescape(v) for k, v in form.items()}
    response, found = _unchanged_other(
        world, other, lambda: client.post("/admin/people/import/confirm", data=form), "import"
    )
    problems += found
    if response.status_code != 302 or not _has_person(world, own, email):
        problems.append(f"importing {email} (the other's address) failed: {response.status_code}")
    return problems


def schedule_session(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "hr_coordinator")
    form = _session_form(module=_module_of(world, own))
    return _expect(
        302,
        *_unchanged_other(
            world, other, lambda: client.post("/training/sessions/new", data=form), "schedule"
        ),
    )


def set_regimes(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "admin")
    with world.app.app_context():
        first = next(iter(_catalogue_regimes()))
    return _expect(
        302,
        *_unchanged_other(
            world,
            other,
            lambda: client.post("/admin/regimes", data={"applies": [first]}),
            "regimes",
        ),
    )


def save_own_settings(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.client(own, "admin")
    form = {
        "name": f"{own.marker} Ltd",
        "industry": "Retail",
        "size": "100-999",
        "benchmark_opt_in": "y",
        "pack_marking": f"{own.marker} CONFIDENTIAL",
        "training_timezone": "",
    }
    response, problems = _unchanged_other(
        world, other, lambda: client.post("/admin/organisation", data=form), "settings"
    )
    if response.status_code != 302:
        problems.append(f"saving the settings: {response.status_code}")
    return problems


def save_own_provider(world: World, own: OrgData, other: OrgData) -> list[str]:
    """Saving, removing and setting again the organisation's single sign-on provider changes
    its own only; the other's is still the one a sign-in for it would use."""
    client = world.client(own, "admin")
    given = provider_of(own.spec, secret=f"{own.marker}-new-secret")
    form = {
        "issuer": given.issuer,
        "client_id": given.client_id,
        "client_secret": "",
        "label": f"{own.marker} sign-in",
        "sso_only": "y",
    }
    problems = []
    for what, data in (
        ("provider", form),
        ("provider removed", {"remove": "1"}),
        ("provider set again", {**form, "client_secret": given.client_secret, "sso_only": ""}),
    ):
        response, found = _unchanged_other(
            world,
            other,
            lambda data=data: client.post("/admin/organisation/sign-in", data=data),
            what,
        )
        problems += _expect(302, response, found)
    with world.app.test_request_context():
        for org in (own, other):
            settings = sso.provider_by_key(org.spec.slug)
            if settings is None or org.marker not in settings.client_id + settings.client_secret:
                problems.append(f"the provider of {org.spec.slug} is not its own: {settings}")
        if sso.sso_only_for(own.id) or not sso.organisation_provider(other.id):
            problems.append("the provider saved is not the one read back")
    return problems


def change_password_wrongly(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.fresh_client(own, "committee")
    form = {"current": "not the password", "new": "another long passphrase", "repeat": "x"}
    return _expect(  # the form again, with the reason
        200,
        *_unchanged_other(
            world, other, lambda: client.post("/account/password", data=form), "password"
        ),
    )


def log_out(world: World, own: OrgData, other: OrgData) -> list[str]:
    client = world.fresh_client(own, "committee")
    return _expect(302, *_unchanged_other(world, other, lambda: client.post("/logout"), "log out"))


def api_response_for_other_person(world: World, own: OrgData, other: OrgData) -> list[str]:
    body = {"email": other.email("hr"), "questionnaire": "hr", "answers": {}}
    response, problems = _unchanged_other(
        world,
        other,
        lambda: world.api(own, "POST", f"/cycles/{OPEN_CYCLE}/responses", json=body),
        "submit for the other's person",
    )
    nobody = world.api(
        own, "POST", f"/cycles/{OPEN_CYCLE}/responses", json={**body, "email": "no@example.com"}
    )
    if (response.status_code, response.json) != (nobody.status_code, nobody.json):
        problems.append(
            "a response for another organisation's person is answered unlike one for nobody: "
            f"{response.status_code} {response.json}"
        )
    return problems


def api_create_cycle_under_other_id(world: World, own: OrgData, other: OrgData) -> list[str]:
    twin = _twin_cycle(world, other)
    body = {"id": twin, "opens": TODAY.isoformat(), "closes": (TODAY + dt.timedelta(9)).isoformat()}
    response, problems = _unchanged_other(
        world, other, lambda: world.api(own, "POST", "/cycles", json=body), "API create cycle"
    )
    if response.status_code != 201 or not _has_cycle(world, own, twin):
        problems.append(f"API: creating {twin} (the other's id): {response.status_code}")
    return problems


def api_create_person_under_other_address(world: World, own: OrgData, other: OrgData) -> list[str]:
    email = _twin_person(world, other)
    body = {"email": email, "name": "Twin Api"}
    response, problems = _unchanged_other(
        world, other, lambda: world.api(own, "POST", "/people", json=body), "API create person"
    )
    if response.status_code != 201 or not _has_person(world, own, email):
        problems.append(f"API: creating {email} (the other's address): {response.status_code}")
    return problems


def api_put_regimes(world: World, own: OrgData, other: OrgData) -> list[str]:
    with world.app.app_context():
        regimes = list(_catalogue_regimes())
    body = {"applies": regimes[:2]}
    return _expect(
        200,
        *_unchanged_other(
            world, other, lambda: world.api(own, "PUT", "/regimes", json=body), "API regimes"
        ),
    )


def api_put_organisation(world: World, own: OrgData, other: OrgData) -> list[str]:
    body = {"size": "1000+", "industry": "Finance"}
    response, problems = _unchanged_other(
        world, other, lambda: world.api(own, "PUT", "/organisation", json=body), "API org"
    )
    if response.status_code != 200 or response.json["name"] != f"{own.marker} Ltd":
        problems.append(f"API: PUT /organisation: {response.status_code} {response.json}")
    return problems


# --- the tables --------------------------------------------------------------------------------

RESPOND = "ceo"  # an executive who answers in every cycle of their organisation
PLAN = {
    "module_id": "",
    "date": (TODAY + dt.timedelta(days=20)).isoformat(),
    "time": "09:30",
    "timezone": "UTC",
    "duration_minutes": "45",
    "location": "Moved",
    "capacity": "3",
    "facilitator": "Someone",
}

WEB: dict[tuple[str, str], tuple[Case, ...]] = {
    ("GET", "main.home"): (Plain(("/",)),),
    ("GET", "main.healthz"): (Plain(("/healthz",)),),
    ("GET", "auth.login"): (Plain(("/login",)),),
    ("POST", "auth.login"): (
        Identity("an address and a password choose the membership; every browser here signs in"),
    ),
    ("POST", "auth.logout"): (Run(log_out),),
    ("GET", "auth.change_password"): (Plain(("/account/password",)),),
    ("POST", "auth.change_password"): (Run(change_password_wrongly),),
    ("GET", "password_reset.forgot"): (Plain(("/forgot",)),),
    ("POST", "password_reset.forgot"): (
        Identity("anonymous, by address; answers alike for every address (test_password_reset)"),
    ),
    ("GET", "password_reset.sent"): (Plain(("/forgot/sent",)),),
    ("GET", "oidc.start"): (Plain(("/auth/oidc/start",)),),
    ("GET", "oidc.start_for"): (
        Identity("anonymous: the slug names the organisation's provider (tests/web/test_oidc.py)"),
    ),
    ("GET", "oidc.callback"): (
        Identity(
            "the provider's verified address chooses the membership, in the provider's "
            "organisation only (tests/web/test_oidc.py)"
        ),
    ),
    ("GET", "password_reset.reset"): (
        Elsewhere("test_another_organisations_password_link_shows_its_own_account_only"),
    ),
    ("POST", "password_reset.reset"): (
        Elsewhere("test_another_organisations_password_link_shows_its_own_account_only"),
    ),
    ("GET", "static"): (Plain(("/static/app.css",)),),
    ("GET", "respond.invitation"): (
        Elsewhere("test_another_organisations_invitation_link_opened_while_signed_in"),
    ),
    ("GET", "respond.intro"): (Reach(RESPOND, ("/respond/{cycle}",)),),
    ("POST", "respond.start"): (Reach(RESPOND, ("/respond/{cycle}/start",)),),
    ("GET", "respond.page"): (Reach(RESPOND, ("/respond/{cycle}/page/1",)),),
    ("POST", "respond.save_page"): (
        Reach(RESPOND, ("/respond/{cycle}/page/1",), form={"action": "next"}),
    ),
    ("POST", "respond.autosave"): (
        Reach(RESPOND, ("/respond/{cycle}/answer",), json={"item": "x", "value": 1}),
    ),
    ("POST", "respond.apply_stash"): (
        Reach(RESPOND, ("/respond/{cycle}/kept",), form={"action": "save"}),
    ),
    ("GET", "respond.review"): (Reach(RESPOND, ("/respond/{cycle}/review",)),),
    ("POST", "respond.submit"): (Reach(RESPOND, ("/respond/{cycle}/submit",)),),
    ("GET", "respond.results"): (Reach(RESPOND, ("/respond/{cycle}/results",)),),
    ("GET", "people.index"): (
        Plain(("/admin/people?status=all", "/admin/people?status=all&q={other_search}")),
    ),
    ("GET", "people.add"): (Plain(("/admin/people/new",)),),
    ("POST", "people.add"): (Run(add_person_under_other_address),),
    ("GET", "people.edit"): (Reach("admin", ("/admin/people/{person}",)),),
    ("POST", "people.edit"): (
        Reach(
            "admin",
            ("/admin/people/{person}",),
            form={"email": "changed@example.com", "name": "Changed", "role": "ceo"},
        ),
    ),
    ("GET", "people.deactivate"): (Reach("admin", ("/admin/people/{person}/deactivate",)),),
    ("POST", "people.deactivate"): (Reach("admin", ("/admin/people/{person}/deactivate",)),),
    ("GET", "people.reactivate"): (Reach("admin", ("/admin/people/{person}/reactivate",)),),
    ("POST", "people.reactivate"): (Reach("admin", ("/admin/people/{person}/reactivate",)),),
    ("POST", "people.send_link"): (Reach("admin", ("/admin/people/{person}/link",)),),
    ("GET", "people.import_roster"): (Plain(("/admin/people/import",)),),
    ("POST", "people.import_roster"): (Run(import_other_address),),
    ("POST", "people.confirm_import"): (Run(import_other_address),),
    ("GET", "admin.cycles"): (Plain(("/admin/cycles",)),),
    ("POST", "admin.cycles"): (Run(create_cycle_under_other_id),),
    ("GET", "admin.cycle"): (Reach("admin", ("/admin/cycles/{cycle}",)),),
    ("POST", "admin.change_status"): (
        Reach(
            "admin",
            ("/admin/cycles/{cycle}/status",),
            form={"action": "close", "confirmed": "yes"},
        ),
    ),
    ("POST", "admin.invite"): (
        Reach("admin", ("/admin/cycles/{cycle}/invitations",), form={"kind": "reminder"}),
    ),
    ("GET", "admin.outbox"): (Plain(("/admin/outbox",)),),
    ("GET", "admin.tokens"): (Plain(("/admin/tokens",)),),
    ("POST", "admin.tokens"): (Run(revoke_or_issue_token_of_other),),
    ("GET", "admin.audit_log"): (Plain(("/admin/audit",)),),
    ("GET", "facts.delegations"): (Plain(("/facts/delegations",)),),
    ("POST", "facts.delegations"): (Run(delegate_to_other),),
    ("GET", "measurement.regimes"): (Plain(("/admin/regimes",)),),
    ("POST", "measurement.regimes"): (Run(set_regimes),),
    ("GET", "organisations.settings"): (Plain(("/admin/organisation",)),),
    ("POST", "organisations.settings"): (Run(save_own_settings),),
    ("GET", "organisations.portfolio"): (Plain(("/organisations",)),),
    ("POST", "organisations.switch"): (Run(switch_to_other),),
    ("GET", "organisations.logo"): (Plain(("/organisation/logo",)),),
    ("GET", "sign_in_settings.settings"): (Plain(("/admin/organisation/sign-in",)),),
    ("POST", "sign_in_settings.settings"): (Run(save_own_provider),),
    # Cycles the organisation lacks are left out of the analysis, not refused.
    ("GET", "measurement.items"): (
        Plain(("/measurement/items", "/measurement/items?cycle={other_cycle}&cycle=2026-Q3")),
    ),
    ("GET", "committee.dashboard"): (
        Plain(("/committee/",)),
        Reach("committee", ("/committee/?to={cycle}", "/committee/?from={cycle}&to=2026-Q3")),
    ),
    ("GET", "committee.chart"): (
        Plain(tuple(f"/committee/chart/{k}.svg" for k in ("roles", "domains", "optimism"))),
    ),
    ("GET", "committee.why"): (
        Reach(
            "committee",
            ("/committee/why?from={cycle}&to=2026-Q4", "/committee/why?from=2026-Q3&to={cycle}"),
        ),
    ),
    ("GET", "committee.pack"): (Reach("committee", ("/committee/pack/{cycle}.pdf",)),),
    ("GET", "gaps.index"): (Plain(("/gaps/",)),),
    ("GET", "gaps.report"): (Reach("committee", ("/gaps/{cycle}",)),),
    ("GET", "gaps.chart"): (Reach("committee", ("/gaps/{cycle}/chart.svg",)),),
    ("GET", "gaps.export"): (
        Reach("committee", tuple(f"/gaps/{{cycle}}/export.{f}" for f in ("json", "csv", "xlsx"))),
    ),
    ("GET", "facts.index"): (Plain(("/facts/",)),),
    ("GET", "facts.report"): (Reach("committee", ("/facts/{cycle}",)),),
    ("GET", "facts.enter"): (Reach("admin", (f"/facts/{{cycle}}/{SHARED_FACT}",)),),
    ("POST", "facts.enter"): (
        Reach(
            "admin",
            (f"/facts/{{cycle}}/{SHARED_FACT}",),
            form={"category": "no", "as_of": TODAY.isoformat(), "evidence": "Changed"},
        ),
    ),
    ("GET", "facts.evidence"): (
        Reach("admin", ("/facts/{cycle}/{fact}/evidence/1", "/facts/2026-Q3/{fact}/evidence/1")),
    ),
    ("POST", "facts.attest"): (Reach("committee", ("/facts/{cycle}/attest",)),),
    ("GET", "training.index"): (
        Plain(("/training/",)),
        Reach("hr_coordinator", ("/training/?cycle={cycle}",)),
    ),
    ("GET", "training.needs_csv"): (
        Plain(("/training/needs.csv",)),
        Reach("hr_coordinator", ("/training/needs.csv?cycle={cycle}",)),
    ),
    ("GET", "training.sessions_ics"): (Plain(("/training/sessions.ics",)),),
    ("GET", "training.schedule"): (Plain(("/training/sessions/new",)),),
    ("POST", "training.schedule"): (Run(schedule_session),),
    ("GET", "training.training_session"): (
        Reach("hr_coordinator", ("/training/sessions/{session}",)),
    ),
    ("POST", "training.assign"): (
        Reach("hr_coordinator", ("/training/sessions/{session}/assign",), form={"whole_team": "1"}),
        Run(assign_other_people),
    ),
    ("POST", "training.invite"): (
        Reach("hr_coordinator", ("/training/sessions/{session}/invite",)),
    ),
    ("GET", "training.edit"): (Reach("hr_coordinator", ("/training/sessions/{session}/edit",)),),
    ("POST", "training.edit"): (
        Reach("hr_coordinator", ("/training/sessions/{session}/edit",), form=PLAN),
    ),
    ("POST", "training.attendance"): (
        Reach(
            "hr_coordinator", ("/training/sessions/{session}/attendance",), form={"attended": "1"}
        ),
        Run(attendance_of_other_people),
    ),
    ("GET", "training.cancel"): (
        Reach("hr_coordinator", ("/training/sessions/{session}/cancel",)),
    ),
    ("POST", "training.cancel"): (
        Reach("hr_coordinator", ("/training/sessions/{session}/cancel",)),
    ),
}

# API operations, by method and OpenAPI path; the persona is always the token's administrator
# (an administrator may call every operation).
API_OPERATIONS: dict[tuple[str, str], tuple[Case, ...]] = {
    ("GET", "/openapi.json"): (Plain(("/openapi.json",)),),
    ("GET", "/questionnaires"): (Plain(("/questionnaires",)),),
    # Questionnaires are content shared by every organisation, not owned by one.
    ("GET", "/questionnaires/{questionnaire}"): (Plain(("/questionnaires/ceo",)),),
    ("GET", "/facts"): (Plain(("/facts",)),),
    ("GET", "/cycles"): (Plain(("/cycles",)),),
    ("POST", "/cycles"): (Run(api_create_cycle_under_other_id),),
    ("PATCH", "/cycles/{cycle}"): (
        Reach("admin", ("/cycles/{cycle}",), json={"status": "closed"}),
    ),
    ("POST", "/cycles/{cycle}/responses"): (
        Reach(
            "admin",
            ("/cycles/{cycle}/responses",),
            json={"email": "ceo@example.com", "questionnaire": "ceo", "answers": {}},
        ),
        Run(api_response_for_other_person),
    ),
    ("PUT", "/cycles/{cycle}/facts"): (
        Reach("admin", ("/cycles/{cycle}/facts",), json={"facts": {SHARED_FACT: "no"}}),
    ),
    ("GET", "/regimes"): (Plain(("/regimes",)),),
    ("PUT", "/regimes"): (Run(api_put_regimes),),
    ("GET", "/cycles/{cycle}/forms"): (Reach("admin", ("/cycles/{cycle}/forms",)),),
    ("GET", "/item-analysis"): (
        Reach("admin", ("/item-analysis?cycles={cycle}", "/item-analysis?cycles=2026-Q3,{cycle}")),
    ),
    ("GET", "/organisation"): (Plain(("/organisation",)),),
    ("PUT", "/organisation"): (Run(api_put_organisation),),
    ("GET", "/cycles/{cycle}/benchmark"): (Reach("admin", ("/cycles/{cycle}/benchmark",)),),
    ("GET", "/people"): (Plain(("/people",)),),
    ("POST", "/people"): (Run(api_create_person_under_other_address),),
    ("GET", "/cycles/{cycle}/scores"): (Reach("admin", ("/cycles/{cycle}/scores",)),),
    ("GET", "/cycles/{cycle}/gaps"): (Reach("admin", ("/cycles/{cycle}/gaps",)),),
    ("GET", "/cycles/{cycle}/comments"): (Reach("admin", ("/cycles/{cycle}/comments",)),),
    ("GET", "/trends"): (
        Reach("admin", ("/trends?from=2026-Q3&to={cycle}", "/trends?from={cycle}&to=2026-Q4")),
    ),
    ("GET", "/cycles/{cycle}/training-needs"): (
        Reach("admin", ("/cycles/{cycle}/training-needs",)),
    ),
}


# --- the world -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Built once: the checks read, and what they write stays in the writing organisation
    under names of its own."""
    app = make_app(tmp_path_factory.mktemp("isolation"))
    with app.app_context():
        reset_database()
        db.create_all()
        queries.ensure_default_organisation(db.session)
        db.session.commit()
    yield World(app, build_world(app))
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()


DIRECTIONS = pytest.mark.parametrize("way", [(0, 1), (1, 0)], ids=["org1-to-org2", "org2-to-org1"])


def parties(world: World, way: tuple[int, int]) -> tuple[OrgData, OrgData]:
    return world.orgs[way[0]], world.orgs[way[1]]


# --- helpers ---------------------------------------------------------------------------------


def text_of(response: TestResponse) -> str:
    """What a person would read in the answer: PDFs and spreadsheets opened up."""
    data = response.get_data()
    response.close()
    parts = [data.decode("utf-8", "replace")]
    if data.startswith(b"%PDF") and b"/Page" in data:  # not the tiny evidence files
        parts += [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts += [package.read(name).decode("utf-8", "replace") for name in package.namelist()]
    return "\n".join(parts)


def leaks(response: TestResponse, other: OrgData, allowed: tuple[str, ...] = ()) -> str:
    """The other organisation's marker in the answer (case-insensitive), with some context."""
    body = text_of(response)
    for text_allowed in allowed:
        body = body.replace(text_allowed, "")
    found = body.lower().find(other.marker.lower())
    return "" if found < 0 else repr(body[max(0, found - 80) : found + 40])


def marker_of_page(response: TestResponse) -> str:
    found = re.search(r"[A-Z]+-ORG\d-MARKER", response.get_data(as_text=True))
    return found.group(0) if found else ""


def _flashes(response: TestResponse) -> str:
    """The next page's messages (the client follows the redirect)."""
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', response.text, re.S))


def fill(template: str, org: OrgData, other: OrgData, cycle: str | None = None) -> str:
    return template.format(
        cycle=cycle or org.only_cycle,
        person=org.person_ids["ceo"],
        session=org.training_session_id,
        fact=org.attached_fact,
        # Part of the other's marker: the search box shows what was searched for.
        other_search=other.marker.lower().split("-", 1)[1],
        other_cycle=other.only_cycle,
    )


def single_keys() -> list[tuple[str, str, str, str]]:
    """(table, column, referred table, referred column) of every single-column foreign key
    from one organisation's row to another owned row (composite cycle keys, which include the
    organisation, are enforced by the database itself)."""
    found = []
    for mapper in Base.registry.mappers:
        if not issubclass(mapper.class_, OrganisationOwned):
            continue
        table = mapper.local_table
        for key in table.foreign_keys:  # type: ignore[attr-defined]
            target = key.column.table
            if "organisation_id" in target.c and len(key.constraint.columns) == 1:
                found.append((table.name, key.parent.name, target.name, key.column.name))
    return sorted(found)


def cross_references(world: World) -> list[str]:
    """Rows pointing at a row of another organisation."""
    problems = []
    with world.app.app_context():
        connection = db.session.connection()
        for table, column, target, target_column in single_keys():
            count = connection.execute(
                text(
                    f"SELECT count(*) FROM {table} s JOIN {target} t "  # noqa: S608
                    f"ON s.{column} = t.{target_column} "
                    "WHERE s.organisation_id <> t.organisation_id"
                )
            ).scalar_one()
            if count:
                problems.append(f"{count} {table}.{column} of another organisation")
    return problems


def _twin_cycle(world: World, other: OrgData) -> str:
    """A new cycle in the other organisation, whose id the test then uses in its own."""
    name = world.twin()
    with world.app.app_context(), tenancy.acting_for(other.id):
        queries.create_cycle(db.session, name, TODAY, TODAY + dt.timedelta(days=5))
        db.session.commit()
    return name


def _twin_person(world: World, other: OrgData) -> str:
    email = f"{world.twin()}@example.com"
    with tenancy.acting_for(other.id):
        add_user(world.app, email, name="Twin In Other")
    return email


def _has_cycle(world: World, org: OrgData, cycle_id: str) -> bool:
    with world.app.app_context(), tenancy.acting_for(org.id):
        return db.session.scalar(select(Cycle).where(Cycle.id == cycle_id)) is not None


def _has_person(world: World, org: OrgData, email: str) -> bool:
    with world.app.app_context(), tenancy.acting_for(org.id):
        return db.session.scalar(select(Person).where(Person.email == email)) is not None


def _catalogue_regimes() -> list[str]:
    return list(catalogue().regimes)


def _module_of(world: World, org: OrgData) -> str:
    with world.app.app_context(), tenancy.acting_for(org.id):
        training = queries.get_training_session(db.session, org.training_session_id)
        assert training is not None
        return training.module_id


def _session_form(module: str) -> dict[str, str]:
    return {**PLAN, "module_id": module}


def _request(
    world: World, org: OrgData, persona: str, method: str, path: str, case: Reach, api: bool
) -> TestResponse:
    if api:
        return world.api(org, method, path, json=case.json)
    client = world.client(org, persona)
    if case.json is not None:
        return client.open(path, method=method, json=case.json)
    return client.open(path, method=method, data=case.form if method != "GET" else None)


# --- every route and operation is in a table -----------------------------------------------------


def test_every_web_route_and_api_operation_has_a_row(world):
    routes = {
        (method, rule.endpoint)
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if not rule.endpoint.startswith("api.")
    }
    assert routes == set(WEB), (
        f"routes without a row: {sorted(routes - set(WEB))}; "
        f"rows without a route: {sorted(set(WEB) - routes)}"
    )
    operations = {(o.method, o.path) for o in OPERATIONS}
    assert operations == set(API_OPERATIONS), (
        f"operations without a row: {sorted(operations - set(API_OPERATIONS))}; "
        f"rows without an operation: {sorted(set(API_OPERATIONS) - operations)}"
    )
    api_rules = {
        (method, rule.rule)
        for rule in world.app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert api_rules == {
        (method, API + re.sub(r"\{(\w+)\}", r"<\1>", path)) for method, path in API_OPERATIONS
    }
    for table in (WEB, API_OPERATIONS):
        for key, cases in table.items():
            assert cases, key
            for case in cases:
                if isinstance(case, Elsewhere):
                    assert case.test in globals(), f"{key}: no test {case.test}"
                if isinstance(case, Reach | Plain):
                    assert key[0] == "GET" or isinstance(case, Reach), key


def test_both_organisations_hold_the_same_kinds_of_data(world):
    """The checks mean something only if what they look for is there, in both."""
    first, second = (world.holdings(org) for org in world.orgs)
    for name in first:
        if name in ("answer_stash", "organisation"):
            continue
        assert first[name] and second[name], f"{name} is empty in one organisation"
    for org in world.orgs:
        for cycle in (*SHARED_CYCLES, org.only_cycle):
            assert _has_cycle(world, org, cycle)
        other = next(o for o in world.orgs if o is not org)
        assert not _has_cycle(world, org, other.only_cycle)
    # People, accounts, responses, answers, invitations, training sessions… are referred to
    # by id alone: the check of rows pointing across organisations has them all to look at.
    referred = {target for _, _, target, _ in single_keys()}
    assert {"person", "account", "response", "invitation", "training_session"} <= referred
    assert not cross_references(world)


# --- reaching for the other organisation's objects ------------------------------------------------


def _reach(
    world: World, own: OrgData, other: OrgData, table, api: bool, persona: str | None = None
) -> list[str]:
    """Every Reach row of the table, as its persona (or ``persona`` instead, for the rows of
    personas without a role of their own)."""
    problems = []
    for (method, endpoint), cases in table.items():
        for case in cases:
            if not isinstance(case, Reach):
                continue
            if persona is not None:
                if case.persona == RESPOND:
                    continue
                case = replace(case, persona=persona)
            for template in case.paths:
                path = fill(template, other, own)
                what = f"{method} {path} ({endpoint}, {case.persona} of {own.marker})"
                before = world.holdings(other)
                response = _request(world, own, case.persona, method, path, case, api)
                shown = leaks(response, other)
                if response.status_code != 404:
                    problems.append(f"{what}: {response.status_code}, not 404")
                elif api and response.mimetype != "application/problem+json":
                    problems.append(f"{what}: 404 as {response.mimetype}")
                if shown:
                    problems.append(f"{what}: shows {shown}")
                if changed := changed_tables(before, world.holdings(other)):
                    problems.append(f"{what}: changed the other's {', '.join(changed)}")
                if method == "GET":  # the same address is the owner's way in
                    owner = _request(world, other, case.persona, method, path, case, api)
                    text_of(owner)
                    if owner.status_code == 404 or owner.status_code >= 500:
                        problems.append(f"{what}: the owner gets {owner.status_code} there")
    return problems + cross_references(world)


@DIRECTIONS
def test_web_routes_answer_404_for_the_other_organisations_objects(world, way):
    own, other = parties(world, way)
    problems = _reach(world, own, other, WEB, api=False)
    assert not problems, "\n".join(problems)


@DIRECTIONS
def test_api_operations_answer_404_for_the_other_organisations_objects(world, way):
    """Also: a token of organisation 2 used on organisation 1's objects (the second way)."""
    own, other = parties(world, way)
    problems = _reach(world, own, other, API_OPERATIONS, api=True)
    assert not problems, "\n".join(problems)


@DIRECTIONS
def test_forms_and_bodies_naming_the_other_organisation_change_nothing_of_it(world, way):
    own, other = parties(world, way)
    problems: list[str] = []
    done = set()
    for table in (WEB, API_OPERATIONS):
        for cases in table.values():
            for case in cases:
                if isinstance(case, Run) and case.check not in done:
                    done.add(case.check)
                    problems += case.check(world, own, other)
    assert not problems, "\n".join(problems)


# --- nothing of the other organisation on any page -------------------------------------------


def _allowed(endpoint: str, persona: str) -> bool:
    return MATRIX[("GET", endpoint)][persona] in ("yes", "public", "kept")


def _scanned_paths(case: Case, own: OrgData, other: OrgData) -> list[str]:
    if isinstance(case, Plain):
        return [fill(p, own, other) for p in case.paths]
    if isinstance(case, Reach):
        cycles = (*SHARED_CYCLES, own.only_cycle)
        return list(dict.fromkeys(fill(p, own, other, c) for p in case.paths for c in cycles))
    return []


@DIRECTIONS
def test_no_page_shows_anything_of_the_other_organisation(world, way):
    """Every GET route, read by every persona it is open to, with this organisation's own
    objects and the cycle ids both organisations use."""
    own, other = parties(world, way)
    problems, read, own_shown = [], 0, 0
    for (method, endpoint), cases in WEB.items():
        if method != "GET":
            continue
        for case in cases:
            for path in _scanned_paths(case, own, other):
                for persona in SCANNED:
                    if not _allowed(endpoint, persona):
                        continue
                    response = world.client(own, persona).get(path)
                    read += 1
                    if response.status_code >= 500:
                        problems.append(f"GET {path} as {persona}: {response.status_code}")
                    if shown := leaks(response, other):
                        problems.append(f"GET {path} as {persona}: {shown}")
                    own_shown += bool(leaks(response, own))
    # The pages were read with data on them: most show the organisation's own marker.
    assert read > 200 and own_shown > read / 2, (read, own_shown)
    assert not problems, "\n".join(problems)


@DIRECTIONS
def test_no_api_answer_shows_anything_of_the_other_organisation(world, way):
    own, other = parties(world, way)
    problems, read, own_shown = [], 0, 0
    for (method, _), cases in API_OPERATIONS.items():
        if method != "GET":
            continue
        for case in cases:
            for address in _scanned_paths(case, own, other):
                response = world.api(own, "GET", address)
                read += 1
                if response.status_code >= 500:
                    problems.append(f"GET {address}: {response.status_code}")
                if shown := leaks(response, other):
                    problems.append(f"GET {address}: {shown}")
                own_shown += bool(leaks(response, own))
    assert read > 30 and own_shown > 5, (read, own_shown)
    assert not problems, "\n".join(problems)


@DIRECTIONS
def test_figures_of_a_shared_cycle_count_only_the_organisations_own_people(world, way):
    """Markers cannot show a count that took the other's answers in: the figures must."""
    own, other = parties(world, way)
    executives = {own.email(p) for p in ("ceo", "cio", "fact_owner", "hr", "legal")}
    scores = world.api(own, "GET", f"/cycles/{CLOSED_CYCLE}/scores").json
    assert {s["email"] for s in scores["scores"]} == executives
    comments = world.api(own, "GET", f"/cycles/{CLOSED_CYCLE}/comments").json
    assert comments["comments"] and all(own.marker in c["text"] for c in comments["comments"])
    analysis = world.api(own, "GET", f"/item-analysis?cycles={CLOSED_CYCLE}").json
    assert analysis["items"] and max(i["n"] for i in analysis["items"]) == 1  # one per role
    needs = world.api(own, "GET", f"/cycles/{CLOSED_CYCLE}/training-needs").json["needs"]
    assert {n["email"] for n in needs} <= executives
    people = world.api(own, "GET", "/people?per_page=500").json
    assert all(other.marker.lower() not in p["email"] for p in people["people"])


# --- links that carry their organisation -----------------------------------------------------


@DIRECTIONS
def test_another_organisations_invitation_link_opened_while_signed_in(world, way):
    """The browser stays in its own organisation as its own person; the page names neither
    the link's person nor anything else of theirs; their organisation's log records who
    opened it, and nothing else of theirs changes."""
    own, other = parties(world, way)
    client = world.fresh_client(own, "admin")
    for link, status in ((other.open_link, 409), (other.closed_link, 410)):
        before = world.holdings(other)
        response = client.get(link)
        assert response.status_code == status, link
        assert not leaks(response, other)
        after = world.holdings(other)
        assert set(changed_tables(before, after)) <= {"audit_entry", "audit_head"}
        assert marker_of_page(client.get("/")) == own.marker
        assert client.get("/admin/people").status_code == 200  # not narrowed to a link's scope
    assert not cross_references(world)


@DIRECTIONS
def test_another_organisations_password_link_shows_its_own_account_only(world, way):
    """A password link is for whoever holds the mail: it shows its own address (and nothing
    else of its organisation) in a browser signed in elsewhere, and changes nothing there
    until used."""
    own, other = parties(world, way)
    client = world.fresh_client(own, "committee")
    before = world.holdings(other)
    response = client.get(other.reset_link)
    assert response.status_code == 200
    assert not leaks(response, other, allowed=(other.email("admin"),))
    assert changed_tables(before, world.holdings(other)) == []
    refused = client.post(other.reset_link, data={"new": "short", "repeat": "short"})
    assert refused.status_code == 200 and not leaks(refused, other, allowed=(other.email("admin"),))
    assert changed_tables(before, world.holdings(other)) == []
    assert marker_of_page(client.get("/")) == own.marker


@DIRECTIONS
def test_an_administrator_cannot_switch_into_an_organisation_without_a_membership(world, way):
    own, other = parties(world, way)
    client = world.fresh_client(own, "admin")
    before = world.holdings(other)
    assert client.post("/organisations/switch", data={"organisation": other.id}).status_code == 404
    assert client.post("/organisations/switch", data={"organisation": 999}).status_code == 404
    assert changed_tables(before, world.holdings(other)) == []
    assert marker_of_page(client.get("/")) == own.marker
    assert other.marker not in client.get("/organisations").text


@DIRECTIONS
def test_a_token_acts_in_its_own_organisation_only(world, way):
    own, other = parties(world, way)
    for path in (
        f"/cycles/{other.only_cycle}/scores",
        f"/cycles/{other.only_cycle}/forms",
        f"/trends?from={CLOSED_CYCLE}&to={other.only_cycle}",
    ):
        response = world.api(own, "GET", path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
    organisation = world.api(own, "GET", "/organisation").json
    assert organisation["name"] == f"{own.marker} Ltd"
    cycles = {c["id"] for c in world.api(own, "GET", "/cycles?per_page=500").json["cycles"]}
    assert own.only_cycle in cycles and other.only_cycle not in cycles


@DIRECTIONS
def test_a_browser_timed_out_in_one_organisation_follows_the_others_links(world, way):
    """The session of a browser that timed out still remembers its organisation (answers
    posted after the time-out are kept there); a link of the other organisation opened next
    acts in the link's organisation, and nothing of it lands in the remembered one."""
    own, other = parties(world, way)
    browser = timed_out(world, own)
    own_before, other_before = world.holdings(own), world.holdings(other)
    opened = browser.get(other.spare_link)
    assert opened.status_code == 302, opened.status_code
    assert opened.headers["Location"] == f"/respond/{OPEN_CYCLE}"
    intro = browser.get(f"/respond/{OPEN_CYCLE}")
    assert intro.status_code == 200 and not leaks(intro, own)
    assert changed_tables(own_before, world.holdings(own)) == []
    changed = changed_tables(other_before, world.holdings(other))
    assert set(changed) <= {"audit_entry", "audit_head", "invitation", "account"}, changed

    browser = timed_out(world, own)
    own_before = world.holdings(own)
    assert browser.get(other.spare_reset_link).status_code == 200
    new = "a brand new and long passphrase"
    reset = browser.post(other.spare_reset_link, data={"new": new, "repeat": new})
    assert reset.status_code == 302 and reset.headers["Location"] == "/login"
    assert changed_tables(own_before, world.holdings(own)) == []
    assert not cross_references(world)


def timed_out(world: World, org: OrgData) -> FlaskClient:
    """A browser whose session in the organisation ended for lack of activity."""
    browser = world.fresh_client(org, "committee")
    with browser.session_transaction() as session:
        session[LAST_SEEN_KEY] = 0
    assert browser.get("/").headers["Location"].startswith("/login")
    return browser


@DIRECTIONS
def test_a_consultant_reaches_the_other_organisation_only_by_switching(world, way):
    """A member of both, working in one, gets 404 for the other's objects like anyone else
    (the same addresses work once switched: the owner's side of every check)."""
    own, other = parties(world, way)
    problems = _reach(world, own, other, WEB, api=False, persona="consultant")
    assert not problems, "\n".join(problems)
