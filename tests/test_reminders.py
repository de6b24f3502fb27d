"""Personal reminders through the bot: set, deliver on the clock, snooze, list, delete, refuse."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import NoteState, Role
from bot.services.office_hours import OfficeHoursService
from bot.services.reminders import ReminderService
from sandbox import SentMessage
from tests.chat import Chat
from tests.conftest import SHANGHAI

ZHANG, LI, STRANGER = 101, 102, 199


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def reminders(services: Services) -> ReminderService:
    return ReminderService(services.notify, services.clock, services.config.tz)


@pytest.fixture
def people(services: Services, chat: Chat) -> Services:
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    office = OfficeHoursService(services.db, services.clock, services.calendar, services.notify,
                                services.config)
    for user, name in ((ZHANG, "张三"), (LI, "李四")):
        code = m.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
        m.redeem_invite(code, user_id=user, display_name=name, username=None)
        chat.sandbox.add_user(user, name)
        office.set_enabled(user, False)  # keep working-day 上下班 reminders out of these chats
    chat.sandbox.add_user(STRANGER, "路人")
    return services


async def tick_at(chat: Chat, clock: FixedClock, when: dt.datetime,
                  user: int = ZHANG) -> list[SentMessage]:
    """Move the clock, run one tick, return what it sent to the person."""
    clock.set(when)
    before = len(chat.sandbox.sent(user))
    await chat.app.bot_data.sender.tick()
    return chat.sandbox.sent(user)[before:]


def labels(chat: Chat, message: SentMessage) -> list[list[str]]:
    return [[label for label, _ in row] for row in chat.sandbox.buttons(message)]


def pending(services: Services, user: int = ZHANG) -> list[tuple[dt.datetime, str]]:
    return [(r.due_at, r.text) for r in reminders(services).pending(user)]


async def test_remind_command_echoes_in_full_and_delivers_once_at_that_minute(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    [echo] = await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    assert echo.text == "✅ 已设提醒：2026年11月29日 周日 15:00 交材料"
    assert labels(chat, echo) == [["删除"]]
    assert await tick_at(chat, clock, local(2026, 11, 29, 14, 59)) == []
    [due] = await tick_at(chat, clock, local(2026, 11, 29, 15, 0))
    assert due.text == "⏰ 提醒：交材料"
    assert labels(chat, due) == [["知道了"], ["10分钟后再提醒", "明天再提醒"]]
    assert await tick_at(chat, clock, local(2026, 11, 29, 15, 5)) == []
    assert pending(people) == []


async def test_messages_beginning_with_tixingwo_set_reminders(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    [first] = await chat.send(ZHANG, "提醒我明天9点开会")
    assert first.text == "✅ 已设提醒：2026年11月29日 周日 09:00 开会"
    [second] = await chat.send(ZHANG, "提醒我 下周一上午10点 交报告")
    assert second.text == "✅ 已设提醒：2026年11月30日 周一 10:00 交报告"
    assert pending(people) == [(local(2026, 11, 29, 9, 0), "开会"),
                               (local(2026, 11, 30, 10, 0), "交报告")]
    [due] = await tick_at(chat, clock, local(2026, 11, 29, 9, 0))
    assert due.text == "⏰ 提醒：开会"


async def test_a_reminder_at_night_is_not_held_by_quiet_hours(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    # The person chose the minute; quiet hours (22:00-07:30) are for the bot's own nudges.
    await chat.send(ZHANG, "提醒我今晚11点 吃药")
    [due] = await tick_at(chat, clock, local(2026, 11, 28, 23, 0))
    assert due.text == "⏰ 提醒：吃药"


async def test_bare_remind_asks_for_the_time_then_what(chat: Chat, people: Services) -> None:
    [ask] = await chat.send(ZHANG, "/remind")
    assert "什么时候提醒您" in (ask.text or "")
    [again] = await chat.send(ZHANG, "过几天")
    assert "没看懂提醒的时间" in (again.text or "")
    [what] = await chat.send(ZHANG, "明天下午3点")
    assert what.text == "好的，2026年11月29日 周日 15:00。要提醒您什么事？"
    [echo] = await chat.send(ZHANG, "交整改材料")
    assert echo.text == "✅ 已设提醒：2026年11月29日 周日 15:00 交整改材料"
    assert pending(people) == [(local(2026, 11, 29, 15, 0), "交整改材料")]
    assert people.dialogs.get(ZHANG, ZHANG) is None


async def test_a_time_that_passes_while_asking_is_asked_again(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    await chat.send(ZHANG, "/remind")
    await chat.send(ZHANG, "半小时后")
    clock.advance(hours=1)
    [past] = await chat.send(ZHANG, "喝水")
    assert (past.text or "").startswith("2026年11月28日 周六 15:30 已经过去了")
    [echo] = await chat.send(ZHANG, "半小时后 喝水")
    assert echo.text == "✅ 已设提醒：2026年11月28日 周六 16:30 喝水"


async def test_a_full_remind_ends_a_half_asked_one(chat: Chat, people: Services) -> None:
    await chat.send(ZHANG, "/remind")
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    assert people.dialogs.get(ZHANG, ZHANG) is None
    [filing] = await chat.send(ZHANG, "问题：窗口午休无人值守")
    assert "没看懂" not in (filing.text or "")


async def test_snooze_ten_minutes_then_tomorrow_and_acknowledge(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    [due] = await tick_at(chat, clock, local(2026, 11, 29, 15, 0))
    [moved] = await chat.click(ZHANG, "10分钟后再提醒", message=due)
    assert moved.text == "⏰ 提醒：交材料\n⏳ 将于 2026年11月29日 周日 15:10 再次提醒"
    assert labels(chat, moved) == []
    assert await tick_at(chat, clock, local(2026, 11, 29, 15, 9)) == []
    [again] = await tick_at(chat, clock, local(2026, 11, 29, 15, 10))
    assert again.text == "⏰ 提醒：交材料"
    [tomorrow] = await chat.click(ZHANG, "明天再提醒", message=again)
    assert "将于 2026年11月30日 周一 15:00 再次提醒" in (tomorrow.text or "")
    assert pending(people) == [(local(2026, 11, 30, 15, 0), "交材料")]
    [last] = await tick_at(chat, clock, local(2026, 11, 30, 15, 0))
    [seen] = await chat.click(ZHANG, "知道了", message=last)
    assert seen.text == "⏰ 提醒：交材料\n✔️ 知道了"
    assert labels(chat, seen) == [] and pending(people) == []


async def test_a_snooze_button_works_once_per_delivery(
    chat: Chat, people: Services, clock: FixedClock
) -> None:
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    [due] = await tick_at(chat, clock, local(2026, 11, 29, 15, 0))
    data = dict(chat.sandbox.buttons(due)[1])["10分钟后再提醒"]
    await chat.click(ZHANG, "10分钟后再提醒", message=due)
    chat.sandbox.strict = False  # the button is gone: replay its data as a retried update would
    await chat.app.process_update(chat.sandbox.update(
        chat.sandbox.callback(ZHANG, due, data), chat.app.bot))
    assert chat.last_text(ZHANG) == "这条提醒已经改过时间了，发送 /reminders 查看。"
    assert len(pending(people)) == 1


async def test_list_soonest_first_and_delete_one(chat: Chat, people: Services) -> None:
    await chat.send(ZHANG, "/remind 下周一上午10点 交报告")
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    await chat.send(ZHANG, "提醒我半小时后 喝水")
    [listing] = await chat.send(ZHANG, "/reminders")
    assert listing.text == (
        "您的待发提醒（3条，按时间先后）：\n"
        "1. 2026年11月28日 周六 15:30 喝水\n"
        "2. 2026年11月29日 周日 15:00 交材料\n"
        "3. 2026年11月30日 周一 10:00 交报告"
    )
    assert labels(chat, listing) == [["删除 1", "删除 2", "删除 3"], ["全部删除"]]
    [edited] = await chat.click(ZHANG, "删除 2", message=listing)
    assert edited.text == (
        "您的待发提醒（2条，按时间先后）：\n"
        "1. 2026年11月28日 周六 15:30 喝水\n"
        "2. 2026年11月30日 周一 10:00 交报告"
    )
    assert [text for _, text in pending(people)] == ["喝水", "交报告"]


async def test_delete_from_the_echo(chat: Chat, people: Services) -> None:
    [echo] = await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    [deleted] = await chat.click(ZHANG, "删除", message=echo)
    assert deleted.text == "🗑 已删除提醒：2026年11月29日 周日 15:00 交材料"
    assert pending(people) == []
    [listing] = await chat.send(ZHANG, "/reminders")
    assert (listing.text or "").startswith("您没有待发的提醒。")


async def test_nobody_deletes_someone_elses_reminder(chat: Chat, people: Services) -> None:
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    [theirs] = reminders(people).pending(ZHANG)
    [own_echo] = await chat.send(LI, "/remind 明天上午9点 开会")
    chat.sandbox.strict = False  # a forged button: Li's message, Zhang's reminder id
    forged = chat.sandbox.callback(LI, own_echo, f"rem:del:{theirs.id}")
    await chat.app.process_update(chat.sandbox.update(forged, chat.app.bot))
    assert chat.last_text(LI) == "这不是您的提醒，不能操作。"
    assert pending(people) == [(local(2026, 11, 29, 15, 0), "交材料")]
    assert people.notify.get(theirs.id).state == NoteState.PENDING  # type: ignore[union-attr]


async def test_delete_all_asks_first(chat: Chat, people: Services) -> None:
    await chat.send(ZHANG, "/remind 明天下午3点 交材料")
    await chat.send(ZHANG, "/remind 下周一上午10点 交报告")
    await chat.send(LI, "/remind 明天上午9点 开会")
    [listing] = await chat.send(ZHANG, "/reminders")
    [question] = await chat.click(ZHANG, "全部删除", message=listing)
    assert question.text == "确定删除全部2条待发提醒吗？"
    assert len(pending(people)) == 2
    [back] = await chat.click(ZHANG, "取消", message=question)
    assert (back.text or "").startswith("您的待发提醒（2条")
    await chat.click(ZHANG, "全部删除", message=back)
    [done] = await chat.click(ZHANG, "确定全部删除")
    assert done.text == "已删除2条提醒。"
    assert pending(people) == []
    assert pending(people, LI) == [(local(2026, 11, 29, 9, 0), "开会")]


@pytest.mark.parametrize(("text", "expected"), [
    ("/remind 交材料", "没看懂提醒的时间。请把时间写在前面"),
    ("提醒我 交材料", "没看懂提醒的时间。请把时间写在前面"),
    ("/remind 今天上午9点 开会", "2026年11月28日 周六 09:00 已经过去了"),
    ("提醒我明天9点", "时间看懂了（2026年11月29日 周日 09:00），还要写上提醒什么事"),
    ("提醒我明天 交材料", "请写明几点提醒"),
    ("/remind 2月30日上午9点 交材料", "没看懂提醒的时间"),
])
async def test_unreadable_past_or_empty_reminders_are_refused(
    chat: Chat, people: Services, text: str, expected: str
) -> None:
    [refusal] = await chat.send(ZHANG, text)
    assert expected in (refusal.text or "")
    assert pending(people) == []


async def test_the_unreadable_refusal_shows_an_example(chat: Chat, people: Services) -> None:
    [refusal] = await chat.send(ZHANG, "/remind 改天 交材料")
    assert "<code>/remind 明天下午3点 交材料</code>" in (refusal.text or "")


async def test_strangers_are_told_to_join_first(chat: Chat, people: Services) -> None:
    for text in ("/remind 明天下午3点 交材料", "提醒我明天9点开会", "/reminders"):
        [refusal] = await chat.send(STRANGER, text)
        assert (refusal.text or "").startswith("请先加入单位再设提醒")
    assert reminders(people).pending(STRANGER) == []


async def test_english_phrases_and_texts(chat: Chat, people: Services, clock: FixedClock) -> None:
    people.membership.set_lang(ZHANG, "张三", "en")
    [echo] = await chat.send(ZHANG, "/remind tomorrow 3pm submit the report")
    assert echo.text == "✅ Reminder set: Sun 29 Nov 2026 15:00 submit the report"
    [due] = await tick_at(chat, clock, local(2026, 11, 29, 15, 0))
    assert due.text == "⏰ Reminder: submit the report"
    assert labels(chat, due) == [["Got it"], ["Again in 10 min", "Again tomorrow"]]
    [plain] = await chat.send(ZHANG, "remind me tomorrow 9am to call Wang")
    assert plain.text == "✅ Reminder set: Mon 30 Nov 2026 09:00 call Wang"
    [mixed] = await chat.send(ZHANG, "/remind in 30 minutes 交材料")
    assert mixed.text == "✅ Reminder set: Sun 29 Nov 2026 15:30 交材料"


async def test_user_text_is_escaped(chat: Chat, people: Services) -> None:
    [echo] = await chat.send(ZHANG, "/remind 明天下午3点 核对<b>台账</b> & 报表")
    assert echo.text == (
        "✅ 已设提醒：2026年11月29日 周日 15:00 核对&lt;b&gt;台账&lt;/b&gt; &amp; 报表")
