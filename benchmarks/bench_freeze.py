"""Freezing a cycle (scores and gap report stored as its report version) at N responses.

`python -m benchmarks bench_freeze`; sizes from BENCH_FREEZE_SIZES (default 10000, comma-separated
for several, e.g. 10000,100000). Each size is synthesised once into an SQLite file kept in
BENCH_FREEZE_DIR (default /tmp/bench-freeze), so that code before and after a change freezes
the same rows. Each measurement runs in a fresh process on a copy of that file:

1. freeze, timed, with the process's peak resident memory (`ru_maxrss`) before and after;
   rolled back;
2. freeze again under `tracemalloc` (Python's own allocations; tracing slows it down), then
   committed; the stored payload's size as JSON is reported;
3. reading the frozen cycle back as the reports do (every score and the gap report), timed and
   traced.

Prints a table; nothing is asserted.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

MB = 2**20


def _folder() -> Path:
    folder = Path(os.environ.get("BENCH_FREEZE_DIR", "/tmp/bench-freeze"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _app(path: Path) -> Any:
    from assessment import create_app

    os.environ["ASSESSMENT_INSTANCE_PATH"] = str(path.parent / "instance")
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})


def build(size: int) -> str:
    """The synthesised database of ``size`` responses (made once, then reused)."""
    path = _folder() / f"freeze-{size}.db"
    if path.exists():
        return str(path)
    from flask_migrate import upgrade

    from assessment.cli.synthetic_org import synthesise
    from assessment.extensions import db

    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with _app(partial).app_context():
        upgrade()
        synthesise(size, 1, seed=7)
        db.session.commit()
        db.engine.dispose()
    partial.rename(path)
    return str(path)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def measure(size: int, template: str) -> dict[str, float]:
    from flask_migrate import upgrade

    from assessment import actions, queries
    from assessment.actions.actor import SYSTEM
    from assessment.catalogue import catalogue
    from assessment.extensions import db
    from assessment.models import ReportSnapshot
    from assessment.reports.gaps import gap_report_of
    from assessment.reports.scores import scores_of

    work = Path(tempfile.mkdtemp(prefix="bench-freeze-"))
    path = work / "bench.db"
    shutil.copyfile(template, path)
    try:
        with _app(path).app_context():
            upgrade()
            catalogue()
            cycle_id = queries.list_cycles(db.session)[0].id
            responses = len(queries.submitted_emails(db.session, cycle_id))

            def freeze() -> None:
                cycle = queries.get_cycle(db.session, cycle_id)
                assert cycle is not None
                actions.cycles.change_status(SYSTEM, cycle, "freeze")

            gc.collect()
            rss_before = _rss_mb()
            start = time.perf_counter()
            freeze()
            seconds = time.perf_counter() - start
            rss_after = _rss_mb()
            db.session.rollback()
            db.session.expire_all()
            gc.collect()

            tracemalloc.start()
            freeze()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            db.session.commit()
            db.session.expire_all()
            gc.collect()
            payload = db.session.query(ReportSnapshot).one().payload
            payload_mb = len(json.dumps(payload)) / MB
            del payload
            db.session.expire_all()
            gc.collect()

            def read_back() -> int:
                cycle = queries.get_cycle(db.session, cycle_id)
                assert cycle is not None and cycle.is_frozen
                scored = scores_of(cycle)
                report = gap_report_of(cycle)
                return len(scored) + len(report.pairs)

            start = time.perf_counter()
            read_back()
            read_seconds = time.perf_counter() - start
            db.session.expire_all()
            gc.collect()
            tracemalloc.start()
            read_back()
            read_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            db.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "size": responses,
        "freeze_s": seconds,
        "rss_delta_mb": rss_after - rss_before,
        "peak_mb": peak / MB,
        "payload_mb": payload_mb,
        "read_s": read_seconds,
        "read_peak_mb": read_peak / MB,
    }


def _run(code: str) -> Any:
    output = subprocess.run(
        [sys.executable, "-c", f"import json, benchmarks.bench_freeze as b; {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_FREEZE_SIZES", "10000").split(",")]
    results = []
    for size in sizes:
        template = _run(f"print(json.dumps(b.build({size})))")
        results.append(_run(f"print(json.dumps(b.measure({size}, {template!r})))"))
    print(
        f"{'responses':>10} {'freeze s':>9} {'RSS growth MB':>14} {'traced peak MB':>15} "
        f"{'payload MB':>11} {'read back s':>12} {'read peak MB':>13}"
    )
    for r in results:
        print(
            f"{r['size']:>10,} {r['freeze_s']:>9.2f} {r['rss_delta_mb']:>14.0f} "
            f"{r['peak_mb']:>15.0f} {r['payload_mb']:>11.1f} {r['read_s']:>12.2f} "
            f"{r['read_peak_mb']:>13.0f}"
        )


if __name__ == "__main__":
    main()
