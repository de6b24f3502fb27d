"""签收 of a case handed to a unit: the notice with its button, the reminder, the escalation."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.errors import DomainError
from bot.services.cases_ack import add_working_hours
from storage.db import Database
from tests.chat import Chat, deliver_at, running_bot, texts_with
from tests.conftest import SHANGHAI
from tests.test_digest import (  # noqa: F401 - fixtures
    CADRE,
    HLEADER,
    LEADER,
    LIAISON,
    OFFICE,
    config,
    join_chats,
    local,
    seed,
    unit_id,
    wired,
)

DAY = (dt.time(8, 50), dt.time(17, 30))


@pytest.fixture
async def office(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Chat]:
    async with running_bot(config, clock, database) as chat:
        services: Services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        yield chat


def _hand_over(services: Services, clock: FixedClock, text: str) -> int:
    """Register a case and 转办 it to 市教育局; return the case's id."""
    services.cases.submit(unit_id=unit_id(services, "EDU"), kind="public", text=text,
                          anonymous=False, contact_name="王小明", contact_phone="13800001111")
    office = services.membership.identify(OFFICE)
    [case] = services.cases.pending(by=office)
    services.cases.transfer(case.id, by=office, by_name="办公室",
                            deadline=clock.now() + dt.timedelta(days=10))
    return case.id


def test_working_hours_skip_the_evening_and_the_weekend() -> None:
    friday_4pm = local(2026, 12, 4, 16, 0)
    assert add_working_hours(friday_4pm, 1, tz=SHANGHAI, day=DAY) == local(2026, 12, 4, 17, 0)
    # 1 h 30 left on Friday; the other 6 h 30 from Monday's 08:50.
    assert add_working_hours(friday_4pm, 8, tz=SHANGHAI, day=DAY) == local(2026, 12, 7, 15, 20)
    # Sent at night or before the office opens: the clock starts when it opens.
    assert add_working_hours(local(2026, 12, 1, 22, 0), 2, tz=SHANGHAI,
                             day=DAY) == local(2026, 12, 2, 10, 50)
    assert add_working_hours(local(2026, 12, 5, 10, 0), 1, tz=SHANGHAI,
                             day=DAY) == local(2026, 12, 7, 9, 50)


async def test_a_handed_case_is_acknowledged_from_its_notice(office: Chat,
                                                             clock: FixedClock) -> None:
    services = office.app.bot_data.services
    case_id = _hand_over(services, clock, "窗口<b>推诿</b>")
    await deliver_at(office, clock, local(2026, 11, 30, 9, 0))
    [notice] = texts_with(office, LIAISON, "转办")
    assert "EDU-0008" in notice and "窗口&lt;b&gt;推诿&lt;/b&gt;" in notice
    assert "17:00" in notice  # 8 working hours from Monday 09:00
    assert "13800001111" not in notice and "王小明" not in notice
    assert len(texts_with(office, LEADER, "转办")) == 1
    with pytest.raises(DomainError) as denied:
        services.cases.acks.acknowledge(case_id, by=services.membership.identify(CADRE))
    assert denied.value.key == "cases.ack_denied"
    with pytest.raises(DomainError) as other_unit:  # another unit's leader: no such case
        services.cases.acks.acknowledge(case_id, by=services.membership.identify(HLEADER))
    assert other_unit.value.key == "cases.unknown"
    [acked] = await office.click(LIAISON, "签收")
    assert "已签收问题 EDU-0008" in (acked.text or "")
    view = services.cases.acks.get(case_id)
    assert view is not None and view.acked_at == local(2026, 11, 30, 9, 0)
    # Tapped again by the leader: it stays the liaison's 签收.
    [again] = await office.click(LEADER, "签收")
    assert "已签收" in (again.text or "")
    for when in (local(2026, 11, 30, 15, 0), local(2026, 11, 30, 17, 0)):
        await deliver_at(office, clock, when)
    assert texts_with(office, LIAISON, "尚未签收") == []
    assert texts_with(office, OFFICE, "仍未签收") == []


