"""Meetings through the bot: notice, 参加/请假, the organiser's list, reminders, move, cancel."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import MeetingState, Role
from bot.errors import DomainError
from handlers.meetings import service_of
from tests.chat import Chat, deliver_at, join, local, texts_with

CADRE, LEADER, LIAISON, OTHER_LEADER, OTHER_CADRE, CADRE2, OFFICE = 31, 32, 33, 34, 35, 36, 900
ATTENDEES = (CADRE, LEADER, CADRE2)  # the whole unit but the organiser (the liaison)
NOTICE = "<b>会议通知</b>"


@pytest.fixture
def org(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    services.membership.add_unit("市财政局", code="FIN")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER, Role.LEADER, "李局长")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    join(services, chat, "EDU", CADRE2, Role.MEMBER, "孙干部")
    join(services, chat, "FIN", OTHER_LEADER, Role.LEADER, "赵局长")
    join(services, chat, "FIN", OTHER_CADRE, Role.MEMBER, "钱干部")
    return services


async def _call(chat: Chat, when: str = "下周一上午10点", title: str = "作风整顿推进会") -> None:
    """The liaison calls a meeting of the whole unit through the dialog."""
    await chat.send(LIAISON, "/meeting")
    await chat.send(LIAISON, title)
    await chat.send(LIAISON, when)
    await chat.send(LIAISON, "三楼会议室")
    await chat.click(LIAISON, "全单位")
    await chat.click(LIAISON, "确认")


async def test_notice_reaches_every_attendee_and_the_organiser_sees_who_has_not_answered(
    chat: Chat, org: Services
) -> None:
    [ask_title] = await chat.send(LIAISON, "/meeting")
    assert "请输入会议名称" in (ask_title.text or "")
    [ask_when] = await chat.send(LIAISON, "作风整顿推进会")
    assert "什么时间" in (ask_when.text or "")
    [unreadable] = await chat.send(LIAISON, "改天吧")
    assert "没看懂" in (unreadable.text or "")
    [echo] = await chat.send(LIAISON, "下周一上午10点")
    assert "会议时间：<b>2026年11月30日 周一 10:00</b>" in (echo.text or "")
    [ask_who] = await chat.send(LIAISON, "三楼会议室")
    assert chat.sandbox.buttons(ask_who) == [[("全单位", "meet:all"), ("选择人员", "meet:choose")]]
    [card] = await chat.click(LIAISON, "全单位")
    assert "参会人员（3人）：张三、李局长、孙干部" in (card.text or "")
    [sent] = await chat.click(LIAISON, "确认")
    assert "已发给 3 人" in (sent.text or "")

    for user in ATTENDEES:
        notice = chat.sandbox.last(user)
        assert "会议通知" in (notice.text or "") and "三楼会议室" in (notice.text or "")
        assert "2026年11月30日 周一 10:00" in (notice.text or "")
        assert [label for label, _ in chat.sandbox.buttons(notice)[0]] == ["参加", "请假"]
    assert texts_with(chat, OTHER_CADRE, NOTICE) == texts_with(chat, LIAISON, NOTICE) == []

    [attending] = await chat.click(CADRE, "参加")
    assert "已确认参加" in (attending.text or "")
    [ask_reason] = await chat.click(CADRE2, "请假")
    assert "原因" in (ask_reason.text or "")
    [declined] = await chat.send(CADRE2, "下乡督导")
    assert "已请假" in (declined.text or "") and "下乡督导" in (declined.text or "")

    card, _ask = await chat.send(LIAISON, "/meeting")
    assert "已确认参加 1 · 请假 1 · 未确认 1" in (card.text or "")
    [waiting] = await chat.click(LIAISON, "未确认名单", message=card)
    text = waiting.text or ""
    assert "未确认（1人）：李局长" in text
    assert "请假（1人）：孙干部（下乡督导）" in text and "已确认参加（1人）：张三" in text
    # Names go to the organiser only, never to the attendees.
    assert not any("孙干部" in t for u in (CADRE, LEADER) for t in chat.texts(u))


async def test_picking_people_invites_only_them(chat: Chat, org: Services) -> None:
    for text in ("/meeting", "专题学习会", "明天下午3点", "二楼"):
        await chat.send(LEADER, text)
    [pick] = await chat.click(LEADER, "选择人员")
    assert [b for row in chat.sandbox.buttons(pick) for b, _ in row] == [
        "张三", "王联络", "孙干部", "完成"]
    [refused] = await chat.click(LEADER, "完成")
    assert "至少选择一人" in (refused.text or "")
    [toggled] = await chat.click(LEADER, "张三")
    assert toggled.edited and chat.sandbox.buttons(toggled)[0][0][0] == "✅ 张三"
    [card] = await chat.click(LEADER, "完成")
    assert "参会人员（1人）：张三" in (card.text or "")
    await chat.click(LEADER, "确认")
    assert texts_with(chat, CADRE, "专题学习会") and not texts_with(chat, CADRE2, "专题学习会")
    assert not texts_with(chat, LIAISON, "专题学习会")


async def test_reminders_the_day_before_and_30_minutes_before_skip_who_declined(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat)
    await chat.click(CADRE2, "请假")
    await chat.send(CADRE2, "出差")
    await deliver_at(chat, clock, local(2026, 11, 29, 8, 59))
    assert all(texts_with(chat, u, "会议提醒") == [] for u in ATTENDEES)
    await deliver_at(chat, clock, local(2026, 11, 29, 9, 0))
    for user in (CADRE, LEADER):
        [reminder] = texts_with(chat, user, "会议提醒")
        assert "作风整顿推进会" in reminder and "2026年11月30日 周一 10:00" in reminder
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 29))
    assert all(texts_with(chat, u, "分钟开始") == [] for u in ATTENDEES)
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 30))
    for user in (CADRE, LEADER):
        assert len(texts_with(chat, user, "会议还有 30 分钟开始")) == 1
    assert texts_with(chat, CADRE2, "会议提醒") == [] and texts_with(chat, CADRE2, "分钟开始") == []


async def test_coming_back_to_attend_brings_the_reminders_back(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat)
    await chat.click(CADRE2, "请假")
    await chat.send(CADRE2, "出差")
    await chat.click(CADRE2, "参加")
    await deliver_at(chat, clock, local(2026, 11, 29, 9, 0))
    assert len(texts_with(chat, CADRE2, "会议提醒")) == 1


async def test_reschedule_moves_the_reminders_and_tells_everyone(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat)
    await chat.click(CADRE2, "请假")
    await chat.send(CADRE2, "出差")
    card, _ask = await chat.send(LIAISON, "/meeting")
    [ask] = await chat.click(LIAISON, "改时间", message=card)
    assert "原定 2026年11月30日 周一 10:00" in (ask.text or "")
    [moved] = await chat.send(LIAISON, "下周二下午3点")
    assert "已改到 <b>2026年12月1日 周二 15:00</b>" in (moved.text or "")
    assert "已通知 3 位" in (moved.text or "")
    for user in ATTENDEES:
        [notice] = texts_with(chat, user, "会议改期")
        assert "原定：2026年11月30日 周一 10:00" in notice
        assert "改为：<b>2026年12月1日 周二 15:00</b>" in notice
    # The old reminders are gone; the new ones are for the two who still come.
    pending = org.notify.listing(subject_prefix="meeting:")
    assert sorted((n.chat_id, n.due_at) for n in pending) == sorted(
        (user, at) for user in (CADRE, LEADER)
        for at in (local(2026, 11, 30, 9, 0), local(2026, 12, 1, 14, 30)))

    await deliver_at(chat, clock, local(2026, 11, 29, 9, 0))  # the old day-before time
    assert all(texts_with(chat, u, "会议提醒") == [] for u in ATTENDEES)
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 0))  # the new one
    for user in (CADRE, LEADER):
        [reminder] = texts_with(chat, user, "会议提醒")
        assert "2026年12月1日 周二 15:00" in reminder
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 30))  # the old 30-minute time
    assert all(texts_with(chat, u, "分钟开始") == [] for u in ATTENDEES)
    await deliver_at(chat, clock, local(2026, 12, 1, 14, 30))
    for user in (CADRE, LEADER):
        assert len(texts_with(chat, user, "会议还有 30 分钟开始")) == 1
    assert texts_with(chat, CADRE2, "会议提醒") == [] and texts_with(chat, CADRE2, "分钟开始") == []


async def test_cancel_tells_everyone_and_no_reminder_follows(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat)
    card, _ask = await chat.send(LIAISON, "/meeting")
    [confirm] = await chat.click(LIAISON, "取消会议", message=card)
    assert "确定取消“作风整顿推进会”" in (confirm.text or "")
    [done] = await chat.click(LIAISON, "确定取消会议")
    assert "已取消“作风整顿推进会”，已通知 3 位" in (done.text or "")
    for user in ATTENDEES:
        [notice] = texts_with(chat, user, "会议取消")
        assert "作风整顿推进会" in notice and "2026年11月30日 周一 10:00" in notice
    await deliver_at(chat, clock, local(2026, 11, 29, 9, 0))
    await deliver_at(chat, clock, local(2026, 11, 30, 9, 30))
    for u in ATTENDEES:
        assert texts_with(chat, u, "会议提醒") + texts_with(chat, u, "分钟开始") == []
    [refused] = await chat.click(CADRE, "参加")
    assert "已取消" in (refused.text or "")


async def test_only_the_organiser_or_the_office_may_cancel(chat: Chat, org: Services) -> None:
    await _call(chat)
    meetings = service_of(org)
    [meeting] = meetings.organised(org.membership.identify(LIAISON))
    for intruder in (CADRE, LEADER, OTHER_LEADER):
        with pytest.raises(DomainError) as info:
            meetings.cancel(meeting.id, by=org.membership.identify(intruder))
        assert info.value.key == "meeting.not_organiser"
    card, _ask = await chat.send(LIAISON, "/meeting")
    # A member replaying the organiser's button is refused and nothing changes.
    [refused] = await chat.click(CADRE, "取消会议", chat_id=LIAISON, message=card)
    assert "只有会议召集人" in (refused.text or "")
    still = meetings.get(meeting.id)
    assert still is not None and still.state == MeetingState.SCHEDULED
    assert texts_with(chat, CADRE, "会议取消") == []
    office = org.membership.identify(OFFICE)
    assert meetings.cancel(meeting.id, by=office).state == MeetingState.CANCELLED


async def test_members_cannot_call_meetings_but_see_their_invitations(
    chat: Chat, org: Services
) -> None:
    [none] = await chat.send(CADRE, "/meeting")
    assert "没有会议安排" in (none.text or "")
    await _call(chat)
    await chat.click(CADRE, "参加")
    [listing] = await chat.send(CADRE, "/meeting")
    assert "2026年11月30日 周一 10:00 作风整顿推进会（三楼会议室）— 参加" in (listing.text or "")
    with pytest.raises(DomainError) as info:
        service_of(org).check_organiser(org.membership.identify(CADRE))
    assert info.value.key == "meeting.denied"


async def test_a_meeting_soon_gets_no_reminder_already_past(
    chat: Chat, org: Services, clock: FixedClock
) -> None:
    await _call(chat, when="今天下午3点40分")
    due = [n.due_at for n in org.notify.listing(subject_prefix="meeting:")]
    # Only the 30-minute reminders (15:10): yesterday 09:00 is gone.
    assert due == [local(2026, 11, 28, 15, 10)] * 3
    await chat.click(CADRE, "参加")
    assert len(org.notify.listing(subject_prefix="meeting:")) == 3
