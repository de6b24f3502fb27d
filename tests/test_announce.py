"""A unit's leaders hear of new items in one message per half hour, not one per item."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import NoteKind
from tests.chat import Chat
from tests.test_forged_updates import LEADER, LIAISON, OWNER, build_org, file_item


async def _tick(chat: Chat, clock: FixedClock, when: dt.datetime) -> None:
    clock.set(when)
    await chat.app.bot_data.sender.tick()


def _announcements(chat: Chat, user: int) -> list[str]:
    return [m.text or "" for m in chat.sandbox.sent(user) if "新登记问题" in (m.text or "")]


async def test_three_filings_in_a_window_are_one_message_to_the_leader(
    chat: Chat, clock: FixedClock
) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    start = clock.now()
    for text in ("窗口午休无人值守", "办事指南过期", "会议室空调长期开着"):
        file_item(services, description=text)
        clock.advance(minutes=3)
    planned = [n for n in services.notify.listing(limit=100)
               if n.kind == NoteKind.NEW_PROBLEMS]
    assert len(planned) == 3 and {n.chat_id for n in planned} == {LEADER}
    await _tick(chat, clock, start + dt.timedelta(hours=1))
    [message] = _announcements(chat, LEADER)
    assert "新登记问题3个" in message
    for text in ("窗口午休无人值守", "办事指南过期", "会议室空调长期开着", "EDU-0003"):
        assert text in message, text
    assert _announcements(chat, OWNER) == [] and _announcements(chat, LIAISON) == []
    # Another window, another message.
    file_item(services, description="值班电话无人接听")
    await _tick(chat, clock, clock.now() + dt.timedelta(hours=1))
    later = _announcements(chat, LEADER)
    assert len(later) == 2 and "新登记问题1个" in later[1] and "值班电话无人接听" in later[1]


async def test_a_leaders_own_filing_is_not_announced_to_him(
    chat: Chat, clock: FixedClock
) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    from tests.test_own_items import _leaders_item

    _leaders_item(services)
    await _tick(chat, clock, clock.now() + dt.timedelta(hours=1))
    assert _announcements(chat, LEADER) == []
