"""Measure the weekly digests: every unit's digest and private note, the city table and chart.

Seeds a temp SQLite file (1,000 units, 100k problems with their events, members, groups,
meetings, leave) in one subprocess, then measures in a fresh one, so peak RSS is the digests'.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import peak_rss_mb  # noqa: E402 - needs ROOT on sys.path

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)  # a Monday digest time
PHASES = [
    {"name": "学习动员", "start": "2026-11-02", "end": "2026-11-15"},
    {"name": "查摆问题", "start": "2026-11-16", "end": "2026-12-06"},
    {"name": "整改落实", "start": "2026-12-07", "end": "2026-12-27"},
    {"name": "总结提升", "start": "2026-12-28", "end": "2027-01-10"},
]


def _config(url: str):  # type: ignore[no-untyped-def]
    from bot.config import parse_config

    return parse_config({"database": {"url": url}, "office_admins": [900],
                         "campaign": {"phases": PHASES}})


def seed(url: str, units: int, problems: int) -> None:
    """Bulk-insert the dataset (setup, not measured)."""
    from sqlalchemy import insert

    from bot.domain import (
        Answer,
        EventKind,
        LeaveKind,
        LeaveState,
        MeetingState,
        Role,
        Source,
        Status,
        Track,
    )
    from storage.db import Database
    from storage.leave import LeaveRequest
    from storage.ledger import Problem, ProblemEvent
    from storage.meetings import Attendee, Meeting
    from storage.migrate import upgrade
    from storage.models import GroupChat, Member, Unit, User

    db = Database.from_url(url)
    upgrade(db.engine)
    now = AT.astimezone(dt.UTC)
    statuses, tracks = list(Status), list(Track)
    with db.write() as conn:
        conn.execute(insert(Unit), [{"id": u, "code": f"U{u:04d}", "name": f"某某县第{u}号单位",
                                     "created_at": now} for u in range(1, units + 1)])
        people = []
        for u in range(1, units + 1):
            for k, role in enumerate((Role.LEADER, Role.LIAISON, Role.MEMBER, Role.MEMBER)):
                people.append((u * 10 + k, u, role))
        conn.execute(insert(User), [{"id": p, "display_name": f"干部{p}", "created_at": now}
                                    for p, _, _ in people])
        conn.execute(insert(Member), [{"user_id": p, "unit_id": u, "role": r, "joined_at": now}
                                      for p, u, r in people])
        conn.execute(insert(GroupChat), [
            {"chat_id": -1_000_000 - u, "unit_id": u, "title": f"群{u}", "bound_by": u * 10,
             "bound_at": now} for u in range(1, units + 1)])
        rows, events = [], []
        for i in range(problems):
            unit, seq = i % units + 1, i // units + 1
            status, track = statuses[(i // 3) % 4], tracks[i % 3]
            filed = now - dt.timedelta(days=i % 42, hours=i % 7)
            deadline = None if track == Track.ONGOING else now + dt.timedelta(days=(i % 60) - 20)
            owner = unit * 10 + 2 + i % 2
            rows.append({
                "id": i + 1, "unit_id": unit, "seq": seq, "number": f"U{unit:04d}-{seq:04d}",
                "source": Source.SELF, "category": "履职尽责缺位", "description": f"问题{i}",
                "measures": ["安排轮值"], "track": track, "owner_name": f"干部{owner}",
                "owner_user_id": owner, "deadline": deadline, "status": status, "evidence": [],
                "tags": [], "rework_count": 0, "created_by": owner, "created_at": filed,
                "updated_at": filed})
            events.append((i + 1, filed, EventKind.FILED))
            if status in (Status.AWAITING_SIGNOFF, Status.SIGNED_OFF):
                events.append((i + 1, filed + dt.timedelta(days=2), EventKind.DONE))
            if status == Status.SIGNED_OFF:
                events.append((i + 1, filed + dt.timedelta(days=3), EventKind.APPROVED))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Problem), rows[start:start + 5000])
        batch = [{"problem_id": p, "at": at, "actor_id": 1, "actor_name": "x", "kind": kind}
                 for p, at, kind in events]
        for start in range(0, len(batch), 5000):
            conn.execute(insert(ProblemEvent), batch[start:start + 5000])
        conn.execute(insert(Meeting), [
            {"id": u, "unit_id": u, "title": "学习会", "place": "会议室",
             "starts_at": now - dt.timedelta(days=3), "organiser_id": u * 10,
             "organiser_name": "领导", "state": MeetingState.SCHEDULED, "created_at": now}
            for u in range(1, units + 1)])
        answers = list(Answer)
        conn.execute(insert(Attendee), [
            {"meeting_id": p // 10, "user_id": p, "name": f"干部{p}", "answer": answers[p % 3]}
            for p, _, _ in people])
        conn.execute(insert(LeaveRequest), [
            {"unit_id": u, "user_id": u * 10 + 3, "user_name": "干部", "kind": LeaveKind.SICK,
             "first_day": dt.date(2026, 11, 24), "last_day": dt.date(2026, 11, 26),
             "reason": "病", "state": LeaveState.APPROVED, "created_at": now}
            for u in range(1, units + 1)])
    db.dispose()


def measure(url: str) -> dict[str, float]:
    """Time each digest kind as the sender makes it (per unit, the week's digests sharing one
    city-wide pass of figures and one of private notes), plus the one-pass city view."""
    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.reports.digest import DigestReport
    from bot.services.digest import DigestService
    from storage.db import Database

    config = _config(url)
    services = build_services(config, clock=FixedClock(AT), database=Database.from_url(url))
    digest = DigestService(services.db, services.clock, services.notify, config,
                           services.calendar)
    report = DigestReport(digest)
    unit_ids = [s.unit_id for s in digest.city_stats(AT)]
    result: dict[str, float] = {"units": len(unit_ids)}

    def timed(name: str, work) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        work()
        result[f"{name}_s"] = time.perf_counter() - start

    timed("plan", lambda: result.__setitem__(
        "planned", services.notify.plan(digest.week_plan(digest.slot(AT), AT))))
    timed("unit_digests", lambda: [report.unit_text(u, "zh", AT, shared=True) for u in unit_ids])
    timed("unit_digests_fresh", lambda: [report.unit_text(u, "zh", AT) for u in unit_ids[:200]])
    timed("private_notes", lambda: [report.private_text(u, "zh", shared=True)
                                    for u in unit_ids])
    timed("city_stats_one_pass", lambda: digest.city_stats(AT))
    timed("city_text", lambda: report.city_text("zh", AT, shared=True))
    timed("city_text_full", lambda: result.__setitem__(
        "city_full_chars", len(report.city_text("zh", AT, limit=None))))
    timed("chart", lambda: result.__setitem__(
        "chart_kb", len(report.city_chart("zh", AT, shared=True)) / 1024))
    result["maxrss_mb"] = peak_rss_mb()
    return result


def _child(*args: str) -> str:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a temp SQLite file)")
    parser.add_argument("--child", choices=["seed", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "seed":
        seed(args.db, args.units, args.problems)
        return
    if args.child == "measure":
        print(json.dumps(measure(args.db)))
        return
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='digest-bench-')) / 'b.db'}"
    start = time.perf_counter()
    _child("--child", "seed", "--db", url, "--units", str(args.units),
           "--problems", str(args.problems))
    print(f"seeded {args.units} units, {args.problems} problems in "
          f"{time.perf_counter() - start:.1f} s ({url})")
    r = json.loads(_child("--child", "measure", "--db", url))
    n = r["units"]
    print(f"{'what':<28} {'seconds':>8}")
    print(f"{'plan (' + str(int(r['planned'])) + ' notes)':<28} {r['plan_s']:>8.2f}")
    print(f"{f'{n:.0f} unit digests':<28} {r['unit_digests_s']:>8.2f}  "
          f"({1000 * r['unit_digests_s'] / n:.1f} ms each)")
    print(f"{'one unit on demand (/stats)':<28} {r['unit_digests_fresh_s'] / 200:>8.3f}")
    print(f"{f'{n:.0f} private notes':<28} {r['private_notes_s']:>8.2f}  "
          f"({1000 * r['private_notes_s'] / n:.1f} ms each)")
    print(f"{'city stats, one pass':<28} {r['city_stats_one_pass_s']:>8.2f}")
    print(f"{'city text (30 rows)':<28} {r['city_text_s']:>8.2f}")
    print(f"{'city text (all rows)':<28} {r['city_text_full_s']:>8.2f}  "
          f"({r['city_full_chars']:.0f} chars)")
    print(f"{'chart PNG':<28} {r['chart_s']:>8.2f}  ({r['chart_kb']:.0f} KB)")
    total = sum(r[k] for k in ("unit_digests_s", "private_notes_s", "city_text_s", "chart_s"))
    print(f"{'all digests + chart':<28} {total:>8.2f}")
    print(f"peak RSS of the measuring process: {r['maxrss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
