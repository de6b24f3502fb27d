"""The city-wide pass of the digest figures against one unit at a time, on a fixed data set:
the same numbers for every unit, and the numbers worked out by hand for a few."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import insert

from bot.domain import (
    Answer,
    Colour,
    EventKind,
    LeaveKind,
    LeaveState,
    MeetingState,
    Role,
    Source,
    Status,
    Supervision,
    Track,
)
from bot.services.private_note import every_note, one_note
from bot.services.stats import UnitStats, Window, collect
from storage.db import Database
from storage.leave import LeaveRequest
from storage.ledger import Problem, ProblemEvent
from storage.meetings import Attendee, Meeting
from storage.models import Member, Unit, User
from tests.conftest import SHANGHAI, migrated

NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in Shanghai
WINDOW = Window(now=NOW, since=NOW - dt.timedelta(days=7), until=NOW, tz=SHANGHAI)
UNITS = 4  # the fourth has no items at all
ITEMS = 60
LADDER = (EventKind.LADDER_BLUE, EventKind.LADDER_YELLOW, EventKind.LADDER_RED,
          EventKind.LADDER_CLEAR)


def _item(i: int) -> dict[str, object]:
    unit = i % (UNITS - 1) + 1
    track = list(Track)[(i + i // 3) % 3]
    deadline = None if track == Track.ONGOING else NOW + dt.timedelta(days=i % 50 - 25,
                                                                     hours=i % 5)
    return {
        "id": i + 1, "unit_id": unit, "seq": i + 1, "number": f"U{unit}-{i + 1:03d}",
        "source": Source.SELF, "category": "履职尽责缺位", "description": f"问题{i}",
        "measures": ["安排轮值"], "track": track, "owner_name": f"干部{unit}",
        "owner_user_id": 100 + unit, "deadline": deadline, "status": list(Status)[i // 3 % 4],
        "evidence": [], "tags": [], "rework_count": i % 4 // 3,
        "supervision": (None, Supervision.YELLOW, None, Supervision.RED, None)[i % 5],
        "created_by": 100 + unit if i % 7 else 200 + unit,
        "created_at": NOW - dt.timedelta(days=i % 12), "updated_at": NOW}


def _events(i: int, item: dict[str, object]) -> Iterator[tuple[int, dt.datetime, EventKind]]:
    filed = item["created_at"]
    assert isinstance(filed, dt.datetime)
    yield i + 1, filed, EventKind.FILED
    # Some colour history: up to three steps, the last sometimes back to no colour.
    for step in range(i % 4):
        yield i + 1, filed + dt.timedelta(hours=step + 1), LADDER[(i // 2 + step) % 4]
    if item["status"] in (Status.AWAITING_SIGNOFF, Status.SIGNED_OFF):
        deadline = item["deadline"] or NOW
        assert isinstance(deadline, dt.datetime)
        # A first 完成 sent back, then the last one: before or after the deadline.
        yield i + 1, deadline - dt.timedelta(days=3), EventKind.DONE
        yield i + 1, deadline - dt.timedelta(days=2), EventKind.REJECTED
        yield i + 1, deadline + dt.timedelta(hours=(-1, 1)[i % 2]), EventKind.DONE
    if item["status"] == Status.SIGNED_OFF:
        yield i + 1, NOW - dt.timedelta(days=i % 9), EventKind.APPROVED


def _seed(db: Database) -> None:
    items = [_item(i) for i in range(ITEMS)]
    events = [e for i, item in enumerate(items) for e in _events(i, item)]
    people = [(100 + u, u, Role.LEADER, f"领导{u}") for u in range(1, UNITS + 1)] + [
        (200 + u, u, Role.MEMBER, f"干部{u}") for u in range(1, UNITS + 1)] + [
        (300 + u, u, Role.LIAISON, f"联络{u}") for u in range(1, UNITS + 1)]
    with db.write() as conn:
        conn.execute(insert(Unit), [{"id": u, "code": f"U{u}", "name": f"第{u}单位",
                                     "created_at": NOW} for u in range(1, UNITS + 1)])
        conn.execute(insert(User), [{"id": p, "display_name": name, "created_at": NOW}
                                    for p, _, _, name in people])
        conn.execute(insert(Member), [{"user_id": p, "unit_id": u, "role": role,
                                       "joined_at": NOW} for p, u, role, _ in people])
        conn.execute(insert(Problem), items)
        conn.execute(insert(ProblemEvent), [
            {"problem_id": p, "at": at, "actor_id": 1, "actor_name": "x", "kind": kind}
            for p, at, kind in events])
        conn.execute(insert(Meeting), [
            {"id": u, "unit_id": u, "title": "学习会", "place": "会议室",
             "starts_at": NOW - dt.timedelta(days=u), "organiser_id": 100 + u,
             "organiser_name": "领导", "state": MeetingState.SCHEDULED, "created_at": NOW}
            for u in range(1, UNITS)])
        conn.execute(insert(Attendee), [
            {"meeting_id": u, "user_id": p, "name": name, "answer": list(Answer)[p % 3]}
            for p, u, _, name in people if u < UNITS])
        conn.execute(insert(LeaveRequest), [
            {"unit_id": u, "user_id": 200 + u, "user_name": "干部", "kind": LeaveKind.SICK,
             "first_day": dt.date(2026, 11, 24), "last_day": dt.date(2026, 11, 26),
             "reason": "病", "state": LeaveState.APPROVED, "created_at": NOW}
            for u in range(1, UNITS)])


@pytest.fixture
def seeded(db_url: str) -> Iterator[Database]:
    with migrated(db_url) as db:
        _seed(db)
        yield db


def test_the_city_pass_gives_each_unit_what_its_own_pass_gives(seeded: Database) -> None:
    with seeded.read() as conn:
        city = collect(conn, WINDOW)
        alone = [collect(conn, WINDOW, [s.unit_id])[0] for s in city]
    assert [s.code for s in city] == ["U1", "U2", "U3", "U4"]
    assert city == alone
    # Something of everything, so that equal is not equally empty.
    for s in city[:3]:
        assert s.total and s.overdue and s.filed_week and s.fixed_week and s.signed_week
        assert s.meetings and s.leaves_ended and s.rework and s.overdue_days
        assert any(s.colours.values()) and all(s.marks.values())
        assert 0 < s.on_time < s.with_deadline
    assert city[3] == UnitStats(4, "U4", "第4单位")


def test_the_supervision_figures_are_those_worked_out_by_hand(seeded: Database) -> None:
    items = [_item(i) for i in range(ITEMS)]
    colours = {unit: dict.fromkeys(Colour, 0) for unit in range(1, UNITS + 1)}
    marks = {unit: dict.fromkeys(Supervision, 0) for unit in range(1, UNITS + 1)}
    on_time = dict.fromkeys(range(1, UNITS + 1), 0)
    days = dict.fromkeys(range(1, UNITS + 1), 0)
    shade = {EventKind.LADDER_BLUE: Colour.BLUE, EventKind.LADDER_YELLOW: Colour.YELLOW,
             EventKind.LADDER_RED: Colour.RED}
    for i, item in enumerate(items):
        unit, status, deadline = item["unit_id"], item["status"], item["deadline"]
        assert isinstance(unit, int) and isinstance(status, Status)
        ladder = [kind for _, _, kind in _events(i, item) if kind in LADDER]
        is_open = status in (Status.PENDING, Status.IN_PROGRESS)
        if is_open and ladder and ladder[-1] in shade:
            colours[unit][shade[ladder[-1]]] += 1
        mark = item["supervision"]
        if isinstance(mark, Supervision) and status != Status.SIGNED_OFF:
            marks[unit][mark] += 1
        if isinstance(deadline, dt.datetime):
            # The last 完成 is an hour before the deadline for even items, after it for odd.
            on_time[unit] += (deadline >= NOW) if is_open else i % 2 == 0
            if is_open and deadline < NOW:
                days[unit] += max(1, (NOW - deadline).days + 1)
    with seeded.read() as conn:
        city = collect(conn, WINDOW)
    assert {s.unit_id: s.colours for s in city} == colours
    assert {s.unit_id: s.marks for s in city} == marks
    assert {s.unit_id: s.on_time for s in city} == on_time
    assert {s.unit_id: s.overdue_days for s in city} == days
    assert sum(sum(c.values()) for c in colours.values()) > 5


def test_every_private_note_at_once_is_each_note_on_its_own(seeded: Database) -> None:
    since = NOW - dt.timedelta(days=5)
    day = since.astimezone(SHANGHAI).date()
    with seeded.read() as conn:
        every = every_note(conn, NOW, SHANGHAI, since, day)
        alone = {u: one_note(conn, u, NOW, SHANGHAI, since, day) for u in range(1, UNITS + 1)}
        unnamed = every_note(conn, NOW, SHANGHAI, None, day)
    assert every == alone
    assert every[1].overdue_total == 3 and every[1].silent == ("联络1",)
    assert set(every[4].silent) == {"领导4", "干部4", "联络4"} and not every[4].overdue
    assert all(not note.silent for note in unnamed.values())
