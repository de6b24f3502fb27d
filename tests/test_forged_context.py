"""Stale, replayed and misplaced updates: buttons that outlived their item, strangers, groups."""

from __future__ import annotations

from typing import Any

from bot.bootstrap import Services
from bot.domain import Status
from tests.chat import Chat
from tests.figures import count
from tests.test_forged_updates import (  # noqa: F401 - fixtures
    LEADER,
    LIAISON,
    MEMBER,
    OFFICE,
    OUTSIDER,
    OWNER,
    STALE,
    TABLES,
    assert_clean,
    awaiting_item,
    changed,
    db_url,
    edu_meeting,
    feed,
    file_item,
    leave_request,
    org,
    press,
    refused,
    snapshot,
)

# -- stale and replayed buttons ------------------------------------------------------------------


async def test_stale_buttons_are_refused(chat: Chat, org: Services) -> None:
    item = awaiting_item(org)
    [card] = await chat.send(LEADER, "/item EDU-0001")
    await chat.click(LEADER, "通过", message=card)
    assert org.ledger.peek(item).status == Status.SIGNED_OFF  # type: ignore[union-attr]
    for user in (LEADER, OFFICE):
        pressed = await refused(chat, org, user, f"item:approve:{item}", card)
        assert "不在待销号状态" in pressed.told or "已销号" in pressed.told or \
            "找不到" in pressed.told, pressed.told
        await refused(chat, org, user, f"item:reject:{item}", card)
        count("forged.stale", 2)

    meeting = edu_meeting(org)
    await chat.app.bot_data.sender.tick()
    notice = chat.sandbox.last(MEMBER)
    org.meetings.cancel(meeting, by=org.membership.identify(LIAISON))
    for label in ("参加", "请假"):
        before = snapshot(org)
        pressed = await press(chat, MEMBER, chat_data(chat, notice, label), notice)
        assert_clean(chat, pressed.calls)
        assert pressed.answered and "已取消" in pressed.told
        assert changed(before, snapshot(org)) == []
        count("forged.stale")

    await chat.send(OWNER, "/file")
    [category_question] = [m for m in chat.sandbox.sent(OWNER) if "问题类别" in (m.text or "")]
    await chat.send(OWNER, "/cancel")
    pressed = await refused(chat, org, OWNER, chat_data(chat, category_question, "履职尽责缺位"),
                            category_question)
    assert STALE in pressed.told
    count("forged.stale")

    request_id = leave_request(org)
    org.leave.decide(request_id, by=org.membership.identify(LEADER), by_name="李局长",
                     approve=True)
    for action in ("ok", "no"):
        pressed = await refused(chat, org, LEADER, f"leave:{action}:{request_id}")
        assert "已由" in pressed.told or "已经" in pressed.told, pressed.told
        count("forged.stale")


def chat_data(chat: Chat, message: Any, label: str) -> str:
    for row in chat.sandbox.buttons(message):
        for text_, data in row:
            if text_ == label:
                return data
    raise LookupError(label)


async def test_a_replayed_progress_button_after_the_item_is_signed_off(
    chat: Chat, org: Services
) -> None:
    item = file_item(org)
    [card] = await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "报告完成", message=card)
    await chat.send(OWNER, "已改好")
    org.ledger.approve(item, by=org.membership.identify(LEADER), by_name="李局长")
    kept = tuple(name for name in TABLES if name != "dialogs")
    before = snapshot(org, kept)
    pressed = await press(chat, OWNER, chat_data(chat, card, "更新进展"), card)
    replies = [*pressed.replies, *await chat.send(OWNER, "再补一句")]
    assert_clean(chat, pressed.calls)
    assert org.ledger.peek(item).status == Status.SIGNED_OFF  # type: ignore[union-attr]
    assert changed(before, snapshot(org, kept)) == []
    assert any("EDU-0001" in m.shown_text and "不" in m.shown_text for m in replies), [
        m.text for m in replies]
    [after] = await chat.send(OWNER, "随便说点什么")
    # The refusal did not leave the person in that step: free text gets the menu.
    assert (after.text or "").startswith("需要办理什么？")
    count("forged.stale")


# -- who is talking, and where -------------------------------------------------------------------

COMMANDS = ("/start", "/help", "/file", "/my", "/ledger", "/item EDU-0001", "/export",
            "/remind 明天上午9点 交材料", "/reminders", "/officehours 08:00 17:00", "/meeting",
            "/leave", "/stats", "/stats EDU", "/invite", "/invite EDU leader", "/bindgroup",
            "/bindgroup EDU", "/lang en", "/cancel", "/join ABCDEFGH")


