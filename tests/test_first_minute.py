"""The first minute: who each demo log-in is, passwords changed since are never shown again,
the demo's history is dated inside its quarters, and `make run` links follow its port."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment import ROOT, actions, queries
from assessment.actions import Actor
from assessment.cli.demo_logins import CHANGED, LOGINS_FILE
from assessment.cli.demo_org import PEOPLE, seed_demo
from assessment.extensions import db
from assessment.models import (
    Cycle,
    FactAttestation,
    FactValue,
    Person,
    RegimeSetting,
    ReportSnapshot,
    Response,
    TrainingSession,
)
from tests.conftest import log_in, reset_database

NEW_PASSWORD = "Quilted-osprey-harbour-41"
GUIDES = {p.email: p.guide for p in PEOPLE}


def _first_start(app, runner) -> dict[str, str]:
    """Run setup on an empty database; the log-ins it printed, by e-mail."""
    with app.app_context():
        reset_database()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    printed = {}
    for line in result.output.splitlines():
        fields = line.split(maxsplit=2)
        if fields and fields[0] in GUIDES:
            printed[fields[0]] = fields[1]
            assert fields[2] == GUIDES[fields[0]]  # who it is, beside the password
    assert set(printed) == set(GUIDES)
    return printed


def _change_password(app, email: str, current: str) -> None:
    with app.app_context():
        person = queries.find_person_by_email(db.session, email)
        assert person is not None and person.account is not None
        actions.accounts.change_password(
            Actor.of_account(person.account), person.account, current, NEW_PASSWORD
        )
        db.session.commit()


def test_first_start_prints_who_each_login_is_in_columns(app, runner):
    printed = _first_start(app, runner)
    path = Path(app.instance_path) / LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for email, password in printed.items():
        line = next(li for li in text.splitlines() if li.startswith(email + " "))
        assert line.split(maxsplit=2) == [email, password, GUIDES[email]]
        assert log_in(app.test_client(), email, password).status_code == 302
    # the columns line up: every password starts at the same place, on screen and in the file
    rows = [li for li in text.splitlines() if li and not li.startswith("#")]
    assert len({li.index(li.split()[1]) for li in rows}) == 1
    guides = " ".join(GUIDES.values())
    for persona in ("CEO", "committee", "fact owner", "HR coordinator", "Administrator"):
        assert persona in guides
    for place in ("Committee view", "Fact report", "Training planner", "People", "results"):
        assert place in guides


def test_restart_hides_a_changed_password_and_takes_it_out_of_the_file(app, runner):
    printed = _first_start(app, runner)
    _change_password(app, "legal@example.com", printed["legal@example.com"])
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0, again.output
    assert printed["legal@example.com"] not in again.output
    assert re.search(rf"legal@example\.com +{CHANGED}", again.output)
    path = Path(app.instance_path) / LOGINS_FILE
    assert printed["legal@example.com"] not in path.read_text()
    for email, password in printed.items():
        if email != "legal@example.com":
            assert password in again.output and password in path.read_text()
    # the next start still says so, from the file, and still shows the others
    third = runner.invoke(args=["setup"])
    assert re.search(rf"legal@example\.com +{CHANGED}", third.output)
    assert printed["ceo@example.com"] in third.output
    assert printed["legal@example.com"] not in third.output


def test_restart_with_every_password_changed_says_to_delete_the_file(app, runner):
    printed = _first_start(app, runner)
    for email, password in printed.items():
        _change_password(app, email, password)
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0, again.output
    assert "None of the demo log-ins" in again.output and "Delete the file" in again.output
    assert not any(password in again.output for password in printed.values())
    text = (Path(app.instance_path) / LOGINS_FILE).read_text()
    assert not any(password in text for password in printed.values())


def test_restart_does_not_offer_a_deactivated_account(app, runner):
    printed = _first_start(app, runner)
    with app.app_context():
        person = queries.find_person_by_email(db.session, "hr@example.com")
        assert person is not None and person.account is not None
        person.account.active = False
        db.session.commit()
    again = runner.invoke(args=["setup"])
    assert re.search(r"hr@example\.com +account deactivated", again.output)
    assert printed["hr@example.com"] not in again.output
    assert printed["ceo@example.com"] in again.output


def test_restart_reads_a_logins_file_from_before_the_guides(app, runner):
    printed = _first_start(app, runner)
    path = Path(app.instance_path) / LOGINS_FILE
    path.write_text("".join(f"{email}  {password}\n" for email, password in printed.items()))
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0, again.output
    line = next(li for li in again.output.splitlines() if "ceo@example.com" in li)
    assert line.split(maxsplit=2)[1:] == [printed["ceo@example.com"], GUIDES["ceo@example.com"]]


# --- the demo's history is dated inside its quarters -----------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _quarter(cycle: Cycle) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(cycle.opens, dt.time(), tzinfo=dt.UTC)
    return start, dt.datetime.combine(cycle.closes + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _demo_times(today: dt.date) -> dict[str, object]:
    """Every user-visible time of the demo seeded on ``today``, checked against its quarter;
    returns them by name so that two seeds can be compared."""
    now = min(dt.datetime.now(dt.UTC), dt.datetime.combine(today, dt.time(23, 59), tzinfo=dt.UTC))
    seed_demo(today)
    db.session.commit()
    seen: dict[str, object] = {}
    cycles = queries.cycles_in_order(db.session)
    first_start = _quarter(cycles[0])[0]
    for cycle in cycles:
        start, end = _quarter(cycle)
        inside = []
        for response in db.session.scalars(select(Response).where(Response.cycle_id == cycle.id)):
            key = f"{cycle.id}/{response.person.email}"
            inside += [(key + " started", response.started_at)]
            if response.submitted_at is not None:
                inside += [(key + " submitted", response.submitted_at)]
                assert _utc(response.started_at) < _utc(response.submitted_at)
                if cycle.status != "open":  # on a working day
                    assert _utc(response.submitted_at).weekday() < 5
            inside += [(f"{key} answer {a.item_id}", a.updated_at) for a in response.answers]
        values = db.session.scalars(select(FactValue).where(FactValue.cycle_id == cycle.id))
        for value in values:
            key = f"{cycle.id}/{value.fact_id}"
            inside += [(key + " entered", value.entered_at)]
            assert cycle.opens <= value.as_of <= min(cycle.closes, now.date()), key
            assert value.as_of <= _utc(value.entered_at).date()
            assert "report " + cycle.id not in value.evidence
            assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}|Q[1-4] \d{4}", value.evidence), key
            seen[key + " as of"] = value.as_of
            seen[key + " evidence"] = value.evidence
        attestations = db.session.scalars(
            select(FactAttestation).where(FactAttestation.cycle_id == cycle.id)
        ).all()
        assert len(attestations) == (0 if cycle.status == "open" else 2)
        last_entry = max(_utc(t) for k, t in inside if k.endswith(" entered"))
        for attestation in attestations:
            assert _utc(attestation.attested_at) > last_entry  # attested after the facts
            inside += [(f"{cycle.id} attested {attestation.id}", attestation.attested_at)]
        for key, moment in inside:
            assert start <= _utc(moment) < end and _utc(moment) <= now, (key, moment)
            seen[key] = _utc(moment)
        assert start - dt.timedelta(days=14) <= _utc(cycle.created_at) < start
        if cycle.closed_at is not None:  # closed the morning after its last day
            assert end <= _utc(cycle.closed_at) < end + dt.timedelta(days=1)
            assert _utc(cycle.closed_at) <= now
            snapshot = db.session.scalar(
                select(ReportSnapshot).where(ReportSnapshot.cycle_id == cycle.id)
            )
            if snapshot is not None:
                assert _utc(cycle.closed_at) < _utc(snapshot.created_at) <= now
    for person in db.session.scalars(select(Person)):
        assert person.account is not None
        assert (
            _utc(person.created_at) < first_start and _utc(person.account.created_at) < first_start
        )
    for setting in db.session.scalars(select(RegimeSetting)):
        assert _utc(setting.changed_at) < first_start
    for session in db.session.scalars(select(TrainingSession)):
        times = [session.created_at] + [a.invited_at for a in session.attendees if a.invited_at]
        times += [a.marked_at for a in session.attendees if a.marked_at]
        assert all(_utc(t) <= now for t in times), session.module_id
        if _utc(session.starts_at) > now:  # the upcoming one: planned in the open quarter
            start, _ = _quarter(cycles[-1])
            assert all(start <= _utc(t) for t in times)
            continue
        cycle = next(c for c in cycles if c.opens <= session.starts_at.date() <= c.closes)
        start, end = _quarter(cycle)
        assert all(start <= _utc(t) < end for t in [session.starts_at, *times]), session.module_id
        seen[session.module_id] = [_utc(t) for t in [session.starts_at, *times]]
    return seen


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 11, 27), dt.date(2026, 10, 1), dt.date.today()],
    ids=["mid-quarter", "first-day", "today"],
)
def test_demo_history_lies_inside_each_quarter_and_never_in_the_future(app, today):
    with app.app_context():
        _demo_times(today)


def test_demo_history_is_the_same_on_every_run(app_factory):
    runs = []
    for _ in range(2):
        with app_factory().app_context():
            runs.append(_demo_times(dt.date(2026, 8, 20)))
    assert runs[0] == runs[1]


def test_demo_training_counts_as_completed_at_the_close_after_it(app):
    """Closing kept what had been completed by then: the contracts training of the second
    quarter counts from that quarter's close on, not before."""
    with app.app_context():
        seed_demo(dt.date(2026, 11, 27))
        cycles = queries.cycles_in_order(db.session)
        modules = [{m for _, m, _ in c.training_at_close or []} for c in cycles]
    assert modules[0] == set()
    assert "vendor-contract-clauses" in modules[1]
    assert "ir-exec-tabletop" in modules[2] and "tech-backup-ransomware" in modules[3]


# --- make run: links in e-mails follow its port ----------------------------------------------


def _dry_run(*args: str, **env: str) -> list[str]:
    """The commands `make run` would run (make -n), with a clean environment for the app."""
    make = shutil.which("make")
    assert make is not None, "make is needed for `make run` and `make test`"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"BASE_URL", "ASSESSMENT_BASE_URL", "HOST", "PORT"}
        and not k.startswith(("MAKE", "MFLAGS"))
    }
    result = subprocess.run(
        [make, "-n", "run", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if "assessment " in line]


def test_make_run_links_follow_its_port():
    setup, serve = _dry_run("PORT=5077")[-2:]
    assert "assessment setup" in setup and "--port 5077" in serve
    for line in (setup, serve):
        assert "BASE_URL='http://127.0.0.1:5077' " in line


@pytest.mark.parametrize("name", ["ASSESSMENT_BASE_URL", "BASE_URL"])
def test_make_run_keeps_a_base_url_that_is_set(name):
    lines = _dry_run("PORT=5077", **{name: "https://assessment.example.com"})
    assert "--port 5077" in lines[-1]
    for line in lines[-2:]:
        assert "BASE_URL='https://assessment.example.com' " in line and ":5077'" not in line
