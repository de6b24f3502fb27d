"""Leave through the bot: request, approval by the right leader, 请销假 nudges on working days."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import LeaveKind, LeaveState, Role
from bot.errors import DomainError
from handlers.leave import service_of
from tests.chat import Chat, deliver_at, join, local, texts_with

CADRE, LEADER, LIAISON, OTHER_LEADER, OTHER_CADRE, CADRE2, LONER, OFFICE = (
    31, 32, 33, 34, 35, 36, 37, 900)
NUDGE = "<b>请销假</b>"
NAMES = {CADRE: "张三", LIAISON: "王联络", CADRE2: "孙干部"}


@pytest.fixture
def org(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    services.membership.add_unit("市审计局", code="AUD")  # no leader: the office decides
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    join(services, chat, "EDU", CADRE2, Role.MEMBER, "孙干部")
    join(services, chat, "FIN", OTHER_LEADER, Role.LEADER, "赵局长")
    join(services, chat, "FIN", OTHER_CADRE, Role.MEMBER, "钱干部")
    join(services, chat, "AUD", LONER, Role.MEMBER, "周审计")
    chat.sandbox.add_user(OFFICE, "办公室")
    return services


async def _request(chat: Chat, user: int, days: str, kind: str = "病假") -> None:
    await chat.send(user, "/leave")
    await chat.click(user, kind)
    await chat.send(user, days)
    await chat.send(user, "腰伤复查")
    await chat.click(user, "提交")


def _leave(org: Services, user: int, first: dt.date, last: dt.date, approve: bool) -> int:
    leave = service_of(org)
    who = org.membership.identify(user)
    request = leave.submit(by=who, by_name=NAMES[user], kind=LeaveKind.PERSONAL, first_day=first,
                           last_day=last, reason="家事").request
    leave.decide(request.id, by=org.membership.identify(LEADER), by_name="李局长",
                 approve=approve)
    return request.id


async def test_request_approve_then_nudge_each_working_day_until_back(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 9, 25, 10, 0))
    [ask_kind] = await chat.send(CADRE, "/leave")
    assert [b for row in chat.sandbox.buttons(ask_kind) for b, _ in row] == [
        "事假", "病假", "年休假", "因公外出（报备）", "其他"]
    [ask_days] = await chat.click(CADRE, "病假")
    assert "12月3日至12月5日" in (ask_days.text or "")
    [unreadable] = await chat.send(CADRE, "过几天")
    assert "没看懂" in (unreadable.text or "")
    [echo] = await chat.send(CADRE, "9月28日至9月30日")
    assert ("2026年9月28日 周一 00:00 至 2026年9月30日 周三 23:59（共3天，其中工作日3天）"
            in (echo.text or ""))
    [card] = await chat.send(CADRE, "腰伤复查")
    assert "类型：病假" in (card.text or "") and "事由：腰伤复查" in (card.text or "")
    [submitted] = await chat.click(CADRE, "提交")
    assert "已提交" in (submitted.text or "")

    request = chat.sandbox.last(LEADER)
    assert "请假申请" in (request.text or "") and "张三" in (request.text or "")
    assert [b for b, _ in chat.sandbox.buttons(request)[0]] == ["批准", "不批准"]
    assert texts_with(chat, OTHER_LEADER, "请假申请") == []
    assert texts_with(chat, CADRE2, "请假申请") == []
    [approved] = await chat.click(LEADER, "批准")
    assert approved.edited and "✅ 已批准（李局长）" in (approved.text or "")
    assert "已获批准（李局长）" in chat.last_text(CADRE)

    nudges = [
        local(2026, 9, 30, 17, 0),  # the last day of leave
        local(2026, 10, 8, 9, 0),  # after the National Day holiday (and its weekend)
        local(2026, 10, 9, 9, 0),
        local(2026, 10, 10, 9, 0),  # a Saturday made a working day (调休)
        local(2026, 10, 12, 9, 0),  # Monday: Sunday 10-11 is skipped
    ]
    quiet = [local(2026, 9, 30, 16, 59), local(2026, 10, 1, 9, 0), local(2026, 10, 7, 9, 0),
             local(2026, 10, 11, 9, 0)]
    for at in sorted([*nudges, *quiet]):
        before = len(texts_with(chat, CADRE, NUDGE))
        await deliver_at(chat, clock, at)
        assert len(texts_with(chat, CADRE, NUDGE)) == before + (at in nudges), at
    assert ("病假（2026年9月28日 周一 00:00 至 2026年9月30日 周三 23:59（共3天，其中工作日3天））"
            "已到期") in texts_with(chat, CADRE, NUDGE)[0]

    [back] = await chat.click(CADRE, "已返岗")
    assert "已销假（病假）" in (back.text or "")
    await deliver_at(chat, clock, local(2026, 10, 13, 9, 0))
    await deliver_at(chat, clock, local(2026, 10, 14, 9, 0))
    assert len(texts_with(chat, CADRE, NUDGE)) == len(nudges)
    assert org.notify.listing(subject_prefix="leave:") == []


async def test_only_a_leader_of_the_unit_or_the_office_decides(
    chat: Chat, org: Services
) -> None:
    await _request(chat, CADRE, "明天到后天")
    leave = service_of(org)
    [mine] = leave.mine(org.membership.identify(CADRE))
    for actor, key in ((CADRE, "leave.own"), (OTHER_LEADER, "leave.denied"),
                       (LIAISON, "leave.denied"), (CADRE2, "leave.denied")):
        with pytest.raises(DomainError) as info:
            leave.decide(mine.id, by=org.membership.identify(actor), by_name="x", approve=True)
        assert info.value.key == key
    # Another unit's leader replaying the approval button is refused; the request stays open.
    [refused] = await chat.click(OTHER_LEADER, "批准", chat_id=LEADER)
    assert "只有本单位责任领导" in (refused.text or "")
    assert leave.mine(org.membership.identify(CADRE))[0].state == LeaveState.PENDING
    [approved] = await chat.click(LEADER, "批准")
    assert "已批准" in (approved.text or "")
    with pytest.raises(DomainError) as info:
        leave.decide(mine.id, by=org.membership.identify(OFFICE), by_name="办", approve=False)
    assert info.value.key == "leave.decided_already"


async def test_a_unit_without_a_leader_asks_the_office(chat: Chat, org: Services) -> None:
    await _request(chat, LONER, "明天到后天", kind="事假")
    request = chat.sandbox.last(OFFICE)
    assert "市审计局 周审计：事假" in (request.text or "")
    await chat.click(OFFICE, "不批准")
    await chat.send(OFFICE, "请先与单位协调")
    assert "未获批准（办公室）" in chat.last_text(LONER)


async def test_declined_leave_gets_no_nudge(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _request(chat, CADRE, "明天到后天")
    await chat.click(LEADER, "不批准")
    [declined] = await chat.send(LEADER, "年底工作多")
    assert "❌ 未批准（李局长）" in (declined.text or "")
    assert "未获批准" in chat.last_text(CADRE)
    for at in (local(2026, 11, 30, 17, 0), local(2026, 12, 1, 9, 0)):
        await deliver_at(chat, clock, at)
    assert texts_with(chat, CADRE, NUDGE) == []
    assert org.notify.listing(subject_prefix="leave:") == []


async def test_leaders_see_who_is_away_and_who_is_late_back(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    now = clock.now()
    clock.set(local(2026, 11, 20, 10, 0))
    _leave(org, CADRE2, dt.date(2026, 11, 23), dt.date(2026, 11, 25), approve=True)
    back = _leave(org, LIAISON, dt.date(2026, 11, 23), dt.date(2026, 11, 24), approve=True)
    service_of(org).report_back(back, by=org.membership.identify(LIAISON))
    clock.set(now)
    _leave(org, CADRE, dt.date(2026, 11, 27), dt.date(2026, 11, 30), approve=True)
    _leave(org, CADRE, dt.date(2026, 12, 7), dt.date(2026, 12, 8), approve=True)  # not yet

    roster, _ask = await chat.send(LEADER, "/leave")
    lines = (roster.text or "").splitlines()
    assert lines == [
        "<b>正在休假（1人）</b>", "· 张三（市教育局）事假 11-27～11-30",
        "<b>逾期未销假（1人）</b>", "· 孙干部（市教育局）事假 截至11-25，已超3天",
    ]
    [everyone] = await chat.send(OFFICE, "/leave")  # every unit; no unit of their own
    assert "· 张三（市教育局）" in (everyone.text or "")
    assert "· 孙干部（市教育局）" in (everyone.text or "")
    [stranger] = await chat.send(99, "/leave")
    assert "还没有加入单位" in (stranger.text or "")
    other, _ask = await chat.send(OTHER_LEADER, "/leave")
    assert "目前无人请假" in (other.text or "")
    # A member sees no roster, only their own leave still to report back from.
    mine, _ask = await chat.send(CADRE2, "/leave")
    assert "您的事假" in (mine.text or "") and "返岗后请销假" in (mine.text or "")
    [back_done] = await chat.click(CADRE2, "已返岗", message=mine)
    assert "已销假（事假）" in (back_done.text or "")
    roster, _ask = await chat.send(LEADER, "/leave")
    assert "逾期未销假（0人）" in (roster.text or "")


async def test_a_nudge_folded_into_a_downtime_summary_still_plans_the_next(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    clock.set(local(2026, 9, 25, 10, 0))
    _leave(org, CADRE, dt.date(2026, 9, 28), dt.date(2026, 9, 30), approve=True)
    await deliver_at(chat, clock, local(2026, 10, 2, 10, 0))  # the bot was down two days
    assert "请销假：您的事假已到期" in chat.last_text(CADRE)
    [following] = org.notify.listing(subject_prefix="leave:")
    assert (following.kind, following.due_at) == ("leave.nudge", local(2026, 10, 8, 9, 0))
