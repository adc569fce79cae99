"""All reports of a cycle at 1k, 10k and 100k responses, against the time to read its rows.

Each size runs in its own process on a fresh SQLite file: `python -m benchmarks bench_reports`
(set BENCH_SIZES=1000,10000 to choose sizes). Prints a table; nothing is asserted.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def measure(size: int) -> dict[str, float]:
    from flask_migrate import upgrade

    from assessment import create_app
    from assessment.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    os.environ["ASSESSMENT_INSTANCE_PATH"] = str(folder)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade()
        from assessment import queries
        from assessment.cli.synthetic_org import synthesise
        from assessment.models import Person
        from assessment.reports.bundle import all_reports

        db.session.add(Person(email="owner@example.com", name="Owner", role="it_manager"))
        db.session.flush()
        start = time.perf_counter()
        cycle_id = synthesise(size, 1, seed=7)[0]
        db.session.commit()
        load_seconds = time.perf_counter() - start
        db.session.expire_all()

        # Warm the database file's pages first, so that the floor and the reports both read
        # from a warm cache (otherwise whichever runs first pays for the disk).
        queries.submitted_answers(db.session, cycle_id)
        db.session.expire_all()
        start = time.perf_counter()
        queries.submitted_answers(db.session, cycle_id)
        read_seconds = time.perf_counter() - start
        db.session.expire_all()

        start = time.perf_counter()
        reports = all_reports(cycle_id)
        report_seconds = time.perf_counter() - start
        db.session.expire_all()
        tracemalloc.start()  # a second, separate run: tracing slows Python down
        all_reports(cycle_id)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        from assessment.reports.committee_pack import build_pack

        cycle = queries.get_cycle(db.session, cycle_id)
        start = time.perf_counter()
        pdf = build_pack(cycle) if size <= 10_000 else b""
        pack_seconds = time.perf_counter() - start
    return {
        "size": size,
        "load_s": load_seconds,
        "read_s": read_seconds,
        "reports_s": report_seconds,
        "ratio": report_seconds / read_seconds,
        "peak_mb": peak / 2**20,
        "pack_s": pack_seconds if pdf else float("nan"),
        "scored": len(reports["scores"]),
    }  # type: ignore[arg-type]


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
    results = []
    for size in sizes:
        output = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import json, benchmarks.bench_reports as b; print(json.dumps(b.measure({size})))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    print(
        f"{'responses':>10} {'read rows s':>12} {'all reports s':>14} {'ratio':>6} "
        f"{'peak MB':>8} {'pack s':>7}"
    )
    for r in results:
        print(
            f"{r['size']:>10,} {r['read_s']:>12.2f} {r['reports_s']:>14.2f} {r['ratio']:>6.2f} "
            f"{r['peak_mb']:>8.0f} {r['pack_s']:>7.2f}"
        )
    if len(results) >= 2:
        xs = [math.log(r["size"]) for r in results]
        ys = [math.log(r["reports_s"]) for r in results]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mean_x) ** 2 for x in xs
        )
        print(f"growth exponent of report time (log-log fit): {slope:.2f} (1.00 = linear)")


if __name__ == "__main__":
    main()