async def test_without_acknowledgement_a_reminder_then_the_office_is_told(
        office: Chat, clock: FixedClock) -> None:
    services = office.app.bot_data.services
    _hand_over(services, clock, "审批材料反复要求补交")
    await deliver_at(office, clock, local(2026, 11, 30, 9, 0))
    await deliver_at(office, clock, local(2026, 11, 30, 14, 59))
    assert texts_with(office, LIAISON, "尚未签收") == []
    await deliver_at(office, clock, local(2026, 11, 30, 15, 0))  # 2 working hours before
    [reminder] = texts_with(office, LIAISON, "尚未签收")
    assert "EDU-0008" in reminder and len(texts_with(office, LEADER, "尚未签收")) == 1
    assert texts_with(office, OFFICE, "仍未签收") == []
    await deliver_at(office, clock, local(2026, 11, 30, 16, 59))
    assert texts_with(office, OFFICE, "仍未签收") == []
    await deliver_at(office, clock, local(2026, 11, 30, 17, 0))
    [warning] = texts_with(office, OFFICE, "仍未签收")
    assert "市教育局" in warning and "EDU-0008" in warning
    # Acknowledged late: nothing more is sent, and the tap still counts.
    [acked] = await office.click(LEADER, "签收")
    assert "已签收" in (acked.text or "")
    await deliver_at(office, clock, local(2026, 12, 1, 9, 0))
    assert len(texts_with(office, OFFICE, "仍未签收")) == 1


async def test_todo_lists_what_waits_for_acknowledgement(office: Chat, clock: FixedClock) -> None:
    services = office.app.bot_data.services
    _hand_over(services, clock, "窗口人员脱岗")
    [todo] = await office.send(LIAISON, "/todo")
    assert "待签收（1项）" in (todo.text or "") and "EDU-0008 窗口人员脱岗" in (todo.text or "")
    assert "11月30日" in (todo.text or "") and "17:00" in (todo.text or "")
    [acked] = await office.click(LIAISON, "签收 EDU-0008", message=todo)
    assert "已签收问题 EDU-0008" in (acked.text or "")
    [after] = await office.send(LIAISON, "/todo")
    assert "待签收" not in (after.text or "")
    [cadre] = await office.send(CADRE, "/todo")
    assert "待签收" not in (cadre.text or "")


async def test_todo_flags_what_is_past_its_acknowledgement_time_and_lists_it_first(
        office: Chat, clock: FixedClock) -> None:
    services = office.app.bot_data.services
    clock.set(local(2026, 11, 30, 9, 0))
    _hand_over(services, clock, "窗口人员脱岗")  # 签收 by Monday 17:00
    clock.set(local(2026, 12, 1, 10, 0))
    _hand_over(services, clock, "办事指南<b>过时</b>")  # handed Tuesday: not yet due
    clock.set(local(2026, 12, 1, 11, 30))
    [todo] = await office.send(LEADER, "/todo")
    text = todo.text or ""
    assert "待签收（2项，其中1项已超过签收时限）" in text
    late = text.index("⚠️ EDU-0008 窗口人员脱岗")
    assert "已超时18小时" in text[late:text.index("\n", late)]
    ontime = text.index("EDU-0009 办事指南&lt;b&gt;过时&lt;/b&gt;")
    assert late < ontime and "已超时" not in text[ontime:text.index("\n", ontime)]
    # Ahead of what waits for 销号, its 签收 buttons the first rows.
    assert "待销号" in text and text.index("待签收") < text.index("待销号")
    assert todo.reply_markup is not None
    buttons = [b["text"] for row in todo.reply_markup["inline_keyboard"] for b in row]
    assert buttons[:2] == ["签收 EDU-0008", "签收 EDU-0009"]
    [acked] = await office.click(LEADER, "签收 EDU-0008", message=todo)
    assert "已签收问题 EDU-0008" in (acked.text or "")
    [after] = await office.send(LEADER, "/todo")
    assert "待签收（1项）" in (after.text or "") and "已超时" not in (after.text or "")
    clock.set(local(2026, 12, 2, 10, 0))  # the second's time passed less than an hour ago
    [later] = await office.send(LIAISON, "/todo")
    assert "其中1项已超过签收时限" in (later.text or "")
