"""Injected faults and rate limits reach the bot as PTB's own exceptions, once per arming."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from sandbox import BotApiSandbox
from tests.sandbox_bot import GROUP, USER, check_taught, in_process_app, known_sandbox


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.x's RetryAfter.__init__ reads its own retry_after, which emits a
    # PTBDeprecationWarning (an error under filterwarnings=error) unless this opt-in is set.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    sandbox = known_sandbox()
    yield sandbox
    check_taught(sandbox)


@pytest.fixture
async def app(sandbox: BotApiSandbox) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    async with in_process_app(sandbox) as application:
        yield application


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("429", RetryAfter),
        ("401", InvalidToken),
        ("403", Forbidden),
        ("400", BadRequest),
        ("500", NetworkError),
        ("502", NetworkError),
        ("timeout", TimedOut),
        ("reset", NetworkError),
    ],
)
async def test_each_fault_kind_raises_ptbs_own_exception(
    app: Any,
    sandbox: BotApiSandbox,
    kind: str,
    error: type[Exception],
) -> None:
    sandbox.fail("sendMessage", kind, retry_after=7)

    with pytest.raises(error) as caught:
        await app.bot.send_message(USER, "hi")

    assert type(caught.value) is error
    if isinstance(caught.value, RetryAfter):
        assert caught.value.retry_after == dt.timedelta(seconds=7)
    assert sandbox.calls[-1].fault == kind
    await app.bot.send_message(USER, "hi")  # one-shot by default


async def test_faults_can_target_one_chat(app: Any, sandbox: BotApiSandbox) -> None:
    sandbox.add_user(2, "李四")
    sandbox.fail("sendMessage", "403", chat_id=2, times=2)

    await app.bot.send_message(USER, "ok")
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await app.bot.send_message(2, "no")
    await app.bot.send_message(2, "ok again")
    assert [call.fault for call in sandbox.calls_to("sendMessage")] == [None, "403", "403", None]


async def test_rate_limits_answer_429(app: Any, sandbox: BotApiSandbox) -> None:
    now = [0.0]
    sandbox.enforce_limits(per_chat_per_second=1, clock=lambda: now[0])
    sandbox.add_group(GROUP, "群", admins=[USER])

    await app.bot.send_message(USER, "1")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(USER, "2")
    now[0] = 1.0
    await app.bot.send_message(USER, "3")
    for _ in range(20):
        now[0] += 1.0
        await app.bot.send_message(GROUP, "群发")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(GROUP, "第21条")
    assert sandbox.stats["429"] == 2
