"""The demo organisation: idempotent, complete, and telling the story it promises."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from assessment import queries
from assessment.cli.demo_org import VENDOR_NOTICE_ITEMS, quarters
from assessment.extensions import db
from assessment.models import Account, Cycle, Response, TrainingAttendee
from assessment.reports.gaps import gap_report_of
from tests.conftest import add_user, log_in, shipped_catalogue


def test_quarters_end_with_the_current_one():
    assert quarters(dt.date(2026, 11, 27), 3) == [
        ("2026-Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ]
    assert quarters(dt.date(2027, 2, 1), 2)[0] == (
        "2026-Q4",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )


def test_demo_is_idempotent_and_tells_its_story(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("@example.com") == 7
    # each log-in says who it is and what to look at first
    ceo = next(line for line in first.output.splitlines() if "ceo@example.com" in line)
    assert "CEO, on the committee: Committee view (What to act on)" in ceo
    training = next(line for line in first.output.splitlines() if "training@example.com" in line)
    assert "HR coordinator: the Training planner" in training
    second = runner.invoke(args=["demo"])
    assert "already there" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 7
        cycles = queries.cycles_in_order(db.session)
        assert [c.status for c in cycles] == ["frozen", "frozen", "frozen", "closed", "open"]
        assert db.session.scalar(select(func.count()).select_from(Response)) == 24
        assert db.session.scalar(select(func.count()).select_from(TrainingAttendee)) >= 8
        # the CEO believed backups were tested, until the third quarter
        beliefs = []
        for cycle in cycles[:4]:
            report = gap_report_of(cycle)
            pair = next(
                p
                for p in report.pairs
                if p.email == "ceo@example.com" and p.fact_id == "backup_restore_test"
            )
            beliefs.append(pair.gap)
        assert beliefs == ["optimistic", "optimistic", "aligned", "aligned"]
        # the CIO's optimism shrinks
        cio = [gap_report_of(c).by_person["cio@example.com"].optimism_index for c in cycles[:4]]
        assert cio[0] > cio[-1]
        # Legal learns the vendor notice terms after the contracts training
        legal = []
        for cycle in cycles[:4]:
            answers = queries.get_response(
                db.session, _person_id("legal@example.com"), cycle.id
            ).answer_values()
            legal.append(next(answers[i] for i in VENDOR_NOTICE_ITEMS if i in answers))
        assert legal[:2] == ["dk", "dk"] and "dk" not in legal[2:]
        # a US healthcare company: HIPAA, SEC and state laws only; forms a, b, a, b, a
        catalogue = shipped_catalogue()
        for k, cycle in enumerate(cycles):
            assert cycle.regimes == ["hipaa", "sec", "us_state_breach"]
            for pin in cycle.pinned:
                form = catalogue.get(pin.questionnaire_id, pin.version)
                assert form.form == "ab"[k % 2], (cycle.id, pin.role)
                assert all(
                    not i.regimes or {"hipaa", "sec", "us_state_breach"} & set(i.regimes)
                    for i in form.items
                )


def _person_id(email: str) -> int:
    person = queries.find_person_by_email(db.session, email)
    assert person is not None
    return person.id


def test_setup_seeds_the_demo_on_an_empty_database(app, runner):
    from tests.conftest import reset_database

    with app.app_context():
        reset_database()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "ceo@example.com" in result.output and "training@example.com" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cycle)) == 5


def test_synth_adds_people_and_submitted_responses(app, runner):
    result = runner.invoke(args=["synth", "--people", "40", "--cycles", "2", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "Added 40 people and 80 responses" in result.output
    with app.app_context():
        from assessment.reports.bundle import all_reports

        assert db.session.scalar(select(func.count()).select_from(Response)) == 80
        reports = all_reports("S5-002")
        assert len(reports["scores"]) == 40  # type: ignore[arg-type]
        assert reports["gaps"].overall.pairs > 0  # type: ignore[union-attr]
    again = runner.invoke(args=["synth", "--people", "5", "--cycles", "1", "--seed", "6"])
    assert again.exit_code == 0, again.output
    from tests.conftest import add_user

    add_user(app, "after@example.com")  # ids stay in step with the database's sequences


def test_demo_pulse_shows_totals_only_for_full_quarters_and_hr_checks_it_facts(app, runner, client):
    """Five people answered each closed quarter, three the open one; HR attests the closed
    quarters as second attester of what IT measures about itself."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    add_user(app, "member@example.com", permissions=("committee",))
    log_in(client, "member@example.com")
    with app.app_context():
        cycles = [c.id for c in queries.cycles_in_order(db.session)]
    closed = client.get(f"/committee/?to={cycles[3]}").get_data(as_text=True)
    # the committee view leads with actions and reads in words; the CIO's comment reaches it
    assert closed.index("What to act on") < closed.index("What changed since")
    assert "Marcus Webb, CIO" in closed and "Restore tested within its recovery time" in closed
    assert "Climate pulse, " + cycles[3] in closed
    # every statement shown with its totals: five answered, none hidden
    pulse = closed.split('id="pulse"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<td class="num">(\d+)</td>' * 4, pulse)
    assert len(rows) == 4 and "Not shown" not in pulse
    for answered, *split in ((int(n) for n in row) for row in rows):
        assert answered == 5 and sum(split) == 5
    # the story: IT people feel the climate warm last, so not everyone is favourable yet
    assert any(int(row[1]) < 5 for row in rows)
    assert "reflect badly on whoever says it" in pulse
    open_quarter = client.get("/committee/").get_data(as_text=True)
    pulse = open_quarter.split('id="pulse"', 1)[1].split("</table>", 1)[0]
    assert pulse.count("Not shown: fewer than 5 answers.") == 4
    first = client.get(f"/facts/{cycles[0]}").get_data(as_text=True)
    assert (
        "Never: no independent test on record (counts as More than a year ago, or never)" in first
    )
    assert "Checked by HR: Daniel Okafor" in first
    latest = client.get(f"/facts/{cycles[-1]}").get_data(as_text=True)
    assert "Awaiting a check by HR" in latest and "Checked by HR" not in latest
