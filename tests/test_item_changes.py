"""An item changes after 确认: its owner (or the unit's liaison) edits the description, the
measures or the owner, or withdraws (撤回) it while 待整改; each change is in the history with its
old and new value, and owner changes of 督办 items are refused."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.domain import EventKind, Supervision
from bot.errors import DomainError
from tests.chat import Chat
from tests.test_forged_updates import (
    LIAISON,
    MEMBER,
    OFFICE,
    OWNER,
    build_org,
    file_item,
)


def _events(services: Services, item: int) -> list[tuple[EventKind, dict[str, object] | None]]:
    owner = services.membership.identify(OWNER)
    _, history = services.ledger.get(item, by=owner)
    return [(e.kind, e.details) for e in history]


async def test_the_owner_edits_description_measures_and_owner(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    item = file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    [ask] = await chat.click(OWNER, "修改描述")
    assert "窗口午休无人值守" in (ask.text or "")
    [saved] = await chat.send(OWNER, "  窗口午休时段无人值守，群众等候  ")
    assert "问题描述已修改" in (saved.text or "")
    await chat.click(OWNER, "修改措施")
    await chat.send(OWNER, "1.建立台账；2.热线工单24小时内回访")
    await chat.click(OWNER, "更换责任人")
    [moved] = await chat.send(OWNER, "孙干部")
    assert "已调整为孙干部" in (moved.text or "")
    [row] = services.ledger.rows()
    assert row.description == "窗口午休时段无人值守，群众等候"
    assert row.measures == ("建立台账", "热线工单24小时内回访")
    # A member's name links to that member: the item is now his, reminders and all.
    assert (row.owner_name, row.owner_user_id) == ("孙干部", MEMBER)
    edits = [d for kind, d in _events(services, item) if kind == EventKind.EDITED]
    assert edits == [
        {"field": "description", "old": "窗口午休无人值守",
         "new": "窗口午休时段无人值守，群众等候"},
        {"field": "measures", "old": ["安排轮值"], "new": ["建立台账", "热线工单24小时内回访"]},
        {"field": "owner", "old": "张三", "old_id": OWNER, "new": "孙干部", "new_id": MEMBER},
    ]
    [card] = await chat.send(MEMBER, "/item EDU-0001")
    assert "责任人：张三 → 孙干部" in (card.text or "")
    assert "问题描述：窗口午休无人值守 → 窗口午休时段无人值守" in (card.text or "")


async def test_the_liaison_may_edit_another_member_may_not(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    item = file_item(services)
    [card] = await chat.send(MEMBER, "/item EDU-0001")
    assert "修改描述" not in str(card.reply_markup)
    with pytest.raises(DomainError) as refused:
        services.ledger.edit(item, by=services.membership.identify(MEMBER), by_name="孙干部",
                             field="description", text="改掉")
    assert refused.value.key == "item.not_yours"
    await chat.send(LIAISON, "/item EDU-0001")
    await chat.click(LIAISON, "更换责任人")
    await chat.send(LIAISON, "外单位的老陈")
    [row] = services.ledger.rows()
    # A name that is nobody in the unit is kept as typed, linked to no one.
    assert (row.owner_name, row.owner_user_id) == ("外单位的老陈", None)


async def test_a_supervised_items_owner_is_not_changed_by_a_plain_edit(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    item = file_item(services)
    services.supervision.mark(item, by=services.membership.identify(OFFICE), by_name="周主任",
                              mark=Supervision.YELLOW, note="群众反映强烈")
    await chat.send(OWNER, "/item EDU-0001")
    await chat.click(OWNER, "更换责任人")
    [refused] = await chat.send(OWNER, "孙干部")
    assert "正在督办" in (refused.text or "") and "申请延期" in (refused.text or "")
    [row] = services.ledger.rows()
    assert row.owner_user_id == OWNER
    # The description may still be corrected.
    services.ledger.edit(item, by=services.membership.identify(OWNER), by_name="张三",
                         field="description", text="更正后的描述")
    assert services.ledger.rows()[0].description == "更正后的描述"


async def test_withdrawing_a_pending_item_takes_it_out_of_the_ledger(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services)
    await chat.send(OWNER, "/item EDU-0001")
    [ask] = await chat.click(OWNER, "撤回")
    assert "确认撤回 EDU-0001" in (ask.text or "")
    [done] = await chat.click(OWNER, "确认撤回")
    assert "EDU-0001 已撤回" in (done.text or "")
    assert services.ledger.rows() == []
    [gone] = await chat.send(LIAISON, "/item EDU-0001")
    assert "EDU-0001 已由张三撤回" in (gone.text or "")
    # The number is not handed out again.
    file_item(services)
    assert [r.number for r in services.ledger.rows()] == ["EDU-0002"]
    [city] = await chat.send(OFFICE, "/ledger EDU")
    assert "共1项" in (city.text or "")


async def test_an_item_being_worked_on_cannot_be_withdrawn(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    item = file_item(services)
    owner = services.membership.identify(OWNER)
    services.ledger.add_progress(item, by=owner, by_name="张三", text="已排班")
    [card] = await chat.send(OWNER, "/item EDU-0001")
    assert "撤回" not in str(card.reply_markup) and "修改描述" in str(card.reply_markup)
    with pytest.raises(DomainError) as refused:
        services.ledger.withdraw(item, by=owner, by_name="张三")
    assert refused.value.key == "withdraw.not_pending"
    assert len(services.ledger.rows()) == 1


async def test_removing_a_person_removes_the_kept_copy_of_his_withdrawn_item(
        chat: Chat, services: Services) -> None:
    build_org(services, chat)
    item = file_item(services)
    services.ledger.withdraw(item, by=services.membership.identify(OWNER), by_name="张三")
    assert services.ledger.withdrawn("EDU-0001") == ("EDU-0001", "张三")
    report = services.privacy.remove(OWNER)
    assert report.deleted.get("withdrawn_problems") == 1
    assert services.ledger.withdrawn("EDU-0001") is None
