"""The hot queries use indexes, not scans: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL.

Each test runs the real use case, records the statements it sends, and asks the database how
it would run each one. PostgreSQL is asked with sequential scans priced out
(enable_seqscan=off), so a scan shows only where no index can serve the query at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from bot.bootstrap import Services
from bot.config import Config, parse_config
from bot.domain import EventKind, NoteKind, NoteState, Role, Source, Status, Track
from bot.services.membership import Identity, UnitView
from bot.services.notify import Planned
from bot.services.plans import subject_of
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.migrate import refresh_statistics
from storage.models import Member, Unit, User
from storage.notify import Notification

UNITS, PER_UNIT, MEMBERS = 20, 200, 50


@pytest.fixture
def config(db_url: str) -> Config:
    # A campaign under way, so that the private note asks who has filed nothing this phase.
    phases = [{"name": "查摆问题", "start": "2026-11-02", "end": "2026-12-27"}]
    return parse_config({"database": {"url": db_url}, "office_admins": [900],
                         "campaign": {"phases": phases}})
TABLES = ("notifications", "problems", "problem_events", "members", "users", "units")


def _seed(db: Database, now: dt.datetime) -> None:
    """Enough rows that a scan and an index differ, spread like a real campaign's."""
    utc = now.astimezone(dt.UTC)
    with db.write() as conn:
        conn.execute(insert(Unit), [{"id": u, "code": f"U{u:02d}", "name": f"单位{u}",
                                     "created_at": utc} for u in range(1, UNITS + 1)])
        users = [(u * 1000 + k, u) for u in range(1, UNITS + 1) for k in range(MEMBERS)]
        conn.execute(insert(User), [{"id": uid, "display_name": f"干部{uid}", "created_at": utc}
                                    for uid, _ in users])
        conn.execute(insert(Member), [
            {"user_id": uid, "unit_id": u, "role": Role.LEADER if uid % 1000 == 0 else Role.MEMBER,
             "joined_at": utc} for uid, u in users])
        problems, notes, events = [], [], []
        for i in range(UNITS * PER_UNIT):
            unit, seq = i % UNITS + 1, i // UNITS + 1
            owner = unit * 1000 + i % MEMBERS
            problems.append({
                "id": i + 1, "unit_id": unit, "seq": seq, "number": f"U{unit:02d}-{seq:04d}",
                "source": Source.SELF, "category": "履职尽责缺位", "description": f"问题{i}",
                "measures": ["轮值"], "track": Track.DEADLINE, "owner_name": f"干部{owner}",
                "owner_user_id": owner, "deadline": utc + dt.timedelta(days=i % 40 - 10),
                "status": list(Status)[i % 4], "evidence": [], "tags": [], "created_by": owner,
                "created_at": utc - dt.timedelta(days=i % 30), "updated_at": utc})
            notes.append({"key": f"p{i + 1}:before", "chat_id": owner,
                          "kind": NoteKind.DEADLINE_BEFORE, "subject": subject_of(i + 1),
                          "due_at": utc + dt.timedelta(hours=i % 300), "payload": {},
                          "state": NoteState.PENDING if i % 5 else NoteState.SENT,
                          "created_at": utc})
            events.append({"problem_id": i + 1, "at": utc - dt.timedelta(hours=i % 500),
                           "actor_id": owner, "actor_name": "干部", "kind": EventKind.FILED,
                           "to_status": Status.PENDING})
        conn.execute(insert(Problem), problems)
        conn.execute(insert(Notification), notes)
        conn.execute(insert(ProblemEvent), events)


@pytest.fixture(params=["fresh", "analysed"])
def full(request: pytest.FixtureRequest, services: Services) -> Services:
    """The services over a seeded database, with the planner's statistics as start-up leaves
    them ("analysed"), or with none at all ("fresh": a schema never analysed)."""
    _seed(services.db, services.clock.now())
    engine = services.db.engine
    if request.param == "analysed":
        assert {"problems", "notifications"} <= set(refresh_statistics(engine, everything=True))
    elif engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            if conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))\
                    .first():
                conn.execute(text("DELETE FROM sqlite_stat1"))
        engine.dispose()  # statistics are read when a connection opens
    return services


