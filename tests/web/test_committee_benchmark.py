"""'How you compare with peers' on the committee page and in the committee pack."""

from __future__ import annotations

import io
from typing import Any

from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus
from assessment.reports.peer_benchmark import cycle_benchmark
from tests.benchmark_orgs import CYCLE, add_organisation, opt_in, run_cycle
from tests.conftest import add_user, log_in

DEFAULT_ORG = 1
HEADING = f"How you compare with peers, {CYCLE}"


def _committee(app: Any, peers: int, *, taking_part: bool = True) -> Any:
    """The default organisation's cycle with ``peers`` opted-in peers that closed it, and a
    committee member signed in."""
    add_user(app, "chair@example.com", permissions=("committee",), name="Chair")
    run_cycle(app, DEFAULT_ORG, seed=100)
    if taking_part:
        opt_in(app, DEFAULT_ORG)
    for k in range(peers):
        run_cycle(app, add_organisation(app, f"peer-{k}"), seed=k + 1)
    client = app.test_client()
    log_in(client, "chair@example.com")
    return client


def _page(client: Any) -> str:
    response = client.get("/committee/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _pack(client: Any) -> str:
    response = client.get(f"/committee/pack/{CYCLE}.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_committee_benchmark_says_why_nothing_is_shown_when_not_taking_part(app):
    client = _committee(app, peers=5, taking_part=False)
    html = _page(client)
    assert HEADING in html
    assert "your organisation does not take part in peer benchmarks" in html
    assert "Peer median" not in html
    pack = _pack(client)
    assert "8. How you compare with peers" in pack
    assert "does not take part in peer benchmarks" in pack and "n = " not in pack


def test_committee_benchmark_is_suppressed_below_five_peers(app):
    client = _committee(app, peers=4)
    html = _page(client)
    assert HEADING in html
    assert f"fewer than 5 other organisations taking part have closed {CYCLE} (4 so far)" in html
    assert "Peer median" not in html and "n = " not in html
    pack = _pack(client)
    assert f"fewer than 5 other organisations taking part have closed {CYCLE}" in pack
    assert "n = " not in pack


def test_committee_benchmark_shows_each_topic_among_five_peers(app):
    client = _committee(app, peers=5)
    with app.app_context():
        cycle = db.session.scalar(select(Cycle).where(Cycle.id == CYCLE))
        assert cycle is not None
        benchmark = cycle_benchmark(cycle)
        names = {d.id: d.name for d in catalogue().rubric.domains}
    assert not benchmark.suppressed and benchmark.domains
    html = _page(client)
    section = html[html.index(HEADING) : html.index("</section>", html.index(HEADING))]
    assert f"Compared with 5 other organisations that closed {CYCLE}" in section
    for domain, placement in benchmark.domains.items():
        assert placement.score is not None and placement.percentile is not None
        row = (
            f'<tr><th scope="row">{escape(names[domain])}</th>'
            f'<td class="num">{placement.score:.1f}</td>'
            f'<td class="num">{placement.percentile:.0f}</td>'
            f'<td class="num">{placement.peer_median:.1f}</td>'
            f'<td class="num">n = 5</td></tr>'
        )
        assert row in section, domain
    # no facts were reported here, so no belief can be compared: no optimism sentence
    shown = benchmark.optimistic_share is not None
    assert ("Beliefs more optimistic than the facts:" in section) is shown
    pack = _pack(client)
    assert "8. How you compare with peers" in pack
    assert "Compared with 5 other organisations" in pack and "n = 5" in pack
    assert ("Beliefs more optimistic than the facts:" in pack) is shown
    first = min(benchmark.domains)
    assert f"{benchmark.domains[first].peer_median:.1f}" in pack


def test_a_frozen_cycles_pack_keeps_the_comparison_made_when_it_was_frozen(app):
    client = _committee(app, peers=5)
    add_user(app, "admin@example.com", permissions=("admin",), name="Admin")
    admin = app.test_client()
    log_in(admin, "admin@example.com")
    frozen = admin.post(
        f"/admin/cycles/{CYCLE}/status", data={"action": "freeze", "confirmed": "yes"}
    )
    assert frozen.status_code == 302
    before = _pack(client)
    assert "Compared with 5 other organisations" in before
    run_cycle(app, add_organisation(app, "peer-late"), seed=99)  # a sixth closes later
    after = _pack(client)
    assert after == before  # the pack of a frozen cycle never changes
    # the page shows the same frozen comparison; a live one would count six
    assert f"Compared with 5 other organisations that closed {CYCLE}" in _page(client)
    with app.app_context():
        cycle = db.session.scalar(select(Cycle).where(Cycle.id == CYCLE))
        assert cycle is not None and cycle_benchmark(cycle).peers == 6


def test_while_the_newest_quarter_is_open_the_page_compares_the_last_closed_one(app):
    client = _committee(app, peers=5)
    run_cycle(app, DEFAULT_ORG, seed=101, status=CycleStatus.OPEN, cycle_id="2026-Q4")
    html = _page(client)
    assert f"How you compare with peers, {CYCLE}" in html
    assert (
        "2026-Q4 is still open: other organisations can be compared once they have closed" in html
    )
    assert f"Compared with 5 other organisations that closed {CYCLE}" in html
