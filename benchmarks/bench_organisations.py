"""Many organisations on PostgreSQL: the peer benchmark of a cycle across all of them, and all
reports of one of them, each against the time to read the same rows.

`python -m benchmarks bench_organisations`, or `make bench BENCH=bench_organisations`. Sizes
from the environment: BENCH_ORGS organisations (default 1000) of five executives each, over
BENCH_ORG_CYCLES quarters (default 8); BENCH_REPEAT timed runs of each measurement (default 5:
the fastest is reported, after one untimed run); BENCH_ORG_SIMPLE=0 skips timing the earlier
organisation-by-organisation benchmark (a minute at 1,000 organisations). A quick run:
BENCH_ORGS=100 BENCH_ORG_CYCLES=3 BENCH_REPEAT=3.

The database is BENCH_DATABASE_URL when set (a PostgreSQL database it may empty; with
BENCH_ORG_REUSE=1 one already filled by an earlier run is used as it is), otherwise a throwaway
cluster started under /tmp on 127.0.0.1 with pg_ctl, as .ci/run does (fsync off: it only
speeds up loading), and stopped afterwards. `assessment synth --organisations` fills it; the
quarter before the latest is then frozen in every organisation, so that both ways a benchmark
reads its peers (live answers, stored report versions) are measured.

The peer benchmark is timed cold (no organisation's figures computed yet) against its read
floor, and warm (the figures of unchanged organisations reused, as on the next page view).
Read floors are the same SQL the code under test runs, rows fetched and nothing computed:
- benchmark of a closed cycle: the candidate peers, the submitted answers of theirs and the
  asking organisation's to the cycle (one row per response), and their fact entries for it;
- benchmark of a frozen cycle: the candidate peers and their newest stored report versions;
- one organisation's reports: its submitted answers to each cycle the report reads (as
  ``queries.submitted_answers`` reads them), its fact report, or its stored report version.
Prints tables; nothing is asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# ---------------------------------------------------------------- a throwaway PostgreSQL


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres() -> Iterator[str]:
    """A database URL: BENCH_DATABASE_URL, or a fresh cluster under /tmp, stopped on exit."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        yield given
        return
    bin_dir, port = _pg_bin(), _free_port()
    if bin_dir is None:
        raise MissingPostgres
    folder = Path(tempfile.mkdtemp(prefix="bench-orgs-pg-"))
    # PostgreSQL refuses to run as root: the cluster then belongs to the postgres user.
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(folder, "postgres")

    def pg(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, stdout=subprocess.DEVNULL)

    data, address = folder / "data", ["-h", "127.0.0.1", "-p", str(port), "-U", "bench"]
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    try:
        pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "bench", "--auth=trust", "-E", "UTF8")
        log = ["-l", str(folder / "log")]
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), *log, "-w", "-o", options, "start")
        try:
            pg(str(bin_dir / "createdb"), *address, "bench")
            yield f"postgresql+psycopg://bench@127.0.0.1:{port}/bench"
        finally:
            pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- timing


