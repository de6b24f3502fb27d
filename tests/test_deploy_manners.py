"""Group manners: scoped command menus, private-only commands pointing to the private chat,
and /settings in a private chat."""

from __future__ import annotations

from telegram.ext import CommandHandler

from bot.domain import Role
from bot.routing import FEATURES
from handlers.basics import MENU
from handlers.settings import GROUP_COMMANDS, PRIVATE_ONLY, go_private
from tests.chat import Chat

GROUP = -100777


def _menus(chat: Chat, scope: str) -> dict[str | None, list[str]]:
    return {c.params.get("language_code"): [x["command"] for x in c.params["commands"]]
            for c in chat.sandbox.calls_to("setMyCommands")
            if (c.params.get("scope") or {}).get("type") == scope}


async def test_groups_see_three_commands_and_private_chats_all(chat: Chat) -> None:
    groups = _menus(chat, "all_group_chats")
    assert set(groups) == {"zh", "en", None}
    assert all(sorted(menu) == sorted(GROUP_COMMANDS) for menu in groups.values())
    private = _menus(chat, "all_private_chats")
    assert set(private) == {"zh", "en", None}
    assert all(menu == [c.name for c in MENU] for menu in private.values())
    assert "settings" in private["zh"]


def test_the_private_only_list_is_what_the_features_register() -> None:
    private = set()
    for feature in FEATURES:
        for handler in feature.COMMANDS:
            if (isinstance(handler, CommandHandler) and handler.callback is not go_private
                    and "ChatType.PRIVATE" in repr(handler.filters)):
                private |= set(handler.commands)
    assert private == set(PRIVATE_ONLY)
    assert not set(GROUP_COMMANDS) & private


async def test_a_private_only_command_in_a_group_offers_the_private_chat(chat: Chat) -> None:
    chat.sandbox.add_user(31, "张三")
    chat.sandbox.add_group(GROUP, "教育局工作群", admins=[31])
    for command in ("/file", "/my@zhenggai_bot", "/settings"):
        [answer] = await chat.send(31, command, chat_id=GROUP)
        name = command.split("@")[0]
        assert answer.text == f"{name} 请在与我的私聊中使用，以免在群里公开个人信息。"
        assert chat.sandbox.buttons(answer) == [[("打开私聊", "https://t.me/zhenggai_bot")]]
    assert chat.sandbox.sent(31) == []  # nothing went to the person unasked


async def test_group_commands_still_work_in_the_group(chat: Chat) -> None:
    chat.sandbox.add_user(32, "李四")
    chat.sandbox.add_group(GROUP, "教育局工作群", admins=[32])
    [helped] = await chat.send(32, "/help", chat_id=GROUP)
    assert "私聊中使用" not in (helped.text or "")
    [bind] = await chat.send(32, "/bindgroup", chat_id=GROUP)
    assert "私聊中使用" not in (bind.text or "")


async def test_settings_shows_and_switches(chat: Chat) -> None:
    m = chat.app.bot_data.services.membership
    m.add_unit("市教育局", code="EDU")
    chat.sandbox.add_user(33, "王五")
    [card] = await chat.send(33, "/settings")
    assert "语言：中文" in (card.text or "")
    assert "上下班提醒：（加入单位后可用）" in (card.text or "")
    assert "免打扰时段：22:00–07:30" in (card.text or "")
    await chat.send(33, f"/join {m.create_invite(unit='EDU', role=Role.MEMBER, by=None).code}")
    [card] = await chat.send(33, "/settings")
    assert "上下班提醒：已开启" in (card.text or "")
    labels = [label for row in chat.sandbox.buttons(card) for label, _ in row]
    assert labels == ["中文", "English", "关闭上下班提醒",
                      "✓ 默认免打扰", "21:00–08:00", "20:00–08:30"]
    await chat.click(33, "关闭上下班提醒", message=card)
    [card] = await chat.send(33, "/settings")
    assert "上下班提醒：已关闭" in (card.text or "")
    await chat.click(33, "English", message=card)
    [card] = await chat.send(33, "/settings")
    assert "Language: English" in (card.text or "") and "Office-hours reminders: off" in (
        card.text or "")
