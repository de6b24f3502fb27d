"""The bot at full size: filing beside 1M rows, the last ledger page, 5,000 digests, a 300k
export, the CLI's start, and office-hours planning for 20,000 people beside the event loop.

Run: python bench/bench_full.py [--only NAME,…]. CPU and database only: the Bot API is the
in-process sandbox with no delay, so these figures leave the network out.

- filing_updates_per_s_1m: bench_filing's conversation (200 people, 12 updates each) in unit
  EDU of the seeded database (bench/seeded.py: 1M problems, 1M pending notifications, EDU with
  100k of the problems and 10,000 members), after the start-up's statistics refresh, and
  filing_updates_per_s_empty_beside, the empty database's measured round after round beside it
  (its baseline: the same process, the same moment);
- ledger_last_page_100k_ms: /ledger's last page of EDU (100k rows), the service call a tap
  on ⏭ makes, median of 20;
- digest_5000_units_s: bench_digest's figures (every unit digest, private note, the city
  text and chart) for 5,000 units and 500k problems;
- export_300k_s: `python -m bot export -o FILE.xlsx` of 300k rows over 100 units, the whole
  command in a subprocess (its start included), and export_300k_one_process_s, the same with
  `--jobs 1` right after it (the baseline of bot/reports/parallel.py's worker process);
- cli_help_s: `python -m bot --help` in a subprocess, median of 5;
- office_hours_20k_stall_ms: the event loop's longest lag while the tick's office-hours planner
  plans a day for 20,000 people on a worker thread, as the sender runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_digest, bench_filing, seeded  # noqa: E402 - needs ROOT on sys.path
from bench.common import T0, seed_problems  # noqa: E402


def filing_1m(filings: int = 200, rounds: int = 2) -> dict[str, float]:
    """The 1M figure, and the empty database's measured beside it, round after round, so that
    the ratio compares the two under the same load of a shared machine (medians)."""
    full, empty, p99 = [], [], []
    for _ in range(rounds):
        result = _filing_seeded(filings)
        full.append(result["filing_updates_per_s"])
        p99.append(result["latency_p99_ms"])
        empty.append(asyncio.run(bench_filing.filing(filings))["filing_updates_per_s"])
    return {"filing_updates_per_s_1m": statistics.median(full),
            # The baseline of the 1M figure: measured beside it, in the same process. A process
            # that has run the other benches first is slower than bench_filing's fresh one.
            "filing_updates_per_s_empty_beside": statistics.median(empty),
            "filing_latency_p99_ms_1m": statistics.median(p99),
            "filing_1m_vs_empty": statistics.median(f / e for f, e in zip(full, empty,
                                                                           strict=True))}


def _filing_seeded(filings: int) -> dict[str, float]:
    from storage.db import Database
    from storage.migrate import refresh_statistics

    path = seeded.fresh()
    url = f"sqlite:///{path}"
    database = Database.from_url(url)
    refresh_statistics(database.engine)  # what `run` does at start (ensure_schema)
    database.dispose()
    try:
        return asyncio.run(bench_filing.filing(filings, url))
    finally:
        _remove(path)


def ledger_last_page() -> dict[str, float]:
    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.config import parse_config
    from bot.domain import Role
    from bot.services.membership import Identity, UnitView

    config = parse_config({"database": {"url": f"sqlite:///{seeded.seeded()}"}})
    services = build_services(config, clock=FixedClock(T0))
    leader = Identity(seeded.FIRST_USER, Role.LEADER, UnitView(1, "EDU", "市教育局"), "zh")

    def last() -> object:
        page = services.ledger.browse(by=leader, scope="unit", last=True)
        assert page.total >= seeded.UNIT_ROWS and len(page.items) == services.ledger.page_size
        return page

    def first() -> object:
        return services.ledger.browse(by=leader, scope="unit")

    result = {"ledger_last_page_100k_ms": _median_ms(last, 20),
              "ledger_first_page_100k_ms": _median_ms(first, 20)}
    services.db.dispose()
    return result


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    work()  # warm: the first call opens the connection and compiles the statements
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def digest_5000() -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    url = f"sqlite:///{folder / 'b.db'}"
    bench_digest._child("--child", "seed", "--db", url, "--units", "5000",
                        "--problems", "500000")
    r = json.loads(bench_digest._child("--child", "measure", "--db", url))
    _remove(folder / "b.db")
    total = sum(r[k] for k in ("unit_digests_s", "private_notes_s", "city_text_s", "chart_s"))
    return {"digest_5000_units_s": total, "digest_5000_unit_texts_s": r["unit_digests_s"],
            "digest_5000_private_notes_s": r["private_notes_s"]}


def export_300k() -> dict[str, float]:
    from storage.db import Database
    from storage.migrate import upgrade

    folder = Path(tempfile.mkdtemp(prefix="export-bench-"))
    url = f"sqlite:///{folder / 'b.db'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    seed_problems(database, 300_000)
    database.dispose()
    env = {**os.environ, "BOT_CONFIG": ""}
    config = folder / "config.yaml"
    config.write_text(f"database:\n  url: {url}\n", encoding="utf-8")

    def export(*extra: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "export", "--config", str(config), "-o",
                        str(folder / "ledger.xlsx"), *extra], check=True, cwd=ROOT, env=env,
                       capture_output=True)
        return time.perf_counter() - start

    # The command as it runs (its unit sheets on two processes where there are two cores),
    # and one process beside it as the baseline of the same moment.
    seconds, one = export(), export("--jobs", "1")
    _remove(folder / "b.db", folder / "ledger.xlsx")
    return {"export_300k_s": seconds, "export_300k_one_process_s": one,
            "export_300k_vs_one_process": seconds / one}


def cli_help() -> dict[str, float]:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "--help"], check=True, cwd=ROOT,
                       capture_output=True)
        times.append(time.perf_counter() - start)
    return {"cli_help_s": statistics.median(times)}


def office_hours_stall(people: int = 20_000) -> dict[str, float]:
    """The loop's longest lag while a day's office-hours reminders are planned for `people`."""
    import datetime as dt

    from sqlalchemy import insert

    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.config import parse_config
    from bot.domain import Role
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import Member, Unit, User

    folder = Path(tempfile.mkdtemp(prefix="office-bench-"))
    url = f"sqlite:///{folder / 'b.db'}"
    database = Database.from_url(url)
    upgrade(database.engine)
    now = T0.astimezone(dt.UTC)
    with database.write() as conn:
        conn.execute(insert(Unit), [{"id": u, "code": f"U{u}", "name": f"单位{u}",
                                     "created_at": now} for u in range(1, 101)])
        conn.execute(insert(User), [{"id": 10_000 + i, "display_name": f"干部{i}",
                                     "created_at": now} for i in range(people)])
        conn.execute(insert(Member), [{"user_id": 10_000 + i, "unit_id": i % 100 + 1,
                                       "role": Role.MEMBER, "joined_at": now}
                                      for i in range(people)])
    config = parse_config({"database": {"url": url}})
    # Early on a working day (Monday 30 Nov 2026, 07:00): both of the day's times lie ahead.
    clock = FixedClock(T0.replace(hour=7))
    services = build_services(config, clock=clock, database=database)
    # As the bot's start-up does (bot.app._post_init): what lives as long as the process is
    # out of the collector's reach, so a collection walks only the planning's own objects.
    gc.collect()
    gc.freeze()

    async def measure() -> tuple[float, float, int]:
        lag, done = 0.0, False

        async def watch() -> None:
            nonlocal lag
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                lag = max(lag, time.perf_counter() - before - 0.001)

        watcher = asyncio.create_task(watch())
        await asyncio.sleep(0.01)
        start = time.perf_counter()
        planned = await asyncio.to_thread(services.office_hours.plan_day,
                                          services.office_hours.today())
        seconds = time.perf_counter() - start
        done = True
        await watcher
        return lag * 1000, seconds, planned

    stall, seconds, planned = asyncio.run(measure())
    assert planned == 2 * people, f"{planned} reminders planned for {people} people"
    database.dispose()
    _remove(folder / "b.db")
    return {"office_hours_20k_stall_ms": stall, "office_hours_20k_plan_s": seconds}


def _remove(*paths: Path) -> None:
    for path in paths:
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)


PARTS: dict[str, Callable[[], dict[str, float]]] = {
    "filing": filing_1m, "ledger": ledger_last_page, "digest": digest_5000,
    "export": export_300k, "cli": cli_help, "office": office_hours_stall,
}


def measure(only: list[str] | None = None) -> dict[str, float]:
    results: dict[str, float] = {}
    for name, part in PARTS.items():
        if only is None or name in only:
            print(f"… full size: {name}", file=sys.stderr, flush=True)
            results.update(part())
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help=f"comma-separated: {', '.join(PARTS)}")
    args = parser.parse_args()
    results = measure(args.only.split(",") if args.only else None)
    for key, value in results.items():
        print(f"{key:32s} {value:12.3f}")


if __name__ == "__main__":
    main()
