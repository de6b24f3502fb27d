"""Leave as people ask for it: one day, 补假, ranges written backwards, overlaps, a reason for
不批准, the approver told of the return, and withdrawing before it starts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import LeaveKind, LeaveState
from bot.errors import DomainError
from tests.chat import Chat, local
from tests.test_leave import CADRE, LEADER, org

__all__ = ["org"]


async def _ask(chat: Chat, days: str, kind: str = "事假") -> str:
    await chat.send(CADRE, "/leave")
    await chat.click(CADRE, kind)
    [echo] = await chat.send(CADRE, days)
    return echo.text or ""


async def test_one_day_is_a_leave_of_one_day_and_other_parts_of_a_day_are_refused(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))  # Tuesday
    echo = await _ask(chat, "明天")
    assert "2026年12月2日 周三 00:00 至 2026年12月2日 周三 23:59（共1天，其中工作日1天）" in echo
    for text in ("明天晚上", "明天下午3点", "明天半天"):
        await chat.send(CADRE, "/cancel")
        assert "请假以整天或半天（上午、下午）计" in await _ask(chat, text), text
    await chat.send(CADRE, "/cancel")
    # A half day is one day's: a range beginning in an afternoon is asked again, not widened.
    assert "半天假只能是某一天的上午或下午" in await _ask(chat, "12月3日下午至12月5日")


async def test_a_half_day_is_asked_approved_and_silences_only_its_half_of_office_hours(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))  # Tuesday
    echo = await _ask(chat, "明天下午")
    assert ("2026年12月2日 周三 12:00 至 2026年12月2日 周三 23:59（下午，共0.5天，其中工作日0.5天）"
            in echo)
    await chat.send(CADRE, "看病")
    await chat.click(CADRE, "提交")
    card = chat.last_text(LEADER)
    assert "（下午，共0.5天" in card
    await chat.click(LEADER, "批准")
    [request] = org.leave.mine(org.membership.identify(CADRE))
    assert request.half == "pm" and request.length == 0.5
    # Office hours: the morning's reminders still come, the afternoon's do not.
    times = org.office_hours.setting(CADRE).times
    day = dt.date(2026, 12, 2)
    wanted = {time: org.office_hours.still_wanted(CADRE, day, time) for time in times}
    assert [wanted[t] for t in times] == [t < "12:00" for t in times], wanted
    assert any(t < "12:00" for t in times) and any(t >= "12:00" for t in times)
    # The next day is a working day like any other.
    assert all(org.office_hours.still_wanted(CADRE, dt.date(2026, 12, 3), t) for t in times)


async def test_the_morning_and_the_afternoon_of_one_day_are_two_halves_not_an_overlap(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))
    leave, who = org.leave, org.membership.identify(CADRE)
    day = dt.date(2026, 12, 7)
    for half in ("am", "pm"):
        leave.submit(by=who, by_name="张三", kind=LeaveKind.PERSONAL, first_day=day,
                     last_day=day, reason="家事", half=half)
    for half in ("pm", None):
        with pytest.raises(DomainError) as refused:
            leave.submit(by=who, by_name="张三", kind=LeaveKind.PERSONAL, first_day=day,
                         last_day=day, reason="家事", half=half)
        assert refused.value.key == "leave.overlap"
    with pytest.raises(DomainError) as refused:  # half of two days is not a thing
        leave.submit(by=who, by_name="张三", kind=LeaveKind.PERSONAL, first_day=day,
                     last_day=day + dt.timedelta(days=1), reason="家事", half="am")
    assert refused.value.key == "leave.half_range"


async def test_a_range_written_backwards_is_asked_again_not_read_as_a_year(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 11, 20, 10, 0))
    echo = await _ask(chat, "12月10日至12月1日")
    assert "起止日期是否写反了" in echo
    [fixed] = await chat.send(CADRE, "12月1日至12月10日")
    assert "（共10天，其中工作日8天）" in (fixed.text or "")


async def test_sick_leave_can_be_asked_after_the_fact_and_says_so(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 3, 10, 0))
    echo = await _ask(chat, "12月1日至12月2日", kind="病假")
    assert "2026年12月1日" in echo and "这个时间段已经过去了" not in echo
    await chat.send(CADRE, "发烧就医")
    await chat.click(CADRE, "提交")
    card = chat.last_text(LEADER)
    assert "病假（补假）" in card
    other = await _ask(chat, "昨天", kind="事假")
    assert "这个时间段已经过去了" in other


async def test_sick_leave_begun_days_ago_and_running_on_is_read_as_one_range(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 2, 10, 0))
    echo = await _ask(chat, "11月30日至今天", kind="病假")
    assert "2026年11月30日 周一 00:00 至 2026年12月2日 周三 23:59（共3天" in echo
    await chat.send(CADRE, "/cancel")
    # Across the new year, a sick leave from late December is last year's, as a whole.
    clock.set(local(2027, 1, 5, 10, 0))
    echo = await _ask(chat, "12月28日至1月3日", kind="病假")
    assert "2026年12月28日 周一 00:00 至 2027年1月3日 周日 23:59" in echo


async def test_overlapping_leave_is_refused(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))
    leave, who = org.leave, org.membership.identify(CADRE)
    leave.submit(by=who, by_name="张三", kind=LeaveKind.PERSONAL, first_day=dt.date(2026, 12, 7),
                 last_day=dt.date(2026, 12, 9), reason="家事")
    with pytest.raises(DomainError) as refused:
        leave.submit(by=who, by_name="张三", kind=LeaveKind.ANNUAL,
                     first_day=dt.date(2026, 12, 9), last_day=dt.date(2026, 12, 11), reason="休假")
    assert refused.value.key == "leave.overlap"


async def test_not_approving_needs_a_reason_that_the_applicant_reads(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))
    await _ask(chat, "12月7日至12月8日")
    await chat.send(CADRE, "家中有事")
    await chat.click(CADRE, "提交")
    [question] = await chat.click(LEADER, "不批准")
    assert "原因" in (question.text or "")
    await chat.send(LEADER, "年底督查期间，请调整到下周")
    told = chat.last_text(CADRE)
    assert "未获批准（李局长）" in told and "原因：年底督查期间，请调整到下周" in told


async def test_the_approver_hears_of_the_return_and_leave_can_be_withdrawn_before_it_starts(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 12, 1, 10, 0))
    leave, who = org.leave, org.membership.identify(CADRE)
    started = leave.submit(by=who, by_name="张三", kind=LeaveKind.PERSONAL,
                           first_day=dt.date(2026, 12, 1), last_day=dt.date(2026, 12, 1),
                           reason="家事").request
    leave.decide(started.id, by=org.membership.identify(LEADER), by_name="李局长", approve=True)
    later = leave.submit(by=who, by_name="张三", kind=LeaveKind.ANNUAL,
                         first_day=dt.date(2026, 12, 14), last_day=dt.date(2026, 12, 15),
                         reason="休假").request
    await chat.send(CADRE, "/leave")
    await chat.click(CADRE, "已返岗")
    assert "张三已于" in chat.last_text(LEADER) and "销假返岗" in chat.last_text(LEADER)
    await chat.send(CADRE, "/cancel")
    await chat.send(CADRE, "/leave")
    [withdrawn] = await chat.click(CADRE, "撤回")
    assert "已撤回年休假申请" in (withdrawn.text or "")
    assert leave.get(later.id).state == LeaveState.WITHDRAWN  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:
        leave.withdraw(started.id, by=who)
    assert refused.value.key == "leave.not_withdrawable"
