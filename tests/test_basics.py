"""Start, help, joining, language and cancel, through the real Application."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.domain import Role
from tests.chat import Chat
from tests.test_forged_updates import LEADER, OFFICE, OWNER, build_org


def _services(chat: Chat) -> Services:
    return chat.app.bot_data.services


async def test_a_stranger_is_told_how_to_join_in_chinese(chat: Chat) -> None:
    [answer] = await chat.send(1, "/start")
    assert "您还没有加入任何单位" in (answer.text or "")
    [help_text] = await chat.send(1, "/help")
    assert "/join" in (help_text.text or "") and "/invite" not in (help_text.text or "")
    [free] = await chat.send(1, "你好")
    assert "/join" in (free.text or "")


async def test_joining_with_a_deep_link_code(chat: Chat) -> None:
    m = _services(chat).membership
    m.add_unit("市教育局", code="EDU")
    invite = m.create_invite(unit="EDU", role=Role.LIAISON, by=None)
    [joined] = await chat.send(2, f"/start {invite.code}")
    assert "市教育局" in (joined.text or "") and "联络员" in (joined.text or "")
    [again] = await chat.send(3, f"/join {invite.code}")
    assert "已经用过" in (again.text or "")
    [help_text] = await chat.send(2, "/help")
    assert "/invite" in (help_text.text or "") and "/file" in (help_text.text or "")
    [start] = await chat.send(2, "/start")
    labels = [label for row in chat.sandbox.buttons(start) for label, _ in row]
    assert labels == ["📝 登记问题", "📋 我的问题", "📒 问题台账", "📌 待办事项"]


async def test_language_switch_is_remembered(chat: Chat) -> None:
    await chat.send(4, "/lang")
    [done] = await chat.click(4, "English")
    assert done.text == "Language set to English."
    [answer] = await chat.send(4, "/start")
    assert "You have not joined a unit" in (answer.text or "")
    await chat.send(4, "/lang zh")
    assert "您还没有加入" in (await chat.send(4, "/start"))[0].text  # type: ignore[operator]


async def test_command_menus_are_set_per_language(chat: Chat) -> None:
    calls = chat.sandbox.calls_to("setMyCommands")
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_lang) == {"zh", "en", None}
    zh = {c["command"]: c["description"] for c in by_lang["zh"]}
    assert zh["file"] == "登记问题和整改措施" and zh["start"] == "开始 / 主菜单"


async def test_cancel_with_nothing_in_progress(chat: Chat) -> None:
    [answer] = await chat.send(5, "/cancel")
    assert answer.text == "当前没有进行中的操作。"


async def test_invite_in_chat_by_a_leader(chat: Chat) -> None:
    m = _services(chat).membership
    m.add_unit("市教育局", code="EDU")
    await chat.send(6, f"/join {m.create_invite(unit='EDU', role=Role.LEADER, by=None).code}")
    [choose] = await chat.send(6, "/invite")
    labels = [label for row in chat.sandbox.buttons(choose) for label, _ in row]
    assert labels == ["干部职工", "联络员", "责任领导"]
    [created] = await chat.click(6, "干部职工")
    assert "https://t.me/zhenggai_bot?start=" in (created.text or "")
    code = (created.text or "").split("?start=")[1].split()[0]
    [joined] = await chat.send(7, f"/join {code}")
    assert "干部职工" in (joined.text or "")
    [denied] = await chat.send(7, "/invite")
    assert "只有责任领导、联络员" in (denied.text or "")


async def test_bind_group_checks_the_real_admin_list(chat: Chat) -> None:
    m = _services(chat).membership
    m.add_unit("市教育局", code="EDU")
    await chat.send(8, f"/join {m.create_invite(unit='EDU', role=Role.LIAISON, by=None).code}")
    await chat.send(9, f"/join {m.create_invite(unit='EDU', role=Role.LIAISON, by=None).code}")
    chat.sandbox.add_group(-100, "教育局工作群", admins=[8], members=[9])
    [denied] = await chat.send(9, "/bindgroup", chat_id=-100)
    assert "管理员" in (denied.text or "")
    [bound] = await chat.send(8, "/bindgroup", chat_id=-100)
    assert "市教育局" in (bound.text or "")
    assert m.unit_groups(m.find_unit("EDU").id) == [-100]  # type: ignore[union-attr]


async def test_bot_added_to_a_group_says_how_to_bind(chat: Chat) -> None:
    data = chat.sandbox.my_chat_member(-200, 11, "member")
    await chat.app.process_update(chat.sandbox.update(data, chat.app.bot))
    assert "/bindgroup" in chat.last_text(-200)


async def test_office_help_names_one_unit_scoping_rounds_cases_and_inspect(chat: Chat) -> None:
    build_org(_services(chat), chat)
    [office] = await chat.send(OFFICE, "/help")
    [leader] = await chat.send(LEADER, "/help")
    [cadre] = await chat.send(OWNER, "/help")
    text = office.text or ""
    assert "市委领导小组办公室工作人员" in text
    for expected in ("/ledger — 全市问题台账", "/ledger EDU", "/export EDU", "/rounds — ",
                     "/cases — ", "/inspect — 登记暗访监督发现的问题到任一单位"):
        assert expected in text, expected
    # A unit's people read their own unit's ledger and are not shown the office's scoping.
    assert "/ledger — 本单位问题台账" in (leader.text or "")
    assert "/ledger EDU" not in (leader.text or "") + (cadre.text or "")
    assert "/cases" not in (cadre.text or "")
