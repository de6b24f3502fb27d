"""The small things people type every day: a mistyped command, free text, /help for their
role, a role named in Chinese after /invite, an item number written the way people write it."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.domain import Role
from tests.chat import Chat
from tests.test_forged_updates import (
    LEADER,
    LIAISON,
    MEMBER,
    OFFICE,
    OWNER,
    build_org,
    file_item,
)


def _org(chat: Chat) -> Services:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    return services


async def test_a_mistyped_command_points_to_the_closest_one_and_to_help(chat: Chat) -> None:
    _org(chat)
    [answer] = await chat.send(OWNER, "/flie")
    assert answer.text == "没有 /flie 这个命令。您是不是要用 /file？发送 /help 查看全部命令。"
    [other] = await chat.send(OWNER, "/qwertyuiop")
    assert other.text == "没有 /qwertyuiop 这个命令。发送 /help 查看您可以使用的命令。"


async def test_a_cadre_is_not_offered_a_command_beyond_the_role(chat: Chat) -> None:
    _org(chat)
    # /invite is a leader's and a liaison's: the closest a cadre can use is not /invite.
    [answer] = await chat.send(MEMBER, "/invit")
    assert "/invite？" not in (answer.text or "")


async def test_free_text_gets_a_short_menu_not_the_whole_help(chat: Chat) -> None:
    _org(chat)
    [answer] = await chat.send(OWNER, "你好，在吗")
    text = answer.text or ""
    assert text.startswith("需要办理什么？") and "/ledger —" not in text and "/file —" not in text
    labels = [label for row in chat.sandbox.buttons(answer) for label, _ in row]
    assert "📝 登记问题" in labels


async def test_help_says_what_each_role_can_really_do(chat: Chat) -> None:
    _org(chat)
    [cadre] = await chat.send(OWNER, "/help")
    [leader] = await chat.send(LEADER, "/help")
    [office] = await chat.send(OFFICE, "/help")
    cadre_text, leader_text, office_text = (m.text or "" for m in (cadre, leader, office))
    assert "/meeting — 我的会议通知（参加 / 请假）" in cadre_text
    assert "发会议通知（参会确认）" not in cadre_text
    assert "/meeting — 发会议通知（参会确认）" in leader_text
    assert "销号" in leader_text and "请假审批" in leader_text and "销号" not in cadre_text
    assert "全市" in office_text and "全市" not in cadre_text


async def test_invite_takes_role_names_in_chinese_and_names_a_wrong_one(chat: Chat) -> None:
    services = _org(chat)
    [created] = await chat.send(LEADER, "/invite 联络员")
    assert "联络员" in (created.text or "") and "?start=" in (created.text or "")
    code = (created.text or "").split("?start=")[1].split()[0]
    invite = services.membership.redeem_invite(code, user_id=555, display_name="新联络员",
                                               username=None)
    assert invite is not None
    assert services.membership.identify(555).role is Role.LIAISON
    [office] = await chat.send(OFFICE, "/invite FIN 责任领导")
    assert "市财政局" in (office.text or "") and "责任领导" in (office.text or "")
    [wrong] = await chat.send(OFFICE, "/invite FIN 局长")
    assert "“局长”不是可邀请的身份" in (wrong.text or "")
    [liaison] = await chat.send(LIAISON, "/invite 干部")
    assert "干部职工" in (liaison.text or "")


async def test_item_numbers_are_found_as_people_write_them(chat: Chat) -> None:
    services = _org(chat)
    first = file_item(services)
    second = file_item(services, description="办事指南过期")
    number = services.ledger.get(second, by=services.membership.identify(OWNER))[0].number
    assert number == "EDU-0002"
    for typed in ("EDU-0002", "edu-2", "EDU-02", "2"):
        [card] = await chat.send(OWNER, f"/item {typed}")
        assert "EDU-0002" in (card.text or "") and "办事指南过期" in (card.text or ""), typed
    [card] = await chat.send(OWNER, "/item 1")
    assert "EDU-0001" in (card.text or "") and first != second
    [unknown] = await chat.send(OWNER, "/item edu-99")
    assert "EDU-0001" not in (unknown.text or "") and "EDU-0002" not in (unknown.text or "")


async def test_the_office_is_greeted_as_office_staff(chat: Chat) -> None:
    _org(chat)
    [answer] = await chat.send(OFFICE, "/start")
    assert "您是市委领导小组办公室工作人员" in (answer.text or "")
    assert "办公室的市委领导小组办公室" not in (answer.text or "")


def test_chinese_texts_use_full_width_brackets_and_no_spaces_around_counts() -> None:
    import re

    from bot.texts.zh import ZH

    cjk = r"[\u4e00-\u9fff]"
    half_width = re.compile(rf"{cjk}\([^)]*\)|\([^)]*{cjk}[^)]*\)")
    spaced = re.compile(r"[共超] \{\w+\} [天个人次条]")
    assert [k for k, v in ZH.items() if half_width.search(v)] == []
    assert [k for k, v in ZH.items() if spaced.search(v)] == []


async def test_a_unit_without_a_group_gets_its_digest_through_its_leaders(chat: Chat) -> None:
    from bot.services.digest import UNIT_KIND

    services = _org(chat)  # no unit here has a group chat bound
    digest = services.digest
    now = services.clock.now()
    plans = digest.week_plan(digest.slot(now), now)
    unit_chats = {p.chat_id for p in plans if p.kind == UNIT_KIND}
    assert LEADER in unit_chats and OWNER not in unit_chats and LIAISON not in unit_chats


async def test_a_digest_sent_by_hand_twice_sends_no_private_note_twice(chat: Chat) -> None:
    from bot.services.digest import PRIVATE_KIND, UNIT_KIND

    services = _org(chat)
    file_item(services)
    first = services.digest.send_now(None)
    services.clock.advance(minutes=5)  # type: ignore[attr-defined]
    second = services.digest.send_now(None)
    notes = services.notify.listing(limit=1000)
    private = [n for n in notes if n.kind == PRIVATE_KIND]
    unit = [n for n in notes if n.kind == UNIT_KIND]
    assert first > second > 0
    assert len(private) == len({n.chat_id for n in private})  # one per person
    assert len(unit) == 2 * len({n.chat_id for n in unit})  # the digest itself goes again


async def test_the_office_exports_one_unit_by_its_code_or_name(chat: Chat) -> None:
    from tests.test_forged_updates import OTHER_LEADER
    from tests.test_permission_matrix import _exported, _number

    services = _org(chat)
    edu, fin = _number(services, file_item(services)), _number(services, file_item(
        services, OTHER_LEADER))
    only_fin = _exported(await chat.send(OFFICE, "/export FIN"))
    assert fin in only_fin and edu not in only_fin
    by_name = _exported(await chat.send(OFFICE, "/export 市教育局"))
    assert edu in by_name and fin not in by_name
    [unknown] = await chat.send(OFFICE, "/export 市外事办")
    assert "没有找到“市外事办”这个单位" in (unknown.text or "")
    everything = _exported(await chat.send(OFFICE, "/export"))
    assert edu in everything and fin in everything


async def test_ledger_rows_say_who_answers_and_the_citys_which_unit(chat: Chat) -> None:
    from tests.test_forged_updates import OTHER_LEADER

    services = _org(chat)
    file_item(services)
    file_item(services, OTHER_LEADER)
    [unit] = await chat.send(LEADER, "/ledger")
    assert "责任人：张三" in (unit.text or "") and "市教育局 ·" not in (unit.text or "")
    [city] = await chat.send(OFFICE, "/ledger")
    assert "市教育局 · 责任人：张三" in (city.text or "") and "市财政局 ·" in (city.text or "")
    [mine] = await chat.send(OWNER, "/my")
    assert "责任人" not in (mine.text or "")
