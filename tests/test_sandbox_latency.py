"""A configured latency delays every answer, in-process and over HTTP, without blocking the loop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from telegram import Bot

from sandbox import BotApiSandbox, SandboxRequest, serve
from tests.sandbox_bot import USER

ROOT = Path(__file__).resolve().parent.parent
# asyncio may run a timer this much early; a lower bound on elapsed time must allow for it.
EARLY = time.get_clock_info("monotonic").resolution


def _slow(latency: float) -> BotApiSandbox:
    sandbox = BotApiSandbox(latency=latency)
    sandbox.add_user(USER, "张三")
    return sandbox


async def test_in_process_calls_wait_out_the_latency() -> None:
    sandbox = _slow(0.05)
    loop = asyncio.get_running_loop()
    async with Bot("123:abc", request=SandboxRequest(sandbox)) as bot:
        for text in ("一", "二", "三"):
            start = loop.time()
            await bot.send_message(USER, text)
            assert loop.time() - start >= 0.05 - EARLY
    assert [m.text for m in sandbox.sent(USER)] == ["一", "二", "三"]


async def test_the_in_process_delay_leaves_the_event_loop_free() -> None:
    async with Bot("123:abc", request=SandboxRequest(_slow(0.05))) as bot:
        call = asyncio.create_task(bot.send_message(USER, "一"))
        # A blocking sleep would hold this task up until the call had finished.
        await asyncio.sleep(0.01)
        assert not call.done()
        assert (await call).text == "一"


def test_jitter_is_drawn_from_the_seed() -> None:
    def draws(seed: int) -> list[float]:
        sandbox = BotApiSandbox(latency=0.1, jitter=0.02, seed=seed)
        return [sandbox.round_trip() for _ in range(20)]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    assert all(0.08 <= d <= 0.12 for d in draws(7))
    assert len(set(draws(7))) > 1
    assert BotApiSandbox(latency=0.1).round_trip() == 0.1
    assert BotApiSandbox().round_trip() == 0.0
    assert BotApiSandbox(latency=0.01, jitter=0.05, seed=1).round_trip() >= 0.0
    with pytest.raises(ValueError, match="negative"):
        BotApiSandbox(latency=-0.1)


async def test_loopback_calls_wait_out_the_latency() -> None:
    sandbox = _slow(0.05)
    loop = asyncio.get_running_loop()
    with serve(sandbox) as server:
        async with Bot("123:abc", base_url=server.url) as bot:
            for text in ("一", "二"):
                start = loop.time()
                await bot.send_message(USER, text)
                assert loop.time() - start >= 0.05 - EARLY
    assert [m.text for m in sandbox.sent(USER)] == ["一", "二"]


@pytest.mark.parametrize("module", ["sandbox", "bot.sandbox_http"])
def test_python_dash_m_serves_with_latency_flags(module: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", module, "--port", "0", "--latency", "0.05"]
    proc = subprocess.Popen(
        [*command, "--jitter", "0.01", "--seed", "3"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = ""
        while "TELEGRAM_BASE_URL=" not in line:
            line = proc.stdout.readline()
            assert line, "the sandbox exited before saying where it listens"
        url = line.split("TELEGRAM_BASE_URL=", 1)[1].strip()
        start = time.monotonic()
        answer = httpx.post(f"{url}123:abc/getMe", timeout=10).json()
        assert time.monotonic() - start >= 0.04  # the latency less the most jitter takes off
        assert answer["result"]["username"] == "zhenggai_bot"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        out, _ = proc.communicate()
    assert "Bot API sandbox stopped." in out


async def test_a_call_counts_when_it_arrives_not_when_the_loop_gets_round_to_it() -> None:
    """A call made at 0 arrives at 0.01 however late this process wakes up to answer it, so
    the rate limits do not bunch it with the calls made after a hold-up."""
    now = [0.0]
    sandbox = _slow(0.02)
    sandbox.enforce_limits(per_second=2, per_chat_per_second=None, per_group_per_minute=None,
                           clock=lambda: now[0])

    async def send(text: str) -> int:
        reply = await sandbox.dispatch_async("sendMessage", {"chat_id": USER, "text": text})
        return reply.status

    first = asyncio.create_task(send("一"))
    await asyncio.sleep(0)  # on its way at 0: it arrives at 0.01
    now[0] = 0.45  # this process was held up while it travelled
    assert await first == 200
    assert await send("二") == 200  # made at 0.45, arrives at 0.46
    now[0] = 1.2
    # Arriving at 1.21: the second before it holds one call (0.46), not two.
    assert await send("三") == 200
    assert await send("四") == 429  # 0.46 and 1.21 are within the second before 1.21
    assert [m.text for m in sandbox.sent(USER)] == ["一", "二", "三"]
