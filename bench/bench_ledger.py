"""Ledger listing and export at 10k and 100k rows: seconds and peak memory.

export_*_s include reading the rows from the database, streamed as the product does.

Run: python bench/bench_ledger.py [--rows 10000,100000]. Each size runs in its own process so
that peak RSS belongs to that size alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _one(rows: int) -> dict[str, float]:
    import io

    from bench.common import T0, make_app, peak_rss_mb, seed_problems, temp_config
    from bot.domain import Role
    from bot.reports.ledger_csv import write_csv
    from bot.reports.workbook import write_xlsx
    from bot.services.membership import Identity, UnitView
    from sandbox import BotApiSandbox

    config, folder = temp_config()
    app, database, clock = make_app(config, BotApiSandbox(strict=False))
    seed_problems(database, rows)
    ledger = app.bot_data.services.ledger
    leader = Identity(1, Role.LEADER, UnitView(1, "U0001", "单位1"), "zh")
    office = Identity(2, Role.OFFICE, None, "zh")
    result: dict[str, float] = {"rows": rows}

    def timed(name: str, fn: object, repeat: int = 20) -> None:
        start = time.perf_counter()
        for _ in range(repeat):
            fn()  # type: ignore[operator]
        result[name] = (time.perf_counter() - start) / repeat * 1000

    timed("list_unit_page_ms", lambda: ledger.browse(by=leader, scope="unit"))
    timed("list_all_overdue_page_ms", lambda: ledger.browse(by=office, scope="all", overdue=True))
    timed("list_all_last_page_ms", lambda: ledger.browse(by=office, scope="all", last=True), 5)
    # The exports stream rows from the database as /export and `python -m bot export` do.
    start = time.perf_counter()
    write_xlsx(ledger.iter_rows(), io.BytesIO(), tz=config.tz, now=T0, per_unit=True)
    result["export_xlsx_s"] = time.perf_counter() - start
    start = time.perf_counter()
    write_csv(ledger.iter_rows(), folder / "out.csv", tz=config.tz, now=T0)
    result["export_csv_s"] = time.perf_counter() - start
    result["peak_rss_mb"] = peak_rss_mb()
    del clock
    return result


def measure(rows: int) -> dict[str, float]:
    """Run one size in a fresh process and return its figures."""
    out = subprocess.run([sys.executable, __file__, "--one", str(rows)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one)))
        return
    results = [measure(int(n)) for n in args.rows.split(",")]
    keys = [k for k in results[0] if k != "rows"]
    print(f"{'rows':>28s} " + " ".join(f"{int(r['rows']):>12d}" for r in results))
    for key in keys:
        print(f"{key:>28s} " + " ".join(f"{r[key]:12.2f}" for r in results))


if __name__ == "__main__":
    main()
