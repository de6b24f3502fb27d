"""Deadline plans keep to working days: nudges move to the working day before a day off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.bootstrap import Services, build_services
from bot.clock import FixedClock
from bot.config import parse_config
from bot.domain import Role
from bot.services.problem import Draft
from tests.conftest import SHANGHAI, migrated

CADRE, LEADER, OFFICE = 41, 42, 900


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def made(db_url: str, clock: FixedClock, request: pytest.FixtureRequest) -> Iterator[Services]:
    """A unit with a cadre and a leader; `param` holds reminders: settings."""
    config = parse_config({
        "database": {"url": db_url}, "office_admins": [OFFICE],
        # Friday 18 December made a day off, as an office may enter a local holiday.
        "calendar": {"holidays": ["2026-12-18"]}, "reminders": getattr(request, "param", {})})
    with migrated(config.database.url) as db:
        services = build_services(config, clock=clock, database=db)
        m = services.membership
        m.add_unit("市教育局", code="EDU")
        for user, role, name in ((CADRE, Role.MEMBER, "张三"), (LEADER, Role.LEADER, "李局长")):
            m.redeem_invite(m.create_invite(unit="EDU", role=role, by=None).code, user_id=user,
                            display_name=name, username=None)
        yield services


def file_item(services: Services, deadline: dt.datetime) -> None:
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track="deadline", owner_name="张三",
                  owner_user_id=CADRE, deadline=deadline.isoformat(), checkin_days=None)
    services.ledger.file(draft, by=services.membership.identify(CADRE), by_name="张三")


def plan(services: Services) -> list[tuple[str, int, dt.datetime, object]]:
    return [(n.kind, n.chat_id, n.due_at.astimezone(SHANGHAI), n.payload.get("days"))
            for n in services.notify.listing() if n.kind.startswith("deadline.")]


def test_nudges_on_days_off_move_to_the_working_day_before_and_become_one(made: Services) -> None:
    file_item(made, local(2026, 12, 21, 23, 59))  # Monday; Friday 18th and the weekend off
    assert plan(made) == [
        # 3 days before (Fri 18, off) and 1 day before (Sun 20) both land on Thu 17: one nudge,
        # saying the four days really left.
        ("deadline.before", CADRE, local(2026, 12, 17, 9, 0), 4),
        ("deadline.today", CADRE, local(2026, 12, 21, 9, 0), None),
        ("deadline.overdue", CADRE, local(2026, 12, 22, 9, 0), None),
        ("deadline.escalate", LEADER, local(2026, 12, 24, 9, 0), None),
        ("deadline.escalate_office", OFFICE, local(2026, 12, 28, 9, 0), None),
    ]


def test_a_deadline_on_a_day_off_is_announced_on_the_working_day_before(made: Services) -> None:
    file_item(made, local(2026, 12, 12, 23, 59))  # Saturday
    assert plan(made) == [
        ("deadline.before", CADRE, local(2026, 12, 9, 9, 0), 3),
        ("deadline.before", CADRE, local(2026, 12, 11, 9, 0), 1),  # no "today" on a Saturday
        ("deadline.overdue", CADRE, local(2026, 12, 13, 9, 0), None),  # the daily ones stay
        ("deadline.escalate", LEADER, local(2026, 12, 15, 9, 0), None),
        # +7 is Saturday 19th; Friday 18th is off too: Thursday 17th.
        ("deadline.escalate_office", OFFICE, local(2026, 12, 17, 9, 0), None),
    ]


@pytest.mark.parametrize("made", [{"escalate_after_days": 1}], indirect=True)
def test_an_escalation_never_moves_onto_the_deadline_day(made: Services) -> None:
    file_item(made, local(2026, 12, 11, 23, 59))  # Friday; +1 is Saturday
    escalations = [row for row in plan(made) if row[0] == "deadline.escalate"]
    # The working day before Saturday is the deadline's own day, when nothing is overdue yet.
    assert escalations == [("deadline.escalate", LEADER, local(2026, 12, 14, 9, 0), None)]
