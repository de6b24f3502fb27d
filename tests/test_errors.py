"""The one error handler, and the token kept out of every log line."""

from __future__ import annotations

import logging

import pytest

from bot.clock import FixedClock
from bot.config import Config
from bot.logs import RedactToken
from storage.db import Database
from tests.chat import running_bot

ADMIN_CHAT = -4242


@pytest.fixture
def admin_config(config: Config) -> Config:
    telegram = config.telegram.model_copy(update={"admin_chat": ADMIN_CHAT})
    return config.model_copy(update={"telegram": telegram})


async def test_an_unexpected_error_apologises_and_reports(
    admin_config: Config, clock: FixedClock, database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(admin_config, clock, database) as chat:
        chat.sandbox.add_group(ADMIN_CHAT, "运维群", admins=[1])
        chat.sandbox.fail("sendMessage", "400", description="Bad Request: message is too long",
                          chat_id=1)
        with caplog.at_level(logging.ERROR):
            [apology] = await chat.send(1, "/start")
    assert apology.text == "抱歉，处理您的消息时出错了，我们已记录并会尽快处理。请稍后再试。"
    report = chat.last_text(ADMIN_CHAT)
    assert "BadRequest: Message is too long" in report  # PTB capitalises the description
    assert any("error while handling an update" in r.getMessage() for r in caplog.records)


async def test_a_domain_refusal_is_a_plain_answer_not_an_error(
    config: Config, clock: FixedClock, database: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(config, clock, database) as chat:
        with caplog.at_level(logging.ERROR):
            [answer] = await chat.send(1, "/join NOSUCHCODE")
    assert answer.text == "邀请码无效，请核对后重试，或向联络员索取新的邀请码。"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_token_is_redacted_from_log_records() -> None:
    token = "123456:AAH-secret"
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{token}/getMe",), None)
    assert RedactToken(token).filter(record)
    assert token not in record.getMessage() and "<token>" in record.getMessage()
