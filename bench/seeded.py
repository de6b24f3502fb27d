"""A full bench database: 1M problems, 1M pending notifications, 10,000 members in one unit.

Seeded once with raw executemany into a SQLite file under the temp dir (keyed by the schema
head and this layout), then copied for each bench that writes to it. The unit under test is
市教育局 (EDU, id 1): 100k of the problems and all 10,000 members; the other 900k problems
are spread over 999 units. Every problem has one pending notification about it, due later.

Run: python bench/seeded.py [--problems 1000000] prints the file's path (seeding it if needed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import T0

LAYOUT = 1  # raise when what is seeded changes, so an old cached file is not reused
UNITS = 1000
UNIT_ROWS = 100_000  # problems of the unit under test
MEMBERS = 10_000  # members of the unit under test
FIRST_USER = 1_000_000
BATCH = 20_000


def _ts(value: dt.datetime) -> str:
    """A UTC datetime as SQLAlchemy's SQLite DateTime stores it (sortable text)."""
    value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%d %H:%M:%S}.{value.microsecond:06d}"


def _problem_rows(problems: int):  # type: ignore[no-untyped-def]
    now = _ts(T0)
    statuses = ("pending", "in_progress", "awaiting_signoff", "signed_off")
    tracks = ("deadline", "deadline", "immediate", "ongoing")
    measures = json.dumps(["安排轮值", "公示电话"])
    seqs = [0] * (UNITS + 1)
    for i in range(problems):
        unit = 1 if i < min(UNIT_ROWS, problems) else 2 + i % (UNITS - 1)
        seqs[unit] += 1
        seq = seqs[unit]
        owner = FIRST_USER + i % MEMBERS if unit == 1 else 10_000 + i % 997
        track = tracks[i % 4]
        deadline = None if track == "ongoing" else _ts(T0 + dt.timedelta(days=i % 60 - 20,
                                                                         minutes=i % 1440))
        yield (i + 1, unit, seq, f"U{unit:04d}-{seq:05d}" if unit != 1 else f"EDU-{seq:05d}",
               "unit", "self", "履职尽责缺位", f"问题描述{i}：窗口工作人员午休时段无人值守",
               measures, track, f"干部{owner}", owner, deadline,
               30 if track == "ongoing" else None, statuses[i % 4], "[]", i % 3, "[]", owner,
               now, now)
    yield seqs


def seed(path: Path, problems: int) -> None:
    """Create the schema with the migrations, then bulk-insert the rows with sqlite3."""
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database.from_url(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()
    conn = sqlite3.connect(path)
    # Setup, not the product: no journal while filling, WAL (the product's mode) afterwards.
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    now = _ts(T0)
    with conn:
        conn.executemany(
            "INSERT INTO units (id, code, name, created_at, problem_seq) VALUES (?, ?, ?, ?, 0)",
            [(1, "EDU", "市教育局", now)]
            + [(u, f"U{u:04d}", f"单位{u}", now) for u in range(2, UNITS + 1)])
        users = [(FIRST_USER + k, f"干部{FIRST_USER + k}", now) for k in range(MEMBERS)]
        conn.executemany("INSERT INTO users (id, display_name, reachable, office_reminders,"
                         " created_at) VALUES (?, ?, 1, 1, ?)", users)
        conn.executemany(
            "INSERT INTO members (user_id, unit_id, role, joined_at) VALUES (?, 1, ?, ?)",
            [(uid, "leader" if k == 0 else "liaison" if k == 1 else "member", now)
             for k, (uid, _, _) in enumerate(users)])
        rows = _problem_rows(problems)
        batch: list[tuple[object, ...]] = []
        sql = ("INSERT INTO problems (id, unit_id, seq, number, level, source, category,"
               " description, measures, track, owner_name, owner_user_id, deadline,"
               " checkin_days, status, evidence, rework_count, tags, created_by, created_at,"
               " updated_at) VALUES (" + ", ".join("?" * 21) + ")")
        for row in rows:
            if isinstance(row, list):
                seqs = row
                break
            batch.append(row)
            if len(batch) == BATCH:
                conn.executemany(sql, batch)
                batch = []
        if batch:
            conn.executemany(sql, batch)
        conn.executemany("UPDATE units SET problem_seq = ? WHERE id = ?",
                         [(seqs[u], u) for u in range(1, UNITS + 1)])
        sql = ("INSERT INTO notifications (id, key, chat_id, kind, subject, due_at, urgent,"
               " payload, state, attempts, late, created_at)"
               " VALUES (?, ?, ?, ?, ?, ?, 0, '{}', 'pending', 0, 0, ?)")
        batch = []
        for i in range(1, problems + 1):
            due = _ts(T0 + dt.timedelta(days=1 + i % 30, minutes=i % 1440))
            batch.append((i, f"p{i}:deadline.before:{i}", FIRST_USER + i % MEMBERS,
                          "deadline.before", f"problem:{i}", due, now))
            if len(batch) == BATCH:
                conn.executemany(sql, batch)
                batch = []
        if batch:
            conn.executemany(sql, batch)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def seeded(problems: int = 1_000_000) -> Path:
    """The cached seeded file (made on first use); never write to it, copy it (`fresh`)."""
    from storage.migrate import MIGRATIONS

    folder = Path(tempfile.gettempdir()) / "zhenggai-bench-seeded"
    folder.mkdir(exist_ok=True)
    schema = hashlib.sha256()
    for migration in sorted((MIGRATIONS / "versions").glob("*.py")):
        schema.update(migration.read_bytes())
    path = folder / f"seeded-{schema.hexdigest()[:12]}-v{LAYOUT}-{problems}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        for leftover in folder.glob(partial.name + "*"):
            leftover.unlink()
        start = time.perf_counter()
        seed(partial, problems)
        partial.rename(path)
        print(f"seeded {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


def fresh(problems: int = 1_000_000) -> Path:
    """A private copy of the seeded file in a new temp folder, for a bench that writes."""
    target = Path(tempfile.mkdtemp(prefix="zhenggai-bench-")) / "bench.db"
    shutil.copyfile(seeded(problems), target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--problems", type=int, default=1_000_000)
    args = parser.parse_args()
    print(seeded(args.problems))


if __name__ == "__main__":
    main()
