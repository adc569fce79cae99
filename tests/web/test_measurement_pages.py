"""Measurement pages: the applicability profile, item analysis, and results with precision."""

from __future__ import annotations

import datetime as dt
import re
import shutil

from sqlalchemy import select

from assessment import ROOT, actions, queries
from assessment.actions import Actor
from assessment.actions.cycles import Transition
from assessment.extensions import db
from assessment.models import AuditEntry
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)
from tests.fixtures.bad_inputs import CORPUS

CATALOGUE = shipped_catalogue()


def client_for(app, email: str, **options):
    add_user(app, email, **options)
    client = app.test_client()
    log_in(client, email)
    return client


def checked(html: str) -> set[str]:
    return set(re.findall(r'<input[^>]*checked[^>]*value="([^"]+)"', html)) | set(
        re.findall(r'<input[^>]*value="([^"]+)"[^>]*checked', html)
    )


def test_admin_sets_the_profile_and_the_next_cycle_leaves_out_the_rest(app):
    admin = client_for(app, "admin@example.com", permissions=("admin",))
    page = admin.get("/admin/regimes").get_data(as_text=True)
    assert "has not been set yet" in page and checked(page) == set(CATALOGUE.regimes)
    for regime in CATALOGUE.regimes.values():
        assert regime.name in page
    saved = admin.post("/admin/regimes", data={"applies": ["gdpr", "uk_gdpr"]})
    assert saved.status_code == 302
    page = admin.get("/admin/regimes").get_data(as_text=True)
    assert "Profile saved" in page and "has not been set yet" not in page
    assert checked(page) == {"gdpr", "uk_gdpr"}
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "regimes_set")
        ).one()
        assert (entry.actor, entry.details["applies"]) == ("admin@example.com", ["gdpr", "uk_gdpr"])
        # a cycle opened now pins forms without the HIPAA, SEC, NIS2, PCI and US state items
        admin_actor = Actor.of_account(
            queries.find_person_by_email(db.session, "admin@example.com").account
        )
        cycle = actions.cycles.create_cycle(
            admin_actor, "2026-Q4", dt.date.today(), dt.date.today() + dt.timedelta(days=30)
        )
        actions.cycles.change_status(admin_actor, cycle, Transition.OPEN)
        db.session.commit()
        assert cycle.regimes == ["gdpr", "uk_gdpr"]
        legal = cycle.pinned_for("legal")
        form = CATALOGUE.get(legal.questionnaire_id, legal.version)
        assert all(not i.regimes or set(i.regimes) & {"gdpr", "uk_gdpr"} for i in form.items)
        assert len(form.items) < len(CATALOGUE.current_form("legal").items)


def test_profile_page_refuses_unknown_and_hostile_values_and_keeps_the_profile(app):
    admin = client_for(app, "admin@example.com", permissions=("admin",))
    admin.post("/admin/regimes", data={"applies": ["hipaa"]})
    for value in ["atlantis", *CORPUS[:8]]:
        response = admin.post("/admin/regimes", data={"applies": ["sec", value]})
        assert response.status_code == 200, value
        html = response.get_data(as_text=True)
        assert 'class="error"' in html
        assert "<script>" not in html
    page = admin.get("/admin/regimes").get_data(as_text=True)
    assert checked(page) == {"hipaa"}


def test_only_administrators_change_the_profile(app):
    chair = client_for(app, "chair@example.com", permissions=("committee",))
    assert chair.get("/admin/regimes").status_code == 403
    assert chair.post("/admin/regimes", data={"applies": []}).status_code == 403


def test_item_analysis_page_pools_cycles_and_hides_small_counts(app):
    chair = client_for(app, "chair@example.com", permissions=("committee",))
    app.config["ITEM_ANALYSIS_MIN_N"] = 3
    open_test_cycle(app, "2026-Q4")
    form = CATALOGUE.current_form("it_manager")
    knowledge = [i for i in form.items if i.type == "knowledge"]
    for n in range(4):
        add_user(app, f"it{n}@example.com", role="it_manager")
        answers = complete_answers("it_manager")
        answers[knowledge[0].id] = "dk" if n else knowledge[0].correct_choice
        submit_answers(app, f"it{n}@example.com", answers, "2026-Q4")
    add_user(app, "ceo@example.com", role="ceo")
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q4")
    html = chair.get("/measurement/items?cycle=2026-Q4").get_data(as_text=True)
    assert "Pooled over 2026-Q4" in html
    row = html.split(f"<code>{knowledge[0].id}</code>", 1)[1].split("</tr>", 1)[0]
    assert "25%" in row and "75%" in row  # a quarter right, three quarters "don't know"
    ceo_item = next(i for i in CATALOGUE.current_form("ceo").items if i.type == "knowledge")
    ceo_row = html.split(f"<code>{ceo_item.id}</code>", 1)[1].split("</tr>", 1)[0]
    assert "fewer than 3 answers: not shown" in ceo_row
    assert "too easy" in html  # everyone else right on every other question
    executive = client_for(app, "cio@example.com", role="cio")
    assert executive.get("/measurement/items").status_code == 403


def topic_rows(html: str) -> list[str]:
    """The topic cards of the results page's "By topic" list."""
    section = html.split("<h2>By topic</h2>", 1)[1].split('<ul class="topics">', 1)[1]
    return section.split("</ul>", 1)[0].split("</li>")[:-1]


def test_results_show_a_level_and_its_precision_per_topic_and_that_beliefs_never_count(app):
    open_test_cycle(app, "2026-Q4")
    ceo = client_for(app, "ceo@example.com", role="ceo")
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q4")
    html = ceo.get("/respond/2026-Q4/results").get_data(as_text=True)
    rows = topic_rows(html)
    assert len(rows) == len(CATALOGUE.rubric.domains)
    levels = [f"{level.id} {level.name}" for level in CATALOGUE.rubric.levels]
    for row in rows:
        assert "±" in row and any(level in row for level in levels), row
    assert "never part of these scores" in html
    assert "Overall level" not in html


def test_a_topic_below_the_configured_minimum_shows_not_enough_answers(app_factory, tmp_path):
    root = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", root)
    with (root / "rubric.yaml").open("a") as rubric:
        rubric.write("min_domain_items: 60\n")  # more answers than any topic has
    app = app_factory(QUESTIONNAIRES_PATH=str(root))
    open_test_cycle(app, "2026-Q4")
    ceo = client_for(app, "ceo@example.com", role="ceo")
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q4")
    rows = topic_rows(ceo.get("/respond/2026-Q4/results").get_data(as_text=True))
    assert rows and all("Not enough answers" in row and "±" not in row for row in rows)
