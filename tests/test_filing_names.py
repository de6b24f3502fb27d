"""Names typed for 责任人 and 责任领导 while filing: matched against the unit's members, 我 is
the sender, and 跳过 typed where a name is asked is the 跳过 button, never a name."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.domain import Role
from tests.chat import Chat
from tests.test_filing import CADRE, LEADER, _setup, walk_to_description

NAMESAKES = (23, 24)  # two members called 王芳


def _org(services: Services, chat: Chat) -> None:
    _setup(services, chat.sandbox)
    for user in NAMESAKES:
        code = services.membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
        services.membership.redeem_invite(code, user_id=user, display_name="王芳", username=None)
        chat.sandbox.add_user(user, "王芳")


async def _to_leader_step(chat: Chat) -> None:
    await walk_to_description(chat)
    await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    await chat.send(CADRE, "安排午间轮值")
    await chat.click(CADRE, "措施已写完 ✅")
    await chat.click(CADRE, "限期整改 — 在规定时限内改好")


async def test_typed_names_in_the_guided_steps_link_to_the_member(
        chat: Chat, services: Services) -> None:
    _org(services, chat)
    await _to_leader_step(chat)
    [owner_question] = await chat.send(CADRE, "李局长")
    assert "责任人" in (owner_question.text or "")
    # 跳过 is no name: the 责任人 is asked again.
    [again] = await chat.send(CADRE, "跳过")
    assert "责任人" in (again.text or "") and "跳过" not in (again.text or "")
    await chat.send(CADRE, "我")
    [card] = await chat.send(CADRE, "下周五前")
    assert "未关联" not in (card.text or "")
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.leader_name, row.leader_user_id) == ("李局长", LEADER)
    assert (row.owner_name, row.owner_user_id) == ("张三", CADRE)


async def test_skip_typed_for_the_leader_is_the_skip_button(
        chat: Chat, services: Services) -> None:
    _org(services, chat)
    await _to_leader_step(chat)
    [owner_question] = await chat.send(CADRE, "跳过")
    assert "责任人" in (owner_question.text or "")
    # Several members share the name: kept as typed, linked to no one, and the card says so.
    await chat.send(CADRE, "王芳")
    [card] = await chat.send(CADRE, "下周五前")
    assert "责任人：王芳（未关联本单位人员" in (card.text or "")
    assert "责任领导：—\n" in (card.text or "")
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.leader_name, row.leader_user_id) == (None, None)
    assert (row.owner_name, row.owner_user_id) == ("王芳", None)


async def test_one_message_filing_links_typed_names(chat: Chat, services: Services) -> None:
    _org(services, chat)
    await chat.send(CADRE, "问题：会议室空调长期开着 措施：安装定时器 责任人：我自己 "
                           "责任领导：李局长 时限：下周五前")
    await chat.click(CADRE, "执行落实漂浮")
    [card] = await chat.click(CADRE, "跳过")  # level
    assert "请核对登记内容" in (card.text or "") and "未关联" not in (card.text or "")
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.owner_name, row.owner_user_id) == ("张三", CADRE)
    assert (row.leader_name, row.leader_user_id) == ("李局长", LEADER)


async def test_one_message_filing_skip_is_no_name_and_strangers_stay_unlinked(
        chat: Chat, services: Services) -> None:
    _org(services, chat)
    await chat.send(CADRE, "问题：会议室空调长期开着 措施：安装定时器 责任人：外单位老陈 "
                           "责任领导：跳过 时限：下周五前")
    await chat.click(CADRE, "执行落实漂浮")
    # The leader was skipped in the message: no 责任领导 question, straight to the card.
    [card] = await chat.click(CADRE, "跳过")  # level
    text = card.text or ""
    assert "请核对登记内容" in text and "责任人：外单位老陈（未关联本单位人员" in text
    await chat.click(CADRE, "确认")
    [row] = services.ledger.rows()
    assert (row.owner_name, row.owner_user_id) == ("外单位老陈", None)
    assert row.leader_name is None
