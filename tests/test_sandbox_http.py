"""The fake Bot API over loopback HTTP: a real polling loop, uploads, faults, control routes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, decode_field, serve
from tests.sandbox_bot import KEYBOARD, USER, check_taught, known_sandbox, until, with_handlers


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    sandbox = known_sandbox()
    yield sandbox
    check_taught(sandbox)


def test_form_fields_decode_like_the_bot_api() -> None:
    assert decode_field("text", "123") == "123"
    assert decode_field("chat_id", "-100") == -100
    assert decode_field("chat_id", "@channel") == "@channel"
    assert decode_field("reply_markup", '{"inline_keyboard": []}') == {"inline_keyboard": []}


async def test_real_polling_loop_over_loopback_http(sandbox: BotApiSandbox) -> None:
    with serve(sandbox) as server:
        app = Application.builder().token("123:abc").base_url(server.url).build()
        with_handlers(app)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
        try:
            sandbox.message(USER, "/start")
            await asyncio.wait_for(until(lambda: sandbox.sent(USER)), 5)
            await _feed_http_click(sandbox)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    assert sandbox.last(USER).text == "已选择：ok"


async def _feed_http_click(sandbox: BotApiSandbox) -> None:
    sandbox.click(USER, sandbox.last(USER), "确认")
    await asyncio.wait_for(until(lambda: sandbox.last(USER).edited), 5)


async def test_http_keeps_uploads_and_string_params_intact(sandbox: BotApiSandbox) -> None:
    payload = bytes(range(256)) + b"\r\n--boundary\r\n"
    with serve(sandbox) as server:
        async with Bot("123:abc", base_url=server.url) as bot:
            sent = await bot.send_document(
                USER, payload, filename='整改 "台账".xlsx', caption="123"
            )
            await bot.send_message(USER, "true", reply_markup=KEYBOARD)

    document, text = sandbox.sent(USER)
    assert (document.document, document.text) == (('整改 "台账".xlsx', payload), "123")
    assert sent.document is not None and sent.document.file_size == len(payload)
    assert text.text == "true"
    assert sandbox.buttons(text) == [[("确认", "ok"), ("说明", "https://e.x/")]]


async def test_http_faults_time_out_and_reset(sandbox: BotApiSandbox) -> None:
    with serve(sandbox) as server:
        request = HTTPXRequest(read_timeout=0.3)
        async with Bot("123:abc", base_url=server.url, request=request) as bot:
            sandbox.fail("sendMessage", "timeout")
            with pytest.raises(TimedOut):
                await bot.send_message(USER, "x")
            sandbox.fail("sendMessage", "reset")
            with pytest.raises(NetworkError) as caught:
                await bot.send_message(USER, "x")
            assert type(caught.value) is NetworkError
            sandbox.fail("sendMessage", "502")
            with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
                await bot.send_message(USER, "x")
            await bot.send_message(USER, "ok")
    assert [m.text for m in sandbox.sent(USER)] == ["ok"]


async def test_http_control_routes(sandbox: BotApiSandbox) -> None:
    with serve(sandbox) as server:
        async with (
            Bot("123:abc", base_url=server.url) as bot,
            httpx.AsyncClient(base_url=server.control_url) as client,
        ):
            queued = await client.post("/message", json={"user_id": USER, "text": "/start"})
            await bot.send_message(USER, "欢迎", reply_markup=KEYBOARD)
            sent = (await client.get("/sent", params={"chat_id": USER})).json()
            click = await client.post("/click", json={"user_id": USER, "text": "确认"})
            stale = await client.post("/callback", json={"user_id": USER, "data": "nope"})
            calls = (await client.get("/calls")).json()

    assert queued.json()["message"]["entities"][0]["type"] == "bot_command"
    assert sent[0]["buttons"] == [[["确认", "ok"], ["说明", "https://e.x/"]]]
    assert click.json()["callback_query"]["data"] == "ok"
    assert stale.status_code == 400
    assert [call["method"] for call in calls] == ["getMe", "sendMessage"]


def test_an_answer_leaves_in_one_write_on_a_no_delay_socket(sandbox: BotApiSandbox) -> None:
    with serve(sandbox) as server, socket.create_connection((server.host, server.port)) as client:
        client.settimeout(5)
        client.sendall(b"GET /bot123:abc/getMe HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        answer = client.recv(1 << 16)  # a body written apart from its headers would miss this
        accepted = list(server._httpd.open_connections)
        no_delay = [c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in accepted]

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"Content-Length: {len(body)}".encode() in head.split(b"\r\n")
    assert json.loads(body)["result"]["username"] == "zhenggai_bot"
    assert len(no_delay) == 1 and all(no_delay)