@contextmanager
def recorded(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT, UPDATE and DELETE the block sends, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "UPDATE", "DELETE") \
                and not executemany:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def plans(db: Database, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(statement, its plan as one text) for each statement, without running any of them."""
    out = []
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as conn:
        if postgres:
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            out.append((statement, "\n".join(str(r[0] if postgres else r[-1]) for r in rows)))
        conn.rollback()
    return out


def full_scans(plan: str) -> list[str]:
    """The tables a plan reads from end to end (an index searched or walked is fine)."""
    found = []
    for line in plan.splitlines():
        words = line.strip().split()
        if "Seq Scan on" in line:
            found.append(line.split("Seq Scan on", 1)[1].split()[0])
        elif words[:1] == ["SCAN"] and len(words) >= 2 and "INDEX" not in words \
                and words[1] in TABLES:
            found.append(words[1])
    return found


def assert_indexed(db: Database, work: Callable[[], object], *, expect: set[str]) -> None:
    """Run `work`; no statement it sent scans a table, and on SQLite it used each index in
    `expect` (PostgreSQL may pick another index, or several in a bitmap, on so few rows)."""
    with recorded(db) as statements:
        work()
    assert statements, "nothing was sent"
    used = set()
    for statement, plan in plans(db, statements):
        assert not full_scans(plan), f"full scan:\n{statement}\n{plan}"
        used |= {name for name in expect if name in plan}
    if db.engine.dialect.name == "sqlite":
        assert used == expect, f"indexes not used: {expect - used}"


def test_replanning_an_item_touches_its_own_pending_rows(full: Services) -> None:
    now = full.clock.now()
    item = [Planned(key="p7:new", chat_id=1001, kind=NoteKind.DEADLINE_TODAY,
                    due_at=now + dt.timedelta(days=1), subject=subject_of(7))]
    assert_indexed(full.db, lambda: full.notify.plan(item, replace_subject=subject_of(7)),
                   expect={"ix_notifications_subject_state"})
    assert_indexed(full.db, lambda: full.notify.cancel_subject(subject_of(8)),
                   expect={"ix_notifications_subject_state"})


def test_lookups_by_kind_and_by_chat_are_served_by_indexes(full: Services) -> None:
    now = full.clock.now()
    # The first tick after a start asks whether any digest was ever sent.
    assert_indexed(full.db, lambda: full.digest._sent_before(now),
                   expect={"ix_notifications_kind_due"})
    assert_indexed(full.db, lambda: full.notify.claim_for_chats("me", [1001, 2002], quiet=False),
                   expect=set())
    assert_indexed(full.db, lambda: full.notify.fail_chat(1003, "blocked"),
                   expect={"ix_notifications_chat"})


def test_the_private_note_finds_overdue_items_and_non_filers_by_index(full: Services) -> None:
    assert_indexed(full.db, lambda: full.digest.private_note(3),
                   expect={"ix_problems_unit_status_deadline", "ix_problems_created_by"})


def test_a_units_digest_figures_read_only_that_unit(full: Services) -> None:
    assert_indexed(full.db, lambda: full.digest.unit_stats(3),
                   expect={"ix_problems_unit_status_deadline",
                           "ix_problem_events_problem_kind_at"})


def test_full_scans_are_recognised(database: Database) -> None:
    """The check itself: a query no index serves is reported."""
    with recorded(database) as statements, database.read() as conn:
        conn.execute(text("SELECT id FROM problems WHERE description = 'x'")).all()
    [(_, plan)] = plans(database, statements)
    assert full_scans(plan) == ["problems"]


def _stat_rows(db: Database, table: str) -> int | None:
    with db.read() as conn:
        stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"),
                            {"t": table}).scalar()
    return None if stat is None else int(str(stat).split()[0])


# SQLite only: PostgreSQL keeps its statistics by autovacuum, and its write lock is per row.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_start_up_analyses_tables_that_outgrew_their_statistics(
        services: Services, config: Any) -> None:
    from bot.cli.common import ensure_schema

    db = services.db
    assert db.engine.dialect.name == "sqlite"
    assert refresh_statistics(db.engine) == []  # nothing but empty tables: nothing to do
    _seed(db, services.clock.now())
    ensure_schema(config)  # what `run`, `web` and the shell do at start
    # analysis_limit samples the indexes: the row counts are estimates.
    assert UNITS * PER_UNIT / 2 < (_stat_rows(db, "problems") or 0) < UNITS * PER_UNIT * 2
    assert UNITS * PER_UNIT / 2 < (_stat_rows(db, "notifications") or 0) < UNITS * PER_UNIT * 2
    assert refresh_statistics(db.engine) == []  # current: not analysed again
    with db.write() as conn:
        conn.execute(insert(Notification), [
            {"key": f"more{i}", "chat_id": 1, "kind": NoteKind.REMINDER, "due_at":
             services.clock.now(), "payload": {}, "state": NoteState.PENDING,
             "created_at": services.clock.now()} for i in range(3 * UNITS * PER_UNIT)])
    assert refresh_statistics(db.engine) == ["notifications"]
    assert (_stat_rows(db, "notifications") or 0) > 2 * UNITS * PER_UNIT


@SQLITE_ONLY
def test_statistics_never_wait_for_another_writer(services: Services) -> None:
    db = services.db
    assert db.engine.dialect.name == "sqlite"
    _seed(db, services.clock.now())
    with db.write() as conn:  # another writer holds the lock all along
        conn.execute(text("UPDATE units SET problem_seq = 1"))
        assert refresh_statistics(db.engine) == []
    assert refresh_statistics(db.engine) == sorted(
        {"members", "notifications", "problem_events", "problems", "units", "users"})


def test_ledger_pages_read_ranges_of_an_index_on_every_page(full: Services) -> None:
    leader = Identity(3000, Role.LEADER, UnitView(3, "U03", "单位3"), "zh")
    cadre = Identity(3001, Role.MEMBER, UnitView(3, "U03", "单位3"), "zh")
    browse = full.ledger.browse
    middle = browse(by=leader, scope="unit", page=2, after=browse(by=leader, scope="unit").after)
    assert middle.after is not None
    for pages in (lambda: browse(by=leader, scope="unit"),
                  lambda: browse(by=leader, scope="unit", after=middle.after, page=3),
                  lambda: browse(by=leader, scope="unit", before=middle.before, page=1),
                  lambda: browse(by=leader, scope="unit", last=True)):
        assert_indexed(full.db, pages, expect={"ix_problems_unit_deadline"})
    assert_indexed(full.db, lambda: browse(by=leader, scope="unit", status=Status.PENDING,
                                           last=True),
                   expect={"ix_problems_unit_status_deadline"})
    assert_indexed(full.db, lambda: browse(by=cadre, scope="mine"),
                   expect={"ix_problems_owner", "ix_problems_created_by"})


def test_the_webs_lists_read_ranges_of_an_index(full: Services) -> None:
    leader = Identity(3000, Role.LEADER, UnitView(3, "U03", "单位3"), "zh")
    cadre = Identity(3001, Role.MEMBER, UnitView(3, "U03", "单位3"), "zh")
    first = full.board.unit(leader, 3).page
    assert first.after is not None
    assert_indexed(full.db, lambda: full.board.unit(leader, 3, after=first.after), expect=set())
    assert_indexed(full.db, lambda: full.board.mine(cadre),
                   expect={"ix_problems_owner", "ix_problems_created_by"})


def test_a_units_leaders_are_read_without_its_other_people(full: Services) -> None:
    assert_indexed(full.db, lambda: full.ledger.unit_people(3, role=Role.LEADER, limit=8),
                   expect={"ix_members_unit_role"})
