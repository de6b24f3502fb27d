"""Deadline plans delivered by the sender tick on an injected clock: nudges, escalation, snooze."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import NoteState, Role
from bot.services.problem import Draft
from tests.chat import Chat
from tests.conftest import SHANGHAI

CADRE, LEADER, LIAISON, OFFICE = 41, 42, 43, 900


@pytest.fixture(autouse=True)
def _no_daily_planners(monkeypatch: pytest.MonkeyPatch) -> None:
    # Office-hours reminders and the calendar warning come from a daily planner; tested elsewhere.
    monkeypatch.setattr("bot.app.daily_planners", lambda services: ())


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    for user, role, name in ((CADRE, Role.MEMBER, "张三"), (LEADER, Role.LEADER, "李局长"),
                             (LIAISON, Role.LIAISON, "王联络")):
        m.redeem_invite(m.create_invite(unit="EDU", role=role, by=None).code, user_id=user,
                        display_name=name, username=None)
        chat.sandbox.add_user(user, name)
    chat.sandbox.add_user(OFFICE, "办公室")
    return services


def file_item(services: Services, deadline: dt.datetime, track: str = "deadline",
              checkin_days: int | None = None) -> int:
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track=track, owner_name="张三", owner_user_id=CADRE,
                  deadline=deadline.isoformat() if track != "ongoing" else None,
                  checkin_days=checkin_days)
    return services.ledger.file(draft, by=services.membership.identify(CADRE),
                                by_name="张三").id


def planned(services: Services) -> list[tuple[str, int, dt.datetime]]:
    """The reminders planned (notices about an item's outcome, such as its sign-off card, are
    not reminders: see `notices`)."""
    return [(n.kind, n.chat_id, n.due_at.astimezone(SHANGHAI))
            for n in services.notify.listing() if not n.kind.startswith(("signoff.", "unit."))]


def notices(services: Services) -> list[tuple[str, int]]:
    return [(n.kind, n.chat_id) for n in services.notify.listing()
            if n.kind.startswith("signoff.")]


async def tick_at(chat: Chat, clock: FixedClock, when: dt.datetime) -> list[str]:
    """Move the clock, run one tick, return the texts it sent (any chat)."""
    clock.set(when)
    before = len(chat.sandbox.sent())
    await chat.app.bot_data.sender.tick()
    return [m.text or "" for m in chat.sandbox.sent()[before:]]


async def test_a_deadline_item_gets_the_whole_plan(unit: Services) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))  # filed Saturday 28 Nov 15:00
    assert planned(unit) == [
        ("deadline.before", CADRE, local(2026, 12, 1, 9, 0)),
        ("deadline.before", CADRE, local(2026, 12, 3, 9, 0)),
        ("deadline.today", CADRE, local(2026, 12, 4, 9, 0)),
        ("deadline.overdue", CADRE, local(2026, 12, 5, 9, 0)),
        ("deadline.escalate", LEADER, local(2026, 12, 7, 9, 0)),
        ("deadline.escalate_office", OFFICE, local(2026, 12, 11, 9, 0)),
    ]


async def test_nudges_arrive_once_each_and_overdue_repeats_daily(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    assert await tick_at(chat, clock, local(2026, 11, 30, 9, 0)) == []
    [three] = await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    assert "还有3天" in three and "2026年12月4日 周五 23:59" in three
    assert await tick_at(chat, clock, local(2026, 12, 1, 9, 5)) == []  # never twice
    [one] = await tick_at(chat, clock, local(2026, 12, 3, 9, 0))
    assert "还有1天" in one
    [today] = await tick_at(chat, clock, local(2026, 12, 4, 9, 0))
    assert today.startswith("⏰ 今天到期")
    [over1] = await tick_at(chat, clock, local(2026, 12, 5, 9, 0))
    assert "已超期1天" in over1
    [over2] = await tick_at(chat, clock, local(2026, 12, 6, 9, 0))
    assert "已超期2天" in over2
    sent = await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    assert any("已超期3天" in s for s in sent)
    assert any("超期督办" in s and "张三" in s for s in sent)
    assert "超期督办" in chat.last_text(LEADER)
    assert chat.sandbox.sent(-1) == []  # nothing about names went to a group


async def test_sign_off_cancels_the_plan_and_reject_replans(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    item = file_item(unit, local(2026, 12, 4, 23, 59))
    unit.ledger.report_done(item, by=unit.membership.identify(CADRE), by_name="张三",
                            completion="已改")
    assert planned(unit) == []
    # The card now, and once more in three days if it still waits.
    assert notices(unit) == [("signoff.request", LEADER), ("signoff.remind", LEADER)]
    unit.ledger.reject(item, by=unit.membership.identify(LEADER), by_name="李局长",
                       reason="佐证不足", new_deadline=local(2026, 12, 10, 23, 59))
    assert ("deadline.today", CADRE, local(2026, 12, 10, 9, 0)) in planned(unit)
    assert all(when >= local(2026, 12, 7, 9, 0) for _, _, when in planned(unit))
    unit.ledger.report_done(item, by=unit.membership.identify(CADRE), by_name="张三",
                            completion="补充了记录")
    unit.ledger.approve(item, by=unit.membership.identify(LEADER), by_name="李局长")
    assert planned(unit) == []
    # What goes now are the owner's notices of the outcomes; the sign-off cards no longer apply.
    sent = await tick_at(chat, clock, clock.now())
    assert len(sent) == 2 and "审核未通过，退回重新整改" in sent[0] and "审核通过" in sent[1]
    assert await tick_at(chat, clock, local(2026, 12, 20, 9, 0)) == []


async def test_snooze_puts_the_reminder_off_not_the_deadline(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    await chat.click(CADRE, "推迟提醒")
    *_, confirm = await chat.click(CADRE, "1小时后")
    assert "2026年12月1日 周二 10:00" in (confirm.text or "") and "时限不变" in (confirm.text or "")
    [again] = await tick_at(chat, clock, local(2026, 12, 1, 10, 0))
    assert "还有3天" in again
    problem = unit.ledger.rows()[0]
    assert problem.deadline == local(2026, 12, 4, 23, 59)


async def test_quiet_hours_hold_a_reminder_until_morning(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    from bot.services.notify import Planned

    unit.notify.plan([Planned(key="late-evening", chat_id=CADRE, kind="deadline.today",
                              due_at=local(2026, 11, 28, 23, 0), payload={"problem_id": 0})])
    unit.notify.plan([Planned(key="urgent", chat_id=CADRE, kind="chat.unreachable",
                              due_at=local(2026, 11, 28, 23, 0), payload={"chat_id": 7},
                              urgent=True)])
    sent = await tick_at(chat, clock, local(2026, 11, 28, 23, 30))
    assert len(sent) == 1 and "无法再给" in sent[0]  # only the urgent one
    assert await tick_at(chat, clock, local(2026, 11, 29, 7, 0)) == []
    await tick_at(chat, clock, local(2026, 11, 29, 7, 30))
    [note] = unit.notify.listing(states=[NoteState.CANCELLED])  # no such item: dropped, not sent
    assert note.key == "late-evening"


async def test_ongoing_item_checks_in_periodically(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 11, 28, 15, 0), track="ongoing", checkin_days=7)
    assert planned(unit) == [("ongoing.checkin", CADRE, local(2026, 12, 5, 9, 0))]
    [question] = await tick_at(chat, clock, local(2026, 12, 5, 9, 0))
    assert "请反馈本期坚持落实情况" in question
    *_, saved = await chat.click(CADRE, "坚持中")
    assert "坚持中" in (saved.text or "")
    assert planned(unit) == [("ongoing.checkin", CADRE, local(2026, 12, 12, 9, 0))]


def _labels(chat: Chat, message: object) -> list[str]:
    return [label for row in chat.sandbox.buttons(message) for label, _ in row]


async def test_snooze_offers_only_times_before_the_deadline(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 2, 12, 0))  # due Wednesday noon
    [nudge] = await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    assert "还有1天" in nudge
    [offer] = await chat.click(CADRE, "推迟提醒")
    # Tomorrow's 09:00 is still before noon; three days on is past it.
    assert _labels(chat, offer) == ["1小时后", "明天"]


async def test_snooze_on_the_day_says_the_deadline_comes_first(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 9, 30))
    await tick_at(chat, clock, local(2026, 12, 3, 9, 0))  # the nudges before the day
    [today] = await tick_at(chat, clock, local(2026, 12, 4, 9, 0))
    assert today.startswith("⏰ 今天到期")
    *_, told = await chat.click(CADRE, "推迟提醒")
    assert told.text == ("整改时限为2026年12月4日 周五 09:30，早于可推迟到的时间，不再推迟提醒，"
                         "请在时限前办理。")
    assert [n for n in unit.notify.listing() if ":snooze:" in n.key] == []


async def test_a_snooze_button_kept_until_past_the_deadline_is_refused(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    await chat.click(CADRE, "推迟提醒")  # 1小时后, 明天, 3天后: all before Friday night
    clock.set(local(2026, 12, 2, 9, 0))  # a day later, three days on is past the deadline
    *_, told = await chat.click(CADRE, "3天后")
    assert (told.text or "").startswith("整改时限为2026年12月4日 周五 23:59")
    assert [n for n in unit.notify.listing() if ":snooze:" in n.key] == []


async def test_a_snooze_on_friday_comes_back_on_monday_not_on_the_weekend(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 9, 23, 59))  # due Wednesday
    # "3 days before" is Sunday 6 Dec: the nudge moves to Friday 4 Dec.
    [nudge] = await tick_at(chat, clock, local(2026, 12, 4, 9, 0))
    assert "还有5天" in nudge
    [offer] = await chat.click(CADRE, "推迟提醒")
    assert _labels(chat, offer) == ["1小时后", "下个工作日", "3天后"]
    *_, confirm = await chat.click(CADRE, "下个工作日")
    assert "2026年12月7日 周一 09:00" in (confirm.text or "")
    assert await tick_at(chat, clock, local(2026, 12, 5, 9, 0)) == []
    [again] = await tick_at(chat, clock, local(2026, 12, 7, 9, 0))
    assert "还有" in again
