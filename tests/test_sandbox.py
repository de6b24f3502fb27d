"""The fake Bot API drives a real PTB Application, in-process and over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, SandboxRequest, decode_field, serve

USER = 1
GROUP = -1001234
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("确认", callback_data="ok"),
            InlineKeyboardButton("说明", url="https://e.x/"),
        ]
    ]
)
Context = ContextTypes.DEFAULT_TYPE


async def _start(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("欢迎", reply_markup=KEYBOARD)


async def _report(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_document(b"a,b\n", filename="台账.csv", caption="本周")


async def _echo(update: Update, context: Context) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def _button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已确认")
    await query.edit_message_text(f"已选择：{query.data}")


def _with_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CommandHandler("report", _report))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))


async def _until(condition: Callable[[], object]) -> None:
    # The sandbox changes on server threads; a short poll (bounded by the caller) is simplest.
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.01)


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.x's RetryAfter.__init__ reads its own retry_after, which emits a
    # PTBDeprecationWarning (an error under filterwarnings=error) unless this opt-in is set.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    sandbox = BotApiSandbox()
    sandbox.add_user(USER, "张三", username="zhangsan")
    yield sandbox
    assert not sandbox.untaught, f"the bot called methods the sandbox lacks: {sandbox.untaught}"


@pytest.fixture
async def app(sandbox: BotApiSandbox) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    builder = Application.builder().token("123:abc").request(SandboxRequest(sandbox))
    application = builder.get_updates_request(SandboxRequest(sandbox)).build()
    _with_handlers(application)
    async with application:
        yield application


async def _feed(app: Application[Any, Any, Any, Any, Any, Any], update: dict[str, Any]) -> None:
    sandbox = app.bot.request.sandbox  # type: ignore[attr-defined]
    await app.process_update(sandbox.update(update, app.bot))


async def test_start_replies_with_an_inline_keyboard(app: Any, sandbox: BotApiSandbox) -> None:
    await _feed(app, sandbox.message(USER, "/start"))

    reply = sandbox.last(USER)
    assert reply.text == "欢迎"
    assert sandbox.buttons(reply) == [[("确认", "ok"), ("说明", "https://e.x/")]]
    assert [call.method for call in sandbox.calls] == ["getMe", "sendMessage"]


@pytest.mark.parametrize(
    ("text", "answered"), [("/start@zhenggai_bot", True), ("/start@x_bot", False)]
)
async def test_commands_addressed_by_bot_name(
    app: Any, sandbox: BotApiSandbox, text: str, answered: bool
) -> None:
    await _feed(app, sandbox.message(USER, f"{text} 参数"))

    assert bool(sandbox.sent(USER)) is answered


async def test_text_is_echoed_with_dates_from_the_sandbox_clock(
    app: Any, sandbox: BotApiSandbox
) -> None:
    first = sandbox.update(sandbox.message(USER, "你好"), app.bot)
    sandbox.clock = lambda: dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    await _feed(app, sandbox.message(USER, "再见"))

    assert first.message is not None
    assert first.message.date == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sandbox.last(USER).text == "再见"
    assert sandbox.last(USER).date == int(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC).timestamp())


async def test_button_click_round_trip(app: Any, sandbox: BotApiSandbox) -> None:
    await _feed(app, sandbox.message(USER, "/start"))
    await _feed(app, sandbox.click(USER, sandbox.last(USER), "确认"))

    answer = sandbox.calls_to("answerCallbackQuery")[0]
    assert answer.params["text"] == "已确认"
    edited = sandbox.last(USER)
    assert (edited.text, edited.edited) == ("已选择：ok", True)
    assert sandbox.buttons(edited) == []  # an edit without reply_markup drops the keyboard
    with pytest.raises(ValueError, match=r"(?i)no button"):
        sandbox.callback(USER, edited, "ok")


async def test_document_upload_is_captured(app: Any, sandbox: BotApiSandbox) -> None:
    await _feed(app, sandbox.message(USER, "/report"))
    sent = await app.bot.send_document(USER, b"\x00\xff", filename="照片.bin")

    report = sandbox.sent(USER)[0]
    assert (report.document, report.text) == (("台账.csv", b"a,b\n"), "本周")
    assert sandbox.calls_to("sendDocument")[0].files == {"document": b"a,b\n"}
    assert (sent.document.file_name, sent.document.file_size) == ("照片.bin", 2)


async def test_incoming_files_can_be_downloaded(app: Any, sandbox: BotApiSandbox) -> None:
    update = sandbox.update(sandbox.message(USER, "附件", document=("a.pdf", b"%PDF")), app.bot)
    assert update.message is not None and update.message.document is not None

    file = await update.message.document.get_file()
    assert await file.download_as_bytearray() == b"%PDF"
    assert update.message.caption == "附件"


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("429", RetryAfter),
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


async def test_untaught_methods_are_recorded(app: Any, sandbox: BotApiSandbox) -> None:
    # PTB strips "Bad Request: " and then str.capitalize()s, lowercasing the method name.
    with pytest.raises(BadRequest, match=r"(?i)senddice not taught"):
        await app.bot.send_dice(USER)
    assert sandbox.untaught == ["sendDice"]
    sandbox.untaught.clear()  # the fixture would fail the test otherwise

    lenient = BotApiSandbox(strict=False)
    async with Bot("123:abc", request=SandboxRequest(lenient)) as bot:
        assert await bot.set_my_name("整改助手") is True
    assert lenient.untaught == []


async def test_get_updates_long_polls_and_respects_offset(app: Any, sandbox: BotApiSandbox) -> None:
    first = sandbox.message(USER, "一")
    got = await asyncio.wait_for(app.bot.get_updates(timeout=5), 2)
    assert [u.update_id for u in got] == [first["update_id"]]

    poll = asyncio.create_task(app.bot.get_updates(offset=first["update_id"] + 1, timeout=5))
    await asyncio.sleep(0.05)  # let the poll park; the bound below proves it woke early
    second = sandbox.message(USER, "二")
    got = await asyncio.wait_for(poll, 2)

    assert [u.update_id for u in got] == [second["update_id"]]
    assert await app.bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
    assert (await app.bot.get_webhook_info()).pending_update_count == 0


async def test_in_process_polling_loop(app: Any, sandbox: BotApiSandbox) -> None:
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
    try:
        sandbox.message(USER, "/start")
        await asyncio.wait_for(_until(lambda: sandbox.sent(USER)), 3)
    finally:
        await app.updater.stop()
        await app.stop()
    assert sandbox.last(USER).text == "欢迎"


async def test_groups_members_and_my_chat_member(app: Any, sandbox: BotApiSandbox) -> None:
    sandbox.add_group(GROUP, "整改群", admins=[USER, 2], members=[3])
    sandbox.add_user(4, "外人")
    change = sandbox.update(sandbox.my_chat_member(GROUP, USER, "administrator"), app.bot)

    assert change.my_chat_member is not None
    assert change.my_chat_member.new_chat_member.status == ChatMemberStatus.ADMINISTRATOR
    admins = await app.bot.get_chat_administrators(GROUP)
    assert [(m.user.id, m.status) for m in admins] == [
        (USER, ChatMemberStatus.OWNER),
        (2, ChatMemberStatus.ADMINISTRATOR),
        (1000, ChatMemberStatus.ADMINISTRATOR),
    ]
    assert (await app.bot.get_chat_member(GROUP, 3)).status == ChatMemberStatus.MEMBER
    assert (await app.bot.get_chat_member(GROUP, 4)).status == ChatMemberStatus.LEFT
    assert (await app.bot.get_chat(GROUP)).title == "整改群"
    await app.bot.pin_chat_message(GROUP, (await app.bot.send_message(GROUP, "置顶")).message_id)
    assert sandbox.last(GROUP).pinned
    assert await app.bot.leave_chat(GROUP)
    with pytest.raises(Forbidden, match=r"(?i)not a member"):
        await app.bot.send_message(GROUP, "还在吗")


async def test_bot_added_to_an_unknown_group_was_not_a_member_before(
    app: Any, sandbox: BotApiSandbox
) -> None:
    added = sandbox.update(sandbox.my_chat_member(-200, USER, "member"), app.bot)

    assert added.my_chat_member is not None
    assert added.my_chat_member.old_chat_member.status == ChatMemberStatus.LEFT
    assert added.my_chat_member.new_chat_member.status == ChatMemberStatus.MEMBER
    assert (await app.bot.send_message(-200, "大家好")).chat.type == "group"


async def test_edited_and_reply_messages(app: Any, sandbox: BotApiSandbox) -> None:
    original = sandbox.message(USER, "初稿")
    edited = sandbox.update(sandbox.edited_message(original, "定稿"), app.bot)
    await app.bot.send_message(USER, "回复", reply_to_message_id=original["message"]["message_id"])
    reply = sandbox.update(sandbox.message(USER, "好", reply_to=sandbox.last(USER)), app.bot)

    assert edited.edited_message is not None and edited.edited_message.text == "定稿"
    assert sandbox.last(USER).reply_to == original["message"]["message_id"]
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.text == "回复"


async def test_telegram_rules_are_enforced(app: Any, sandbox: BotApiSandbox) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await app.bot.send_message(USER, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await app.bot.send_message(USER, "长" * 4097)
    # Counted in UTF-16 code units, as Telegram counts: 2,049 emoji are 4,098 units.
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await app.bot.send_message(USER, "😀" * 2049)
    for stray in ("1 < 2", "a > b", "A & B"):
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unescaped"):
            await app.bot.send_message(USER, f"<b>{stray}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(999, "谁")
    message = await app.bot.send_message(USER, "<b>粗</b> &amp; 细", parse_mode="HTML")
    assert message.text == sandbox.last(USER).shown_text == "粗 & 细"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await app.bot.edit_message_text(
            "<b>粗</b> &amp; 细", USER, message.message_id, parse_mode="HTML"
        )
    assert await app.bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", USER, message.message_id)
    sandbox.my_chat_member(USER, USER, "kicked")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_chat_action(USER, "typing")


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


async def test_bot_settings_round_trip(app: Any, sandbox: BotApiSandbox) -> None:
    assert await app.bot.set_my_commands([("start", "开始"), ("report", "台账")])
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "report"]
    assert await app.bot.delete_my_commands()
    assert await app.bot.get_my_commands() == ()
    assert await app.bot.set_chat_menu_button()
    assert await app.bot.log_out() and await app.bot.close()


def test_form_fields_decode_like_the_bot_api() -> None:
    assert decode_field("text", "123") == "123"
    assert decode_field("chat_id", "-100") == -100
    assert decode_field("chat_id", "@channel") == "@channel"
    assert decode_field("reply_markup", '{"inline_keyboard": []}') == {"inline_keyboard": []}


async def test_real_polling_loop_over_loopback_http(sandbox: BotApiSandbox) -> None:
    with serve(sandbox) as server:
        app = Application.builder().token("123:abc").base_url(server.url).build()
        _with_handlers(app)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dt.timedelta(seconds=1))
        try:
            sandbox.message(USER, "/start")
            await asyncio.wait_for(_until(lambda: sandbox.sent(USER)), 5)
            await _feed_http_click(sandbox)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    assert sandbox.last(USER).text == "已选择：ok"


async def _feed_http_click(sandbox: BotApiSandbox) -> None:
    sandbox.click(USER, sandbox.last(USER), "确认")
    await asyncio.wait_for(_until(lambda: sandbox.last(USER).edited), 5)


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
