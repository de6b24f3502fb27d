"""Meetings as people use them: invitations with their buttons in /meeting, 催办, leave warnings."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import Answer, LeaveKind
from tests.chat import Chat, texts_with
from tests.test_meetings import CADRE, CADRE2, LEADER, LIAISON, _call, org

__all__ = ["org"]  # the fixture, shared with the module it comes from
CHASE = "会议通知（催办）"


def _labels(chat: Chat, message: object) -> list[str]:
    return [label for row in chat.sandbox.buttons(message) for label, _ in row]


async def test_a_cadres_meeting_lists_each_invitation_with_its_buttons(
    chat: Chat, org: Services
) -> None:
    await _call(chat)
    await _call(chat, when="下周二下午3点", title="专题学习会")
    first, second = await chat.send(CADRE, "/meeting")
    assert (first.text or "").startswith("您近期的会议：\n")
    assert "作风整顿推进会（三楼会议室）— 未确认" in (first.text or "")
    assert "专题学习会（三楼会议室）— 未确认" in (second.text or "")
    assert _labels(chat, first) == _labels(chat, second) == ["参加", "请假"]
    [ask] = await chat.click(CADRE, "请假", message=second)
    assert "专题学习会" in (ask.text or "")
    await chat.send(CADRE, "下乡督导")
    await chat.click(CADRE, "参加", message=first)
    meetings = {m.title: m for m in org.meetings.invited(org.membership.identify(CADRE))}
    assert meetings["作风整顿推进会"].attendee(CADRE).answer == Answer.ATTEND  # type: ignore[union-attr]
    assert meetings["专题学习会"].attendee(CADRE).answer == Answer.DECLINE  # type: ignore[union-attr]


async def test_an_invited_leader_sees_the_invitation_before_calling_his_own(
    chat: Chat, org: Services
) -> None:
    await _call(chat)
    invitation, ask_title = await chat.send(LEADER, "/meeting")
    assert "作风整顿推进会" in (invitation.text or "")
    assert _labels(chat, invitation) == ["参加", "请假"]
    assert "请输入会议名称" in (ask_title.text or "")


async def test_chase_renotifies_only_those_who_have_not_answered(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat)
    await chat.click(CADRE, "参加")
    card, _ask = await chat.send(LIAISON, "/meeting")
    assert "催办" in _labels(chat, card)
    [told] = await chat.click(LIAISON, "催办", message=card)
    assert told.text == "已向2位未确认人员再次发送“作风整顿推进会”的会议通知：李局长、孙干部。"
    assert texts_with(chat, CADRE, CHASE) == []
    for user in (LEADER, CADRE2):
        [again] = texts_with(chat, user, CHASE)
        assert "2026年11月30日 周一 10:00" in again and "请尽快确认" in again
        assert _labels(chat, chat.sandbox.last(user)) == ["参加", "请假"]
    # Pressed again within the hour: nobody is disturbed twice.
    [held] = await chat.click(LIAISON, "催办", message=card)
    assert (held.text or "").startswith("一小时内已催办过“作风整顿推进会”")
    assert len(texts_with(chat, LEADER, CHASE)) == 1
    clock.set(clock.now() + dt.timedelta(hours=1))
    await chat.click(CADRE2, "参加")
    await chat.click(LIAISON, "催办", message=card)
    assert len(texts_with(chat, LEADER, CHASE)) == 2 and len(texts_with(chat, CADRE2, CHASE)) == 1
    await chat.click(LEADER, "参加")
    [nobody] = await chat.click(LIAISON, "催办", message=card)
    assert nobody.text == "“作风整顿推进会”的参会人员均已答复，无需催办。"


async def test_inviting_someone_on_approved_leave_warns_the_organiser(
    chat: Chat, org: Services
) -> None:
    leave = org.leave
    away = leave.submit(by=org.membership.identify(CADRE2), by_name="孙干部",
                        kind=LeaveKind.PERSONAL, first_day=dt.date(2026, 11, 30),
                        last_day=dt.date(2026, 12, 2), reason="家事").request
    leave.decide(away.id, by=org.membership.identify(LEADER), by_name="李局长", approve=True)
    pending = leave.submit(by=org.membership.identify(CADRE), by_name="张三",
                           kind=LeaveKind.PERSONAL, first_day=dt.date(2026, 11, 30),
                           last_day=dt.date(2026, 11, 30), reason="家事").request
    assert pending.state.value == "pending"  # not approved yet: no warning for him
    for text in ("/meeting", "作风整顿推进会", "下周一上午10点", "三楼会议室"):
        await chat.send(LIAISON, text)
    [card] = await chat.click(LIAISON, "全单位")
    assert ("⚠️ 以下人员会议当天在请假（已批准）：孙干部（事假，11-30至12-02）。"
            in (card.text or ""))
    assert "张三（" not in (card.text or "")
    # A meeting on a day he is back carries no warning.
    for text in ("/meeting", "专题学习会", "12月3日上午9点", "二楼"):
        await chat.send(LIAISON, text)
    [later] = await chat.click(LIAISON, "全单位")
    assert "请假" not in (later.text or "")


async def test_todo_chases_a_meeting_from_its_line(chat: Chat, org: Services) -> None:
    await _call(chat)
    [todo] = await chat.send(LIAISON, "/todo")
    [told] = await chat.click(LIAISON, "催办：作风整顿推进会", message=todo)
    assert (told.text or "").startswith("已向3位未确认人员再次发送“作风整顿推进会”的会议通知")
    for user in (CADRE, LEADER, CADRE2):
        assert len(texts_with(chat, user, CHASE)) == 1


async def test_moving_a_meeting_onto_someones_leave_warns_the_organiser(
    chat: Chat, org: Services
) -> None:
    await _call(chat)  # Monday 30 November
    leave = org.leave
    away = leave.submit(by=org.membership.identify(CADRE), by_name="张三",
                        kind=LeaveKind.ANNUAL, first_day=dt.date(2026, 12, 1),
                        last_day=dt.date(2026, 12, 1), reason="休假").request
    leave.decide(away.id, by=org.membership.identify(LEADER), by_name="李局长", approve=True)
    card, _ask = await chat.send(LIAISON, "/meeting")
    await chat.click(LIAISON, "改时间", message=card)
    [moved] = await chat.send(LIAISON, "下周二下午3点")
    assert "已改到 <b>2026年12月1日 周二 15:00</b>" in (moved.text or "")
    assert "⚠️ 以下人员会议当天在请假（已批准）：张三（年休假，12-01）。" in (moved.text or "")
