"""Every persona's journey in Chromium, with a screenshot of each main page and axe-core
accessibility checks (no serious or critical violation); pages also checked at 320 px."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.actions import invitations
from assessment.extensions import db
from assessment.models import AuditEntry, FactAttestation, TrainingAttendee
from assessment.tenancy import acting_for
from tests.e2e.helpers import SHOTS, check, open_cycle_id, sign_in

pytestmark = pytest.mark.browser


def test_executive_journey(browser, live_app, live_server, demo, context, new_context):
    from playwright.sync_api import expect

    cycle_id = open_cycle_id(live_app)
    with live_app.test_request_context(), acting_for(1):
        person = queries.find_person_by_email(db.session, "hr@example.com")
        cycle = queries.get_cycle(db.session, cycle_id)
        link = invitations.issue_link(queries.get_or_create_invitation(db.session, person, cycle))
        db.session.commit()
    page = context.new_page()
    page.goto(link)
    check(page, "executive-1-intro")
    page.get_by_role("button", name="Start").click()
    check(page, "executive-2-questions")
    total = int(re.search(r"of (\d+) ·", page.locator("#progress-text").inner_text()).group(1))
    for number in range(1, total + 1):
        if number == total // 2 + 1:  # leave half-way, come back with the link
            page.close()
            page = new_context().new_page()
            page.goto(link)
            page.get_by_role("link", name="Continue where you left off").click()
            expect(page.locator("#progress-text")).to_contain_text(f"Page {number} of")
        for fieldset in page.locator("fieldset[data-item]").all():
            if fieldset.locator("textarea").count():
                continue
            fieldset.locator("input[type=radio]").first.check()
            expect(fieldset.locator(".save-status")).to_have_text("Saved", timeout=10_000)
        page.get_by_role("button", name=re.compile("^Save and (continue|review)$")).click()
    check(page, "executive-3-review")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    check(page, "executive-4-results")


def test_fact_owner_files_and_committee_attests(
    browser, live_app, live_server, demo, context, new_context
):
    from playwright.sync_api import expect

    cycle_id = open_cycle_id(live_app)
    page = context.new_page()
    sign_in(page, live_server, "it@example.com", demo["it@example.com"])
    page.goto(f"{live_server}/facts/{cycle_id}")
    check(page, "fact-owner-1-report")
    page.goto(f"{live_server}/facts/{cycle_id}/mfa_remote_access")
    check(page, "fact-owner-2-entry")
    page.get_by_label("Yes, on every remote-access path").check() if page.get_by_label(
        re.compile("^Yes")
    ).count() == 0 else page.get_by_label(re.compile("^Yes")).first.check()
    page.get_by_label("Evidence reference").fill("Conditional-access export CA-2026-11")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved as")).to_be_visible()
    chair = new_context().new_page()
    sign_in(chair, live_server, "cio@example.com", demo["cio@example.com"])
    chair.goto(f"{live_server}/facts/{cycle_id}")
    chair.get_by_role("button", name="Attest the report as it stands").click()
    expect(chair.get_by_text("Fact report attested")).to_be_visible()
    with live_app.app_context():
        assert (
            db.session.scalar(select(FactAttestation).where(FactAttestation.cycle_id == cycle_id))
            is not None
        )


def test_committee_reads_gaps_compares_quarters_and_downloads_the_pack(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    with live_app.app_context():
        cycles = [c.id for c in queries.list_cycles(db.session)]
    page = context.new_page()
    sign_in(page, live_server, "ceo@example.com", demo["ceo@example.com"])
    page.goto(f"{live_server}/gaps/{cycles[1]}")
    expect(page.locator(".big-sentence")).to_contain_text("answered beliefs")
    chart = page.locator(".chart-and-table img").first
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(
        page.get_by_role("heading", name=f"Comments to the committee, {cycles[1]}")
    ).to_be_visible()
    check(page, "committee-1-gap-report")
    page.goto(f"{live_server}/committee/?from={cycles[2]}&to={cycles[1]}")
    # the view leads with what to act on, in plain words, for a team of one person per role
    expect(page.get_by_role("heading", name=f"What to act on, {cycles[1]}")).to_be_visible()
    expect(page.get_by_role("heading", name=f"What changed since {cycles[2]}")).to_be_visible()
    expect(page.locator("ol.actions li").first).to_be_visible()
    expect(page.locator("table.status-grid .level-chip").first).to_be_visible()
    expect(page.get_by_text("Wilcoxon")).to_have_count(0)
    # the comments written to the committee reach it, attributed
    expect(
        page.get_by_role("heading", name=f"Comments to the committee, {cycles[1]}")
    ).to_be_visible()
    expect(page.locator(".comment-list li").first).to_contain_text("Marcus Webb, CIO")
    # every chart is drawn (the images load) and keeps its data table
    for image in page.locator(".chart-and-table img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator(".chart-and-table table").count() == 3
    check(page, "committee-2-dashboard")
    page.goto(f"{live_server}/committee/")  # the default: the last two quarters with answers
    expect(page.get_by_role("heading", name=re.compile("^What to act on, "))).to_be_visible()
    check(page, "committee-3-default")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Committee pack")).click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_hr_plans_training_and_records_attendance(browser, live_app, live_server, demo, context):
    from playwright.sync_api import expect

    page = context.new_page()
    sign_in(page, live_server, "training@example.com", demo["training@example.com"])
    page.goto(f"{live_server}/training/")
    check(page, "hr-1-needs")
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Date").fill("2027-02-10")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Place or video link").fill("Board room")
    page.get_by_label("Facilitator").fill("Dana External")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session scheduled")).to_be_visible()
    check(page, "hr-2-session")
    with live_app.app_context():
        email = "ceo@example.com"
        person = queries.find_person_by_email(db.session, email)
        session = queries.list_training_sessions(db.session)[-1]
        queries.assign_attendees(db.session, session, [person])
        db.session.commit()
        person_id = person.id
    page.reload()
    page.get_by_label("Catherine Ng attended").check()
    page.get_by_label("Catherine Ng completed").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance and completion saved")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(
            select(TrainingAttendee.completed)
            .where(TrainingAttendee.person_id == person_id)
            .order_by(TrainingAttendee.training_session_id.desc())
        )


def test_admin_opens_a_cycle_sends_invitations_and_reads_the_audit_log(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    page = context.new_page()
    sign_in(page, live_server, "admin@example.com", demo["admin@example.com"])
    page.goto(f"{live_server}/admin/cycles")
    check(page, "admin-1-cycles")
    page.get_by_label("Cycle id").fill("2099-Q1")
    page.get_by_label("Opens").fill("2026-01-01")
    page.get_by_label("Closes").fill("2099-03-31")
    page.get_by_role("button", name="Create cycle").click()
    page.get_by_role("button", name=re.compile("^Open the cycle")).click()
    expect(page.get_by_text("is open; questionnaire versions are pinned")).to_be_visible()
    page.get_by_role("button", name="Send invitations to those not yet invited").click()
    expect(page.get_by_text(re.compile(r"\d+ invitations sent"))).to_be_visible()
    check(page, "admin-2-cycle")
    page.goto(f"{live_server}/admin/audit")
    expect(page.get_by_text("The audit chain is intact")).to_be_visible()
    check(page, "admin-3-audit")
    with live_app.app_context():
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitations_sent"))
            is not None
        )


def test_questionnaire_can_be_completed_with_the_keyboard_alone(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    page = context.new_page()
    sign_in(page, live_server, "hr@example.com", demo["hr@example.com"])
    page.goto(f"{live_server}/respond/{open_cycle_id(live_app)}")
    tab_to(page, "Start")
    page.keyboard.press("Enter")
    for _ in range(20):  # pages
        if page.get_by_role("heading", name="Review and submit").count():
            break
        page.locator("main").focus()
        for _ in range(400):  # Tab through the page, choosing the focused option of each group
            page.keyboard.press("Tab")
            state = page.evaluate("""() => {
                const e = document.activeElement;
                if (e.type === 'radio') {
                    const group = document.getElementsByName(e.name);
                    return [...group].some(r => r.checked) ? 'done' : 'radio';
                }
                return e.tagName === 'BUTTON' ? e.textContent.trim() : e.tagName;
            }""")
            if state == "radio":
                page.keyboard.press("Space")
            elif state.startswith("Save and continue") or state.startswith("Save and review"):
                page.keyboard.press("Enter")
                page.wait_for_load_state()
                break
    expect(page.get_by_text("Everything is answered")).to_be_visible()
    tab_to(page, "Submit my answers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()


def tab_to(page, label: str) -> None:
    """Press Tab until the button with this text has the focus, as a keyboard user would."""
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == label:
            return
    raise AssertionError(f"no button {label!r} reachable with Tab")


def test_every_other_page_passes_axe_and_fits_320px(
    browser, live_app, live_server, demo, context, new_context
):
    with live_app.app_context():
        cycles = [c.id for c in queries.list_cycles(db.session)]
        session_id = queries.list_training_sessions(db.session)[0].id
    pages = {
        "login": (None, "/login"),
        "home-executive": ("ceo@example.com", "/"),
        "password": ("ceo@example.com", "/account/password"),
        "results-past": ("ceo@example.com", f"/respond/{cycles[1]}/results"),
        "people": ("admin@example.com", "/admin/people"),
        "outbox": ("admin@example.com", "/admin/outbox"),
        "tokens": ("admin@example.com", "/admin/tokens"),
        "delegations": ("admin@example.com", "/facts/delegations"),
        "gap-index": ("ceo@example.com", "/gaps/"),
        "why": ("ceo@example.com", f"/committee/why?from={cycles[2]}&to={cycles[1]}"),
        "new-session": ("training@example.com", "/training/sessions/new"),
        "session": ("training@example.com", f"/training/sessions/{session_id}"),
        "not-found": ("ceo@example.com", "/no-such-page"),
        "no-such-cycle": ("ceo@example.com", "/gaps/2099-Q9"),
    }
    signed_in: dict[str | None, object] = {}
    for name, (email, path) in pages.items():
        if email not in signed_in:
            page = new_context().new_page()
            if email:
                sign_in(page, live_server, email, demo[email])
            signed_in[email] = page
        page = signed_in[email]
        page.goto(f"{live_server}{path}")
        check(page, f"page-{name}")


def test_results_read_on_a_phone_with_history_and_change(
    browser, live_app, live_server, demo, new_context
):
    """At 390 px every topic shows its score, level, bars and description without sideways
    scrolling; the home page links every earlier quarter's results."""
    with live_app.app_context():
        cycles = [c.id for c in queries.cycles_in_order(db.session)]
    phone = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        sign_in(page, live_server, "ceo@example.com", demo["ceo@example.com"])
        home = page.locator("ul.history").inner_text()
        for cycle_id in cycles[:-1]:  # every closed or frozen quarter
            assert cycle_id in home
        page.get_by_role("link", name=f"Your results for {cycles[-2]}").click()
        page.screenshot(path=str(SHOTS / "phone-results.png"), full_page=True)
        topics = page.locator("ul.topics > li")
        assert topics.count() == 9
        for k in range(topics.count()):
            box = topics.nth(k).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.locator("ul.topics table").count() == 0
        assert "since " + cycles[-3] in page.locator("ul.topics").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        said = page.locator("ul.beliefs").inner_text()
        assert "The fact report says" in said
    finally:
        phone.close()
