"""Sign-off cards and outcome notices go through the outbox: one blocked leader stops no one."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.domain import NoteKind, NoteState, Role
from bot.services.problem import Draft
from tests.chat import Chat, deliver_at, join

CADRE, LEADER_A, LEADER_B, LIAISON = 51, 52, 53, 54


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", LEADER_A, Role.LEADER, "甲局长")
    join(services, chat, "EDU", LEADER_B, Role.LEADER, "乙局长")
    join(services, chat, "EDU", LIAISON, Role.LIAISON, "王联络")
    return services


def _file(services: Services) -> int:
    # No leader chosen: every leader of the unit gets the sign-off card.
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track="deadline", owner_name="张三",
                  owner_user_id=CADRE, deadline=(services.clock.now()
                                                 + dt.timedelta(days=6)).isoformat())
    return services.ledger.file(draft, by=services.membership.identify(CADRE),
                                by_name="张三").id


async def _report_done(chat: Chat) -> None:
    [card] = await chat.send(CADRE, "/item EDU-0001")
    await chat.click(CADRE, "报告完成", message=card)
    [saved] = await chat.send(CADRE, "午间已有人值守")
    assert "等待责任领导审核" in (saved.text or "")


def _cards(chat: Chat, user: int) -> list[str]:
    return [m.text or "" for m in chat.sandbox.sent(user) if "销号审核" in (m.text or "")]


async def test_a_leader_who_blocked_the_bot_does_not_stop_the_others_card(
    chat: Chat, unit: Services,
) -> None:
    _file(unit)
    chat.sandbox.fail("sendMessage", "403", chat_id=LEADER_A)
    await _report_done(chat)
    assert _cards(chat, LEADER_A) == []
    [card] = _cards(chat, LEADER_B)
    assert "午间已有人值守" in card
    failed = unit.notify.listing(states=(NoteState.FAILED,))
    # Everything for the unreachable leader ends failed (his card, the new-item notice).
    assert (NoteKind.SIGNOFF_REQUEST, LEADER_A) in [(n.kind, n.chat_id) for n in failed]
    assert {n.chat_id for n in failed} == {LEADER_A}
    # The unit's liaison hears that a leader no longer takes the bot's messages.
    await chat.app.bot_data.sender.tick()
    assert any("甲局长" in text for text in chat.texts(LIAISON))
    # The other leader signs it off from the card; the owner is told, through the outbox too.
    await chat.click(LEADER_B, "通过")
    assert "已销号" in chat.last_text(CADRE) and "乙局长" in chat.last_text(CADRE)


async def test_a_sign_off_card_that_failed_is_retried(
    chat: Chat, unit: Services, clock: FixedClock,
) -> None:
    _file(unit)
    chat.sandbox.fail("sendMessage", "500", chat_id=LEADER_B)
    await _report_done(chat)
    assert len(_cards(chat, LEADER_A)) == 1 and _cards(chat, LEADER_B) == []
    [waiting] = [n for n in unit.notify.listing()
                 if n.chat_id == LEADER_B and n.kind == NoteKind.SIGNOFF_REQUEST]
    assert waiting.kind == NoteKind.SIGNOFF_REQUEST and waiting.attempts == 1
    await deliver_at(chat, clock, clock.now() + dt.timedelta(minutes=2))
    assert len(_cards(chat, LEADER_B)) == 1
    await deliver_at(chat, clock, clock.now() + dt.timedelta(minutes=10))
    assert len(_cards(chat, LEADER_A)) == 1 and len(_cards(chat, LEADER_B)) == 1


async def test_a_card_for_an_item_signed_off_meanwhile_is_not_sent(
    chat: Chat, unit: Services, clock: FixedClock,
) -> None:
    _file(unit)
    chat.sandbox.fail("sendMessage", "500", chat_id=LEADER_B)
    await _report_done(chat)
    await chat.click(LEADER_A, "通过")
    await deliver_at(chat, clock, clock.now() + dt.timedelta(minutes=2))
    assert _cards(chat, LEADER_B) == []