def best(action: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` timed runs after one untimed run (warm caches for all)."""
    from assessment.extensions import db

    db.session.expire_all()
    action()
    times = []
    for _ in range(repeat):
        db.session.expire_all()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


# ---------------------------------------------------------------- the measurement


def _app(url: str, instance: str) -> Any:
    from assessment import create_app

    os.environ["ASSESSMENT_INSTANCE_PATH"] = instance  # audit anchors, evidence files
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def load(organisations: int, cycles: int) -> dict[str, float]:
    """An empty schema, then ``assessment synth --organisations``; the quarter before the
    latest frozen everywhere. With BENCH_ORG_REUSE=1, a database that already holds them
    (from an earlier run on BENCH_DATABASE_URL) is used as it is."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from assessment import queries
    from assessment.cli.synthetic_organisations import quarters_before, synthesise_organisations
    from assessment.extensions import db
    from assessment.models import Organisation, Response

    if os.environ.get("BENCH_ORG_REUSE") == "1":
        with db.engine.connect() as connection:
            ready = db.inspect(connection).has_table("organisation")
        if ready:
            synthetic = select(func.count(Organisation.id)).where(Organisation.slug.like("synth-%"))
            if db.session.scalar(synthetic) == organisations:
                print("   reusing the organisations already there", file=sys.stderr)
                with _all_organisations():
                    responses = db.session.scalar(select(func.count(Response.id))) or 0
                if cycles >= 2:  # an earlier run may have stopped before freezing
                    freeze_everywhere(quarters_before(dt.date.today(), cycles)[-2].id)
                return {"load_s": float("nan"), "freeze_s": float("nan"), "responses": responses}
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
    queries.ensure_default_organisation(db.session)
    db.session.commit()
    added: list[int] = [0]

    def progress(responses: int) -> None:
        added[0] += responses
        print(f"   {added[0]:,} responses", file=sys.stderr, flush=True)

    start = time.perf_counter()
    synthesised = synthesise_organisations(organisations, cycles, seed=1, progress=progress)
    db.session.commit()
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    if cycles >= 2:
        freeze_everywhere(synthesised.cycle_ids[-2])
    freeze_seconds = time.perf_counter() - start
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return {
        "load_s": load_seconds,
        "freeze_s": freeze_seconds,
        "responses": synthesised.responses,
    }


@contextmanager
def _all_organisations() -> Iterator[None]:
    from assessment import tenancy

    with tenancy.across_organisations():  # the benchmark counts every organisation's rows
        yield


def freeze_everywhere(cycle_id: str) -> None:
    """Freeze the cycle in every organisation that has it, as each one's system would."""
    from sqlalchemy import select

    from assessment import actions, tenancy
    from assessment.actions.actor import SYSTEM
    from assessment.extensions import db
    from assessment.models import Cycle, CycleStatus

    with _all_organisations():
        owners = list(
            db.session.scalars(
                select(Cycle.organisation_id).where(
                    Cycle.id == cycle_id, Cycle.status == CycleStatus.CLOSED
                )
            )
        )
    for k, organisation_id in enumerate(owners, start=1):
        with tenancy.acting_for(organisation_id):
            cycle = db.session.get(Cycle, (organisation_id, cycle_id))
            assert cycle is not None
            actions.cycles.change_status(SYSTEM, cycle, "freeze")
            db.session.commit()
        if k % max(1, len(owners) // 10) == 0:
            print(f"   frozen {k:,} of {len(owners):,}", file=sys.stderr, flush=True)


def simple_benchmark(cycle_id: str, organisation_id: int) -> Any:
    """The benchmark computed one organisation at a time, as its first version did."""
    from sqlalchemy import select

    from assessment import tenancy
    from assessment.extensions import db
    from assessment.models import Cycle, Organisation
    from assessment.reports.peer_benchmark import COMPARABLE_CYCLES, figures_of, minimum_peers
    from assessment.services.benchmarks.peers import peer_benchmark

    with tenancy.across_organisations():  # the peers, one by one
        own = db.session.get(Organisation, organisation_id)
        assert own is not None
        candidates = db.session.execute(
            select(Organisation.id, Organisation.industry)
            .join(Cycle, Cycle.organisation_id == Organisation.id)
            .where(
                Organisation.benchmark_opt_in.is_(True),
                Organisation.id != organisation_id,
                Cycle.id == cycle_id,
                Cycle.status.in_(COMPARABLE_CYCLES),
            )
            .order_by(Organisation.id)
        ).all()
    peers = []
    for peer_id, industry in candidates:
        with tenancy.acting_for(peer_id):
            peer_cycle = db.session.get(Cycle, (peer_id, cycle_id))
            assert peer_cycle is not None
            peers.append(figures_of(peer_cycle, industry))
    with tenancy.acting_for(organisation_id):
        own_cycle = db.session.get(Cycle, (organisation_id, cycle_id))
        assert own_cycle is not None
        mine = figures_of(own_cycle, own.industry)
    return peer_benchmark(
        mine.domains,
        peers,
        minimum=minimum_peers(),
        own_industry=own.industry,
        own_beliefs=mine.beliefs,
    )


def measure_benchmarks(
    organisation_id: int, cycle_ids: list[str], frozen_id: str | None, repeat: int
) -> list[dict[str, Any]]:
    from assessment import tenancy
    from assessment.extensions import db
    from assessment.models import Cycle
    from assessment.queries import peers as peer_rows
    from assessment.reports.peer_benchmark import clear_figures_cache, cycle_benchmark

    rows = []
    for cycle_id in [cycle_ids[-1]] + ([frozen_id] if frozen_id else []):

        def floor(cycle_id: str = cycle_id) -> None:
            with tenancy.across_organisations():  # the rows the benchmark reads
                found = peer_rows.benchmark_candidates(db.session, cycle_id, organisation_id)
                ids = [c.organisation_id for c in found] + [organisation_id]
                if cycle_id == frozen_id:
                    peer_rows.newest_payloads_of(db.session, cycle_id, ids)
                else:
                    dialect = db.engine.dialect.name
                    db.session.execute(peer_rows.answers_statement(dialect, cycle_id, ids)).all()
                    db.session.execute(peer_rows.facts_statement(cycle_id, ids)).all()

        def warm(cycle_id: str = cycle_id) -> Any:
            with tenancy.acting_for(organisation_id):
                cycle = db.session.get(Cycle, (organisation_id, cycle_id))
                assert cycle is not None
                return cycle_benchmark(cycle)

        def cold() -> Any:
            clear_figures_cache()  # every organisation's figures computed afresh
            return warm()

        result = cold()
        with tenancy.across_organisations():
            candidates = len(peer_rows.benchmark_candidates(db.session, cycle_id, organisation_id))
        row: dict[str, Any] = {
            "cycle": cycle_id,
            "status": "frozen" if cycle_id == frozen_id else "closed",
            "candidates": candidates,
            "peers": result.peers,
            "industry": result.industry or "all",
            "floor_s": best(floor, repeat),
            "fast_s": best(cold, repeat),
            "warm_s": best(warm, repeat),
        }
        if os.environ.get("BENCH_ORG_SIMPLE", "1") != "0":
            db.session.expire_all()
            row["simple_s"] = timed(lambda c=cycle_id: simple_benchmark(c, organisation_id))
            row["identical"] = simple_benchmark(cycle_id, organisation_id) == result
        rows.append(row)
    return rows


def measure_reports(
    organisation_id: int, cycle_ids: list[str], frozen_id: str | None, repeat: int
) -> list[dict[str, Any]]:
    """One organisation's report functions against reading the same rows."""
    from assessment import queries, tenancy
    from assessment.extensions import db
    from assessment.models import Cycle
    from assessment.reports import committee
    from assessment.reports.bundle import all_reports
    from assessment.reports.gaps import gap_report_of
    from assessment.reports.scores import scores_of
    from assessment.reports.trends import compare

    def cycle(cycle_id: str) -> Cycle:
        found = db.session.get(Cycle, (organisation_id, cycle_id))
        assert found is not None
        return found

    def read(*ids: str) -> None:
        for cycle_id in ids:
            if cycle_id == frozen_id:
                queries.latest_snapshot(db.session, cycle_id)
            else:
                queries.submitted_answers(db.session, cycle_id)

    def read_with_facts(*ids: str) -> None:
        read(*ids)
        for cycle_id in ids:
            if cycle_id != frozen_id:
                queries.fact_categories(db.session, cycle_id)

    latest, previous = cycle_ids[-1], cycle_ids[-2] if len(cycle_ids) > 1 else cycle_ids[-1]
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("scores (closed)", lambda: scores_of(cycle(latest)), lambda: read(latest)),
        (
            "gap report (closed)",
            lambda: gap_report_of(cycle(latest)),
            lambda: read_with_facts(latest),
        ),
        (
            "all reports of a cycle (closed)",
            lambda: all_reports(latest),
            lambda: read_with_facts(latest),
        ),
        (
            "trends, two quarters",
            lambda: compare(cycle(previous), cycle(latest)),
            lambda: read(previous, latest),
        ),
        (
            f"committee series, {len(cycle_ids)} quarters",
            lambda: committee.series(queries.cycles_in_order(db.session)),
            lambda: read_with_facts(*cycle_ids),
        ),
        (
            f"committee series, {len(cycle_ids)} quarters, none kept",
            lambda: (forget_scores(), committee.series(queries.cycles_in_order(db.session))),
            lambda: read_with_facts(*cycle_ids),
        ),
    ]
    if frozen_id:
        cases += [
            ("scores (frozen)", lambda: scores_of(cycle(frozen_id)), lambda: read(frozen_id)),
            (
                "gap report (frozen)",
                lambda: gap_report_of(cycle(frozen_id)),
                lambda: read(frozen_id),
            ),
        ]
    rows = []
    with tenancy.acting_for(organisation_id):
        for name, report, floor in cases:
            rows.append(
                {"report": name, "floor_s": best(floor, repeat), "report_s": best(report, repeat)}
            )
    return rows


def forget_scores() -> None:
    """Forget every quarter's kept scores (``reports.score_cache``): each is computed again."""
    from assessment.reports.score_cache import clear_score_cache

    clear_score_cache()


def signed_in(app: Any, organisation_id: int) -> tuple[Any, dict[str, str]]:
    """A test client signed in as a committee member of the organisation, and an API
    token's header for the same member."""
    from assessment import actions, queries, tenancy
    from assessment.actions.actor import SYSTEM
    from assessment.extensions import db
    from assessment.services.security.passwords import hash_password

    # One address per organisation: a shared one would sign in to the one used last.
    email = f"committee-{organisation_id}@bench.example.com"
    password = "correct horse battery staple"
    with tenancy.acting_for(organisation_id):
        if queries.find_account_by_email(db.session, email) is None:  # BENCH_ORG_REUSE
            queries.create_person_with_account(
                db.session,
                email=email,
                name="Committee Member",
                password_hash=hash_password(password),
                permissions=("admin", "committee"),
            )
        token = actions.tokens.issue_token(SYSTEM, email, 30).token
        db.session.commit()
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": password})
    assert answer.status_code in (302, 303), answer.status_code
    return client, {"Authorization": f"Bearer {token}"}


def measure_pages(
    app: Any, organisation_id: int, cycle_ids: list[str], frozen_id: str | None, repeat: int
) -> list[dict[str, Any]]:
    """The pages and API answers of one organisation's committee member, over HTTP through
    the test client (sign-in, permissions, audit and templates included). The committee view
    also as first seen: with no quarter's scores kept (as after a submission to every
    quarter), and with nothing kept, not even the peers' figures (a server just started)."""
    from assessment.extensions import db
    from assessment.reports.peer_benchmark import clear_figures_cache

    client, bearer = signed_in(app, organisation_id)
    latest = cycle_ids[-1]
    previous = cycle_ids[-2] if len(cycle_ids) > 1 else latest
    api = [
        f"/api/v1/cycles/{latest}/scores",
        f"/api/v1/cycles/{latest}/gaps",
        f"/api/v1/trends?from={previous}&to={latest}",
        f"/api/v1/cycles/{latest}/benchmark",
    ] + ([f"/api/v1/cycles/{frozen_id}/benchmark"] if frozen_id else [])
    pages: list[tuple[str, Callable[[], Any]]] = [
        ("GET /committee/ (web)", lambda: client.get("/committee/")),
        (
            "GET /committee/ (web), no score kept",
            lambda: (forget_scores(), client.get("/committee/"))[-1],
        ),
        (
            "GET /committee/ (web), nothing kept",
            lambda: (forget_scores(), clear_figures_cache(), client.get("/committee/"))[-1],
        ),
        (f"GET /gaps/{latest} (web)", lambda: client.get(f"/gaps/{latest}")),
    ] + [(f"GET {path}", lambda path=path: client.get(path, headers=bearer)) for path in api]
    rows = []
    for name, get in pages:
        status = get().status_code
        assert status == 200, (name, status)
        rows.append({"page": name, "page_s": best(get, repeat)})
    db.session.remove()
    return rows


def measure_history(app: Any, organisation_id: int, cycle_ids: list[str], repeat: int) -> Any:
    """The committee view of an organisation that froze each quarter but the latest once
    reported (the series then reads stored scores), against the same view as synthesised."""
    from sqlalchemy import select

    from assessment import actions, queries, tenancy
    from assessment.actions.actor import SYSTEM
    from assessment.extensions import db
    from assessment.models import Cycle, CycleStatus
    from assessment.reports import committee

    with tenancy.acting_for(organisation_id):
        for cycle in db.session.scalars(
            select(Cycle).where(Cycle.id.in_(cycle_ids[:-1]), Cycle.status == CycleStatus.CLOSED)
        ).all():
            actions.cycles.change_status(SYSTEM, cycle, "freeze")
        db.session.commit()
        series = best(lambda: committee.series(queries.cycles_in_order(db.session)), repeat)
    client, _ = signed_in(app, organisation_id)
    page = best(lambda: client.get("/committee/"), repeat)
    db.session.remove()
    return {"series_s": series, "page_s": page}


def measure(url: str, instance: str) -> dict[str, Any]:
    from sqlalchemy import select

    from assessment.cli.synthetic_organisations import quarters_before
    from assessment.extensions import db
    from assessment.models import Organisation

    organisations, cycles = _env("BENCH_ORGS", 1000), _env("BENCH_ORG_CYCLES", 8)
    repeat = _env("BENCH_REPEAT", 5)
    app = _app(url, instance)
    with app.app_context():
        print(f"== loading {organisations:,} organisations x 5 x {cycles}", file=sys.stderr)
        loaded = load(organisations, cycles)
        cycle_ids = [q.id for q in quarters_before(dt.date.today(), cycles)]
        frozen_id = cycle_ids[-2] if cycles >= 2 else None
        # The first synthetic organisation that takes part in benchmarks asks.
        asking = db.session.scalar(
            select(Organisation.id)
            .where(Organisation.slug.like("synth-%"), Organisation.benchmark_opt_in.is_(True))
            .order_by(Organisation.id)
            .limit(1)
        )
        # Another organisation for the committee view with its history frozen, so that a run
        # reusing the database measures the asking one as synthesised again.
        another = db.session.scalar(
            select(Organisation.id)
            .where(Organisation.slug.like("synth-%"), Organisation.id != asking)
            .order_by(Organisation.id)
            .limit(1)
        )
        assert asking is not None and another is not None
        print("== measuring", file=sys.stderr)
        benchmarks = measure_benchmarks(asking, cycle_ids, frozen_id, repeat)
        reports = measure_reports(asking, cycle_ids, frozen_id, repeat)
        db.session.remove()
    with app.app_context():
        pages = measure_pages(app, asking, cycle_ids, frozen_id, repeat)
        history = measure_history(app, another, cycle_ids, repeat)
        server = db.session.execute(select(db.func.version())).scalar()
        db.session.remove()
        db.engine.dispose()
    return {
        "organisations": organisations,
        "cycles": cycles,
        "repeat": repeat,
        "server": str(server).split(" on ")[0],
        **loaded,
        "benchmarks": benchmarks,
        "reports": reports,
        "pages": pages,
        "history": history,
    }


def report(result: dict[str, Any]) -> None:
    print(
        f"{result['organisations']:,} organisations x 5 executives x {result['cycles']} quarters "
        f"= {result['responses']:,} responses on {result['server']}; best of {result['repeat']}"
    )
    print(
        f"load (synth --organisations): {result['load_s']:.1f} s; freezing one quarter in "
        f"every organisation: {result['freeze_s']:.1f} s"
    )
    print()
    print(
        f"{'peer benchmark':<18} {'peers':>9} {'floor ms':>9} {'cold ms':>8} {'ratio':>6} "
        f"{'warm ms':>8} {'before ms':>10} {'identical':>9}"
    )
    for r in result["benchmarks"]:
        before = f"{r['simple_s'] * 1000:>10.0f}" if "simple_s" in r else f"{'-':>10}"
        same = str(r.get("identical", "-"))
        cycle, peers = f"{r['cycle']} ({r['status']})", f"{r['peers']}/{r['candidates']}"
        print(
            f"{cycle:<18} {peers:>9} {r['floor_s'] * 1000:>9.1f} {r['fast_s'] * 1000:>8.1f} "
            f"{r['fast_s'] / r['floor_s']:>6.2f} {r['warm_s'] * 1000:>8.1f} {before} {same:>9}"
        )
    print()
    print(f"{'one organisation: report':<40} {'floor ms':>9} {'report ms':>10} {'ratio':>6}")
    for r in result["reports"]:
        print(
            f"{r['report']:<40} {r['floor_s'] * 1000:>9.1f} {r['report_s'] * 1000:>10.1f} "
            f"{r['report_s'] / r['floor_s']:>6.2f}"
        )
    print()
    print(f"{'one organisation: page':<44} {'ms':>7}")
    for r in result["pages"]:
        print(f"{r['page']:<44} {r['page_s'] * 1000:>7.1f}")
    history = result["history"]
    print()
    print(
        f"another organisation with every quarter but the latest frozen: committee series "
        f"{history['series_s'] * 1000:.1f} ms, GET /committee/ {history['page_s'] * 1000:.1f} ms"
    )


class MissingPostgres(RuntimeError):
    """Neither BENCH_DATABASE_URL nor an installed PostgreSQL to start."""


def main() -> None:
    try:
        with postgres() as url, tempfile.TemporaryDirectory(prefix="bench-orgs-") as instance:
            result = measure(url, instance)
    except MissingPostgres:  # the other benchmarks of `make bench` still run
        print("bench_organisations needs PostgreSQL: install it (apt-get install postgresql)")
        print("or point BENCH_DATABASE_URL at a database it may empty; not run")
        return
    report(result)


if __name__ == "__main__":
    main()
