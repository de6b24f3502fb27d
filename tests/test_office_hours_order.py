"""Office-hours reminders by their place in the day, and none on a day of approved leave."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import LeaveKind
from bot.services.office_hours import moment
from tests.chat import Chat
from tests.test_office_hours import (
    LEADER,
    MEMBER,
    OFF_DUTY,
    ON_DUTY,
    local,
    office,
    org,
    tick_at,
)

__all__ = ["org"]  # the fixture, shared with the module it comes from


LUNCH = "⏰ 午休提醒：{}，上午工作时间结束，请做好手头工作交接，下午按时到岗。"
AFTERNOON = "⏰ 下午上班提醒：{}，请按时到岗，严守上下班纪律。"


async def reminders_at(chat: Chat, clock: FixedClock, when: dt.datetime, user: int) -> list[str]:
    return [text for text in await tick_at(chat, clock, when, user) if text.startswith("⏰")]


async def test_four_times_are_arrive_leave_arrive_leave_by_their_order(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    # 11:30 and 13:00 sit on either side of noon: the clock would call them 上班 and 下班.
    await chat.send(LEADER, "/officehours 08:30 11:30 13:00 17:30")
    monday = dt.date(2026, 11, 30)
    office(org).plan_day(monday)
    seen = [await reminders_at(chat, clock, local(2026, 11, 30, h, m), MEMBER)
            for h, m in ((8, 30), (11, 30), (13, 0), (17, 30))]
    assert seen == [[ON_DUTY.format("08:30")], [LUNCH.format("11:30")],
                    [AFTERNOON.format("13:00")], [OFF_DUTY.format("17:30")]]


async def test_an_early_leaving_and_a_late_arrival_are_read_by_order_not_by_noon(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    # A night shift's two times both fall after noon; the first is still the arrival.
    await chat.send(LEADER, "/officehours 13:00 21:00")
    office(org).plan_day(dt.date(2026, 11, 30))
    assert await reminders_at(chat, clock, local(2026, 11, 30, 13, 0), MEMBER) == [
        ON_DUTY.format("13:00")]
    assert await reminders_at(chat, clock, local(2026, 11, 30, 21, 0), MEMBER) == [
        OFF_DUTY.format("21:00")]


@pytest.mark.parametrize(("times", "moments"), [
    (("09:00",), ["on_duty"]),
    (("14:00",), ["off_duty"]),
    (("08:30", "17:30"), ["on_duty", "off_duty"]),
    (("13:00", "21:00"), ["on_duty", "off_duty"]),
    (("08:00", "11:30", "13:00", "17:30"), ["on_duty", "lunch", "afternoon", "off_duty"]),
])
def test_moment_names_each_time_by_its_place(times: tuple[str, ...], moments: list[str]) -> None:
    assert [moment(time, times) for time in times] == moments


async def test_nobody_is_reminded_on_a_day_of_approved_leave(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 11, 27, 10, 0))
    leave, me, leader = org.leave, org.membership.identify(MEMBER), org.membership.identify(LEADER)

    def ask(first: dt.date, last: dt.date, approve: bool) -> int:
        request = leave.submit(by=me, by_name="张三", kind=LeaveKind.PERSONAL, first_day=first,
                               last_day=last, reason="家事").request
        leave.decide(request.id, by=leader, by_name="李局长", approve=approve)
        return request.id

    away = ask(dt.date(2026, 11, 30), dt.date(2026, 12, 1), approve=True)
    ask(dt.date(2026, 12, 2), dt.date(2026, 12, 2), approve=False)  # not approved: reminded
    clock.set(local(2026, 11, 29, 20, 0))
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)):
        office(org).plan_day(day)
    for when in (local(2026, 11, 30, 8, 50), local(2026, 11, 30, 17, 30),
                 local(2026, 12, 1, 8, 50)):
        clock.set(when)
        await chat.app.bot_data.sender.tick()
    # Back a day early (销假 on the morning of 1 December): that afternoon's reminder comes.
    clock.set(local(2026, 12, 1, 10, 0))
    leave.report_back(away, by=me)
    for when in (local(2026, 12, 1, 17, 30), local(2026, 12, 2, 8, 50)):
        clock.set(when)
        await chat.app.bot_data.sender.tick()

    def reminders(user: int) -> list[str]:
        return [m.text or "" for m in chat.sandbox.sent(user) if (m.text or "").startswith("⏰")]

    assert reminders(MEMBER) == [OFF_DUTY.format("17:30"), ON_DUTY.format("08:50")]
    assert reminders(LEADER) == [ON_DUTY.format("08:50"), OFF_DUTY.format("17:30")] * 2 + [
        ON_DUTY.format("08:50")]
