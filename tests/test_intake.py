"""The inbox and the intake: screened, recorded once, handled once, floods and guessing cut off."""

from __future__ import annotations

import asyncio
import copy

import pytest

from bot.bootstrap import Services
from bot.config import Config
from bot.domain import NoteKind, Role
from bot.intake import Intake, screen
from bot.services.inbox import Arrival
from tests.chat import Chat, join

CADRE, OTHER, ADMIN = 61, 62, 900


async def _settle(intake: Intake) -> None:
    """Wait until every update the intake started has been handled."""
    for _ in range(500):
        if not intake.in_hand:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("updates still in hand")


@pytest.fixture
def unit(services: Services, chat: Chat) -> Services:
    services.membership.add_unit("市教育局", code="EDU")
    join(services, chat, "EDU", CADRE, Role.MEMBER, "张三")
    join(services, chat, "EDU", OTHER, Role.MEMBER, "李四")
    return services


def test_screen_refuses_forged_and_malformed_updates() -> None:
    real = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/help",
                                        "chat": {"id": 5, "type": "private"},
                                        "from": {"id": 5, "is_bot": False, "first_name": "a"}}}
    assert screen(real) is None
    forged = copy.deepcopy(real)
    forged["message"]["from"]["id"] = ADMIN  # an office admin's id, the attacker's chat
    assert screen(forged) == "forged"
    group = copy.deepcopy(forged)
    group["message"]["chat"] = {"id": -100, "type": "supergroup"}
    assert screen(group) is None  # in a group anyone may speak
    assert screen({"update_id": "1", "message": {}}) == "malformed"
    assert screen({"update_id": 2}) == "malformed"
    assert screen({**real, "callback_query": {}}) == "malformed"  # two kinds at once
    assert screen({"update_id": 3, "not_a_kind": {}}) == "malformed"
    assert screen([1, 2]) == "malformed"


def test_the_inbox_records_an_update_once_and_gives_back_what_was_not_finished(
    services: Services,
) -> None:
    inbox = services.inbox
    update = Arrival(7, {"update_id": 7})
    assert inbox.record([update, Arrival(8, {"update_id": 8}, refused="forged")],
                        holder="a") == [7]
    assert inbox.record([update], holder="b") == []  # a redelivery, or the other instance
    assert inbox.last_update_id() == 8
    # Another instance waits until the take is stale …
    assert inbox.retake("b") == []
    # … unless it knows the taker is gone (a killed process on this host, at start-up).
    assert inbox.retake("b", gone=lambda taker: taker == "a") == [(7, {"update_id": 7})]
    assert inbox.retake("c", gone=lambda taker: taker == "a") == []  # b has it now
    services.clock.advance(seconds=inbox.retake_after.total_seconds() + 1)  # type: ignore[attr-defined]
    assert inbox.retake("c") == [(7, {"update_id": 7})]
    inbox.done([7])
    services.clock.advance(seconds=inbox.retake_after.total_seconds() + 1)  # type: ignore[attr-defined]
    assert inbox.retake("d") == []
    assert inbox.counts() == {"done": 1, "dropped:forged": 1}


def test_a_killed_process_on_this_host_is_gone_and_a_live_one_is_not() -> None:
    import os
    import socket
    import subprocess
    import sys

    from bot.intake import process_gone

    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not process_gone(f"{host}:{child.pid}:abc")
        child.kill()
        child.wait()
        assert process_gone(f"{host}:{child.pid}:abc")
    finally:
        child.kill()
    assert not process_gone(f"{host}:{os.getpid()}:abc")
    assert not process_gone(f"elsewhere:{child.pid}:abc")  # another host: only time tells


async def test_a_repeated_update_has_one_effect(chat: Chat, unit: Services) -> None:
    intake = Intake(chat.app, "test")
    data = chat.sandbox.message(CADRE, "/remind 明天上午9点 交材料")
    assert await intake.receive([data]) == [data["update_id"]]
    await _settle(intake)
    assert await intake.receive([copy.deepcopy(data)]) == []
    await _settle(intake)
    reminders = [n for n in unit.notify.listing() if n.kind == NoteKind.REMINDER]
    assert len(reminders) == 1
    assert len([m for m in chat.sandbox.sent(CADRE) if "提醒" in (m.text or "")]) == 1


async def test_a_forged_private_update_gets_no_answer_and_is_counted(
    chat: Chat, unit: Services,
) -> None:
    intake = Intake(chat.app, "test")
    data = chat.sandbox.message(CADRE, "/export")
    data["message"]["from"] = {"id": ADMIN, "is_bot": False, "first_name": "办公室"}
    before = len(chat.sandbox.calls)
    assert await intake.receive([data]) == []
    await _settle(intake)
    assert chat.sandbox.calls[before:] == []
    assert intake.refused["forged"] == 1
    assert unit.inbox.counts() == {"dropped:forged": 1}


async def test_one_persons_flood_is_dropped_and_the_others_are_answered(
    chat: Chat, unit: Services, config: Config,
) -> None:
    intake = Intake(chat.app, "test")
    limit = config.limits.updates_per_10s
    flood = [chat.sandbox.message(CADRE, f"/help {n}") for n in range(150)]
    await intake.receive(flood[: limit + 40])
    await intake.receive([chat.sandbox.message(OTHER, "/help")])
    await intake.receive(flood[limit + 40:])
    await _settle(intake)
    told = [m.text or "" for m in chat.sandbox.sent(CADRE)]
    helped = [t for t in told if "可以使用" in t]
    assert len(helped) == limit
    assert len([t for t in told if "太频繁" in t]) == 1  # told once, not 130 times
    assert any("可以使用" in (m.text or "") for m in chat.sandbox.sent(OTHER))
    assert intake.refused["flood"] == 150 - limit


async def test_wrong_invite_codes_lock_join_for_a_while(
    chat: Chat, unit: Services, config: Config,
) -> None:
    guesser = 77
    chat.sandbox.add_user(guesser, "猜码者")
    for n in range(config.limits.join_failures):
        [told] = await chat.send(guesser, f"/join WRONG{n:03d}")
        assert "邀请码无效" in (told.text or "")
    code = unit.membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
    [locked] = await chat.send(guesser, f"/join {code}")
    assert "输错次数过多" in (locked.text or "") and "30分钟" in (locked.text or "")
    assert unit.membership.identify(guesser).unit is None
    unit.clock.advance(minutes=config.limits.join_lockout_minutes)  # type: ignore[attr-defined]
    [joined] = await chat.send(guesser, f"/join {code}")
    assert "已加入" in (joined.text or "")


async def test_a_button_answered_too_late_is_not_an_error_for_the_person(
    chat: Chat, unit: Services,
) -> None:
    [menu] = await chat.send(CADRE, "/lang")
    chat.sandbox.fail("answerCallbackQuery", "400",
                      description="Bad Request: query is too old and response timeout expired "
                                  "or query id is invalid")
    replies = await chat.click(CADRE, "English")
    assert not [m for m in replies if "出错" in (m.text or "") or "wrong" in (m.text or "")]
    assert menu is not None

