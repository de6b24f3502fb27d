"""Replies inside handlers when Telegram fails: the person is told to retry, nothing is lost."""

from __future__ import annotations

import logging

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.texts import t
from storage.db import Database
from tests.chat import Chat, running_bot
from tests.test_faults_telegram import (  # noqa: F401 - fixtures
    ADMIN_CHAT,
    CADRE,
    LIAISON,
    TRANSIENT,
    _probe_renderer,
    admin_config,
    count_faults,
    setup_unit,
)
from tests.test_filing import walk_from_description_to_confirm, walk_to_description

# -- replies inside handlers ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", TRANSIENT)
async def test_a_failed_reply_tells_the_user_to_retry_and_the_bot_keeps_going(
    chat: Chat, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat.sandbox.add_user(1, "甲")
    chat.sandbox.fail("sendMessage", kind, chat_id=1)
    with caplog.at_level(logging.WARNING):
        [told] = await chat.send(1, "/help")
    assert told.text == t("zh", "error.network")
    # Only python-telegram-bot's own rate limiter logs a flood wait as an error.
    assert not [r for r in caplog.records
                if r.levelno >= logging.ERROR and not r.name.startswith("telegram")]
    [helped] = await chat.send(1, "/help")
    assert "/file" in (helped.text or "") or "/join" in (helped.text or "")
    count_faults(chat.sandbox)


async def test_a_blocked_user_gets_no_apology_and_others_are_still_answered(
    admin_config: Config, clock: FixedClock, database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(admin_config, clock, database) as chat:
        chat.sandbox.add_user(1, "甲")
        chat.sandbox.add_user(2, "乙")
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[900])
        chat.sandbox.fail("sendMessage", "403", chat_id=1, times=5)
        with caplog.at_level(logging.WARNING):
            assert await chat.send(1, "/help") == []
        assert len(chat.sandbox.calls_to("sendMessage")) == 1  # no apology into the void
        assert chat.texts(ADMIN_CHAT) == []
        assert any("cannot answer in chat 1" in r.getMessage() for r in caplog.records)
        [helped] = await chat.send(2, "/help")
        assert helped.text
    count_faults(chat.sandbox)


async def test_filing_survives_failed_replies_and_a_failed_button_answer(chat: Chat) -> None:
    svc = chat.app.bot_data.services
    setup_unit(svc, chat.sandbox, [CADRE])
    await walk_to_description(chat)
    # The question after the description times out: the step is not taken, the user is told.
    chat.sandbox.fail("sendMessage", "timeout", chat_id=CADRE)
    [told] = await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    assert told.text == t("zh", "error.network")
    [asked] = await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    assert "措施" in (asked.text or "")
    await walk_from_description_to_confirm(chat)
    # Confirming while the button's answer fails: nothing is saved, the card still works.
    chat.sandbox.fail("answerCallbackQuery", "reset")
    [told] = await chat.click(CADRE, "确认")
    assert told.text == t("zh", "error.network")
    assert svc.ledger.rows() == []
    # Confirming again: saved, but the confirmation itself is lost on the way.
    chat.sandbox.fail("sendMessage", "502", chat_id=CADRE)
    [told] = await chat.click(CADRE, "确认")
    assert told.text == t("zh", "error.network")
    [row] = svc.ledger.rows()
    # A third tap finds the conversation over: no second row.
    await chat.click(CADRE, "确认")
    assert len(svc.ledger.rows()) == 1 and row.description == "窗口工作人员午休时段无人值守"
    [mine] = await chat.send(CADRE, "/my")
    assert row.number in (mine.text or "")
    count_faults(chat.sandbox)


async def test_a_failed_export_upload_asks_for_a_retry(chat: Chat) -> None:
    setup_unit(chat.app.bot_data.services, chat.sandbox, [])
    chat.sandbox.fail("sendDocument", "timeout", chat_id=LIAISON)
    working, told = await chat.send(LIAISON, "/export")
    assert "导出" in (working.text or "") or "台账" in (working.text or "")
    assert told.text == t("zh", "error.network")
    assert [m for m in chat.sandbox.sent(LIAISON) if m.document] == []
    sent = await chat.send(LIAISON, "/export")
    [document] = [m for m in sent if m.document]
    assert document.document is not None and document.document[0].endswith(".xlsx")
    count_faults(chat.sandbox)