async def test_commands_from_unknown_users_change_nothing(chat: Chat, org: Services) -> None:
    file_item(org)
    for n, command in enumerate(COMMANDS):
        stranger = 7000 + n
        before = snapshot(org, tuple(t for t in TABLES if t not in ("users", "dialogs")))
        replies, calls = await feed(chat, chat.sandbox.message(stranger, command), stranger)
        assert_clean(chat, calls)
        assert replies, command
        told = "\n".join(m.shown_text for m in replies)
        assert "窗口午休无人值守" not in told and "EDU-0001" not in told, command
        after = snapshot(org, tuple(t for t in TABLES if t not in ("users", "dialogs")))
        assert changed(before, after) == [], command
        count("forged.unknown_user")


async def test_commands_in_an_unbound_group(chat: Chat, org: Services) -> None:
    file_item(org)
    group = -100777
    chat.sandbox.add_group(group, "闲聊群", admins=[OUTSIDER], members=[MEMBER, LEADER])
    for user in (OUTSIDER, MEMBER, LEADER):
        for command in COMMANDS:
            before = snapshot(org, tuple(t for t in TABLES if t != "users"))
            replies, calls = await feed(chat, chat.sandbox.message(user, command, group), group)
            assert_clean(chat, calls)
            told = "\n".join(m.shown_text for m in replies)
            assert "窗口午休无人值守" not in told, (user, command)  # no item text in a group
            after = snapshot(org, tuple(t for t in TABLES if t != "users"))
            # /lang changes only the person's own language; nothing else may change.
            assert changed(before, after) == [], (user, command)
            count("forged.unbound_group")
    assert chat.sandbox.sent(group) is not None


async def test_edited_messages_do_not_act_again(chat: Chat, org: Services) -> None:
    sandbox = chat.sandbox
    for original, edit in (("提醒我 明天上午9点 交材料", "提醒我 明天上午10点 交材料"),
                           ("/file 问题：空调长开 措施：装定时器", "/file 问题：空调一直开着"),
                           ("/join ABCDEFGH", "/join ZZZZZZZZ"),
                           ("/leave", "/leave"),
                           ("/remind 明天上午9点 交材料", "/remind 后天上午9点 交材料")):
        first = sandbox.message(OWNER, original)
        await feed(chat, first, OWNER)
        before = snapshot(org)
        replies, calls = await feed(chat, sandbox.edited_message(first, edit), OWNER)
        assert_clean(chat, calls)
        assert changed(before, snapshot(org)) == [], (original, edit)
        assert replies == [], [m.text for m in replies]
        await chat.send(OWNER, "/cancel")
        count("forged.edited")


async def test_channel_posts_and_unknown_groups(chat: Chat, org: Services) -> None:
    sandbox = chat.sandbox
    channel = {"id": -1001234, "type": "channel", "title": "通知频道"}
    for n, body in enumerate(("/stats", "/help", "/file 问题：x 措施：y", "提醒我 明天9点 开会")):
        post = {"message_id": n + 1, "chat": channel, "date": 1_790_000_000, "text": body}
        if body.startswith("/"):
            post["entities"] = [{"type": "bot_command", "offset": 0,
                                 "length": len(body.split()[0])}]
        before = snapshot(org)
        for kind in ("channel_post", "edited_channel_post"):
            update = {"update_id": 900_000 + 2 * n + (kind != "channel_post"), kind: post}
            _, calls = await feed(chat, update, channel["id"])
            assert_clean(chat, calls)
            count("forged.channel_post")
        assert changed(before, snapshot(org)) == []
    group = -100888
    before = snapshot(org)
    replies, calls = await feed(chat, sandbox.my_chat_member(group, OUTSIDER, "member"), group)
    assert_clean(chat, calls)
    assert [m.shown_text for m in replies] and "/bindgroup" in replies[0].shown_text
    _, calls = await feed(chat, sandbox.my_chat_member(group, OUTSIDER, "left"), group)
    assert_clean(chat, calls)
    _, calls = await feed(chat, sandbox.my_chat_member(OWNER, OWNER, "kicked"), OWNER)
    assert_clean(chat, calls)
    assert changed(before, snapshot(org)) == []
    count("forged.my_chat_member", 3)
