"""One source of truth for training needs: whatever ``TRAINING_BELOW_LEVEL`` says, the results
page, the HR planner, its CSV, the API, the committee view and the pack count the same needs.

Before the write layer, the pack's table and the results page used a hard-coded "L3": with the
demo organisation at "L2" the pack said "0 needs" above a table listing 2.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
from pypdf import PdfReader

from assessment import queries
from assessment.actions import SYSTEM, tokens
from assessment.catalogue import catalogue
from assessment.cli.demo_org import seed_demo
from assessment.extensions import db
from assessment.reports import committee_pack
from assessment.reports.scores import scores_of
from assessment.reports.training_needs import latest_scored_cycle, needs_for, needs_of
from assessment.services.security.passwords import hash_password
from tests.conftest import PASSWORD, log_in


@pytest.fixture(params=["L2", "L4"])
def demo(request, app_factory):
    app = app_factory(TRAINING_BELOW_LEVEL=request.param)
    with app.app_context():
        seed_demo()
        for person in queries.list_people(db.session):
            assert person.account is not None
            person.account.password_hash = hash_password(PASSWORD)
        db.session.commit()
        cycle = latest_scored_cycle()
        assert cycle is not None
        needs = needs_for(cycle)
        # The level matters here: at the default level the count would differ.
        assert len(needs) != len(needs_of(scores_of(cycle), "L3"))
    return app, request.param, cycle.id, needs


def test_training_threshold_planner_csv_and_api_count_the_same_needs(demo):
    app, level, cycle_id, needs = demo
    assert {n.level for n in needs} <= _levels_below(app, level)
    hr = app.test_client()
    log_in(hr, "training@example.com")
    csv = hr.get(f"/training/needs.csv?cycle={cycle_id}").get_data(as_text=True)
    assert len(csv.strip().splitlines()) - 1 == len(needs)
    page = hr.get(f"/training/?cycle={cycle_id}").get_data(as_text=True)
    needs_table = page.split("<h2>Needs by person</h2>", 1)[1].split("</table>", 1)[0]
    assert needs_table.count("<tr><td>") == len(needs)
    with app.app_context():
        token = _token(app, "admin@example.com")
    api = app.test_client().get(
        f"/api/v1/cycles/{cycle_id}/training-needs", headers={"Authorization": f"Bearer {token}"}
    )
    assert len(api.get_json()["needs"]) == len(needs)


def test_training_threshold_pack_count_and_table_agree(demo):
    app, level, cycle_id, needs = demo
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        assert cycle is not None
        text = "".join(
            page.extract_text()
            for page in PdfReader(io.BytesIO(committee_pack.build_pack(cycle))).pages
        )
        section = committee_pack._training(cycle, scores_of(cycle), None)
    assert f"Training: {len(needs)} needs" in text
    assert f"domains below {level}" in text
    table = section.tables[-1]
    assert table.title == f"Training needs (domains below {level})"
    assert sum(int(row[2]) for row in table.rows) == len(needs)


def test_training_threshold_committee_view_counts_the_same_needs(demo):
    app, level, cycle_id, needs = demo
    committee = app.test_client()
    log_in(committee, "ceo@example.com")
    page = committee.get(f"/committee/?to={cycle_id}").get_data(as_text=True)
    assert re.search(rf"\b{len(needs)} training needs? \(topics below {level}\)", page)


def test_training_threshold_results_page_suggests_the_needed_domains(demo):
    app, _, cycle_id, needs = demo
    with app.app_context():
        rubric = catalogue().rubric
        expected: dict[str, set[str]] = defaultdict(set)
        for need in needs:
            if need.modules:
                expected[need.email].add(rubric.domain(need.domain).name)
        submitted = [s.email for s in scores_of(queries.get_cycle(db.session, cycle_id))]
    for email in submitted:
        executive = app.test_client()
        log_in(executive, email)
        html = executive.get(f"/respond/{cycle_id}/results").get_data(as_text=True)
        suggested = html.split("<h2>Suggested learning</h2>", 1)
        shown = (
            set(re.findall(r'<span class="muted">\(([^·<]+) · ', suggested[1].split("</ul>")[0]))
            if len(suggested) == 2
            else set()
        )
        # a module serving two weak topics is listed once, naming both ("A; B")
        named = {part.strip() for d in shown for part in d.split(";")}
        assert named == expected.get(email, set()), email


def _levels_below(app, level: str) -> set[str]:
    with app.app_context():
        ids = [lv.id for lv in catalogue().rubric.levels]
    return set(ids[: ids.index(level)])


def _token(app, email: str) -> str:
    issued = tokens.issue_token(SYSTEM, email, 1)
    db.session.commit()
    return issued.token
