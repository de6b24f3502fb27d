"""/todo: a leader sees what waits for him with its buttons; a liaison sees what to follow up;
a cadre has no to-do list."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Services
from bot.domain import LeaveState
from tests.chat import Chat
from tests.test_forged_updates import (
    LEADER,
    LIAISON,
    MEMBER,
    OFFICE,
    OWNER,
    awaiting_item,
    build_org,
    edu_meeting,
    file_item,
    leave_request,
)


def _busy_unit(chat: Chat) -> tuple[Services, dict[str, int]]:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    ids = {"signoff": awaiting_item(services)}
    other = file_item(services, description="办事指南过期")
    ids["extension"] = services.ledger.ask_extension(
        other, by=services.membership.identify(OWNER), by_name="张三",
        deadline=services.clock.now() + dt.timedelta(days=40), reason="需协调资金").id
    ids["leave"] = leave_request(services, MEMBER)
    ids["meeting"] = edu_meeting(services, organiser=LEADER)
    return services, ids


async def test_a_leader_sees_everything_waiting_with_its_buttons(chat: Chat) -> None:
    services, ids = _busy_unit(chat)
    [todo] = await chat.send(LEADER, "/todo")
    text = todo.text or ""
    for expected in ("待销号（1项）", "EDU-0001", "延期申请（1项）", "EDU-0002", "需协调资金",
                     "请假待批（1项）", "事假", "会议未确认（1个会议）", "推进会"):
        assert expected in text, expected
    labels = [label for row in chat.sandbox.buttons(todo) for label, _ in row]
    assert "EDU-0001" in labels and "同意延期 EDU-0002" in labels
    assert "批准 张三" in labels and "未确认名单：推进会" in labels
    await chat.click(LEADER, "批准 张三", message=todo)
    assert services.leave.get(ids["leave"]).state == LeaveState.APPROVED  # type: ignore[union-attr]
    # The decision replaces the list it was made on; a fresh /todo has the rest.
    [second] = await chat.send(LEADER, "/todo")
    await chat.click(LEADER, "同意延期 EDU-0002", message=second)
    assert services.ledger.peek(services.ledger.extension(ids["extension"]).problem.id  # type: ignore[union-attr]
                                ).extension_count == 1  # type: ignore[union-attr]
    [again] = await chat.send(LEADER, "/todo")
    assert "请假待批" not in (again.text or "") and "延期申请" not in (again.text or "")
    assert "待销号（1项）" in (again.text or "")


async def test_a_liaison_follows_up_without_deciding(chat: Chat) -> None:
    _busy_unit(chat)
    [todo] = await chat.send(LIAISON, "/todo")
    text = todo.text or ""
    assert "待销号（1项）" in text and "延期申请（1项）" in text and "请假待批（1项）" in text
    labels = [label for row in chat.sandbox.buttons(todo) for label, _ in row]
    assert not any(label.startswith(("同意延期", "批准")) for label in labels)


async def test_a_cadre_has_no_todo_and_an_idle_office_has_nothing(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    [cadre] = await chat.send(OWNER, "/todo")
    assert "供责任领导、联络员和领导小组办公室使用" in (cadre.text or "")
    [office] = await chat.send(OFFICE, "/todo")
    assert office.text == "目前没有待您办理的事项。"
    [start] = await chat.send(LEADER, "/start")
    labels = [label for row in chat.sandbox.buttons(start) for label, _ in row]
    assert "📌 待办事项" in labels
