"""The fake Bot API drives a real PTB Application in-process: messages, chats, updates, files."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application

from sandbox import BotApiSandbox, SandboxRequest
from tests.sandbox_bot import GROUP, USER, check_taught, feed, in_process_app, known_sandbox, until


@pytest.fixture
def sandbox() -> Iterator[BotApiSandbox]:
    sandbox = known_sandbox()
    yield sandbox
    check_taught(sandbox)


@pytest.fixture
async def app(sandbox: BotApiSandbox) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    async with in_process_app(sandbox) as application:
        yield application


async def test_start_replies_with_an_inline_keyboard(app: Any, sandbox: BotApiSandbox) -> None:
    await feed(app, sandbox.message(USER, "/start"))

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
    await feed(app, sandbox.message(USER, f"{text} 参数"))

    assert bool(sandbox.sent(USER)) is answered


async def test_text_is_echoed_with_dates_from_the_sandbox_clock(
    app: Any, sandbox: BotApiSandbox
) -> None:
    first = sandbox.update(sandbox.message(USER, "你好"), app.bot)
    sandbox.clock = lambda: dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    await feed(app, sandbox.message(USER, "再见"))

    assert first.message is not None
    assert first.message.date == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert sandbox.last(USER).text == "再见"
    assert sandbox.last(USER).date == int(dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC).timestamp())


async def test_button_click_round_trip(app: Any, sandbox: BotApiSandbox) -> None:
    await feed(app, sandbox.message(USER, "/start"))
    await feed(app, sandbox.click(USER, sandbox.last(USER), "确认"))

    answer = sandbox.calls_to("answerCallbackQuery")[0]
    assert answer.params["text"] == "已确认"
    edited = sandbox.last(USER)
    assert (edited.text, edited.edited) == ("已选择：ok", True)
    assert sandbox.buttons(edited) == []  # an edit without reply_markup drops the keyboard
    with pytest.raises(ValueError, match=r"(?i)no button"):
        sandbox.callback(USER, edited, "ok")


async def test_document_upload_is_captured(app: Any, sandbox: BotApiSandbox) -> None:
    await feed(app, sandbox.message(USER, "/report"))
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
        await asyncio.wait_for(until(lambda: sandbox.sent(USER)), 3)
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


async def test_bot_settings_round_trip(app: Any, sandbox: BotApiSandbox) -> None:
    assert await app.bot.set_my_commands([("start", "开始"), ("report", "台账")])
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "report"]
    assert await app.bot.delete_my_commands()
    assert await app.bot.get_my_commands() == ()
    assert await app.bot.set_chat_menu_button()
    assert await app.bot.log_out() and await app.bot.close()
