"""Measure the colour ladder: every open item's colour over 100,000 open items, on SQLite.

Run: python bench/bench_ladder.py [--rows 100000]
Prints, as JSON: ladder_tick_ms_100k, the daily colour pass on an ordinary working day (every
open item coloured from its deadline, its last movement and the colour last recorded; the
day's changes handed back; median of 5), with its CPU time (ladder_tick_cpu_ms_100k, which a
shared machine disturbs less), the day's changes and the whole step that records them
(ladder_step_ms_100k); and the first pass and step, when every coloured item is new
(ladder_first_tick_ms_100k, ladder_first_step_s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bench.common import T0, temp_config  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.domain import EventKind, Role, Source, Status, Track  # noqa: E402
from bot.services.ladder import LadderService  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.ledger import Problem, ProblemEvent  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Member, Unit, User  # noqa: E402

UNITS = 100


def seed(database: Database, rows: int) -> None:
    """Open items filed over the last 20 days, due from 10 days ago to 50 days on; half with a
    progress event; a leader per unit (setup, not measured)."""
    now = T0.astimezone(dt.UTC)
    with database.write() as conn:
        conn.execute(insert(Unit), [{"id": u, "code": f"U{u:04d}", "name": f"单位{u}",
                                     "created_at": now} for u in range(1, UNITS + 1)])
        conn.execute(insert(User), [{"id": 50_000 + u, "display_name": f"领导{u}",
                                     "created_at": now} for u in range(1, UNITS + 1)])
        conn.execute(insert(Member), [{"user_id": 50_000 + u, "unit_id": u, "role": Role.LEADER,
                                       "joined_at": now} for u in range(1, UNITS + 1)])
        problems, events = [], []
        for i in range(1, rows + 1):
            unit, seq, owner = i % UNITS + 1, i // UNITS + 1, 10_000 + i % 997
            filed = now - dt.timedelta(days=i % 20, hours=i % 7)
            problems.append({
                "id": i, "unit_id": unit, "seq": seq, "number": f"U{unit:04d}-{seq:05d}",
                "source": Source.SELF, "category": "履职尽责缺位",
                "description": f"问题描述{i}", "measures": ["安排轮值"], "track": Track.DEADLINE,
                "owner_name": f"干部{i % 997}", "owner_user_id": owner,
                "deadline": now + dt.timedelta(days=(i % 60) - 10, hours=i % 11),
                "status": (Status.PENDING, Status.IN_PROGRESS)[i % 2], "evidence": [],
                "tags": [], "rework_count": 0, "created_by": owner, "created_at": filed,
                "updated_at": filed})
            events.append({"problem_id": i, "at": filed, "actor_id": owner, "actor_name": "干部",
                           "kind": EventKind.FILED})
            if i % 2:
                events.append({"problem_id": i, "at": filed + dt.timedelta(days=i % 9),
                               "actor_id": owner, "actor_name": "干部",
                               "kind": EventKind.PROGRESS})
            if len(problems) == 5000:
                conn.execute(insert(Problem), problems)
                conn.execute(insert(ProblemEvent), events)
                problems, events = [], []
        if problems:
            conn.execute(insert(Problem), problems)
            conn.execute(insert(ProblemEvent), events)


def _passes(database: Database, ladder: LadderService) -> tuple[float, float, int]:
    """Median wall and CPU time of five colour passes, and how many items changed colour."""
    walls, cpus, changed = [], [], 0
    for _ in range(5):
        start, used = time.perf_counter(), time.process_time()
        with database.read() as conn:
            changed = len(ladder.changes(conn))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - used)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, changed


def measure(rows: int = 100_000) -> dict[str, float]:
    config, _ = temp_config()
    database = Database.from_url(config.database.url)
    upgrade(database.engine)
    seed(database, rows)
    clock = FixedClock(T0)
    ladder = build_services(config, clock=clock, database=database).ladder
    # The first pass finds every coloured item new; the first step records them all.
    all_ms, _, all_changed = _passes(database, ladder)
    start = time.perf_counter()
    first = ladder.step()
    first_s = time.perf_counter() - start
    # The next working day: the pass colours every item again and hands back the day's changes.
    clock.set(T0 + dt.timedelta(days=1))
    day_ms, day_cpu_ms, day_changed = _passes(database, ladder)
    start = time.perf_counter()
    day = ladder.step()
    day_step_ms = (time.perf_counter() - start) * 1000
    assert len(first) == all_changed and len(day) == day_changed
    database.dispose()
    return {"ladder_tick_ms_100k": day_ms, "ladder_tick_cpu_ms_100k": day_cpu_ms,
            "ladder_tick_changes": float(day_changed), "ladder_step_ms_100k": day_step_ms,
            "ladder_first_tick_ms_100k": all_ms, "ladder_first_changes": float(all_changed),
            "ladder_first_step_s": first_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(measure(args.rows), indent=2))


if __name__ == "__main__":
    main()
