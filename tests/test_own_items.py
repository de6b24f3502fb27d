"""Nobody signs off his own item: a leader's own item goes to another leader of the unit, or to
the office, and his own tap on 销号 is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.domain import Role, Status
from bot.errors import DomainError
from bot.services.problem import Draft
from tests.chat import Chat
from tests.test_forged_updates import LEADER, OFFICE, build_org, join

SECOND_LEADER = 77


def _leaders_item(services: Services) -> int:
    who = services.membership.identify(LEADER)
    deadline = (services.clock.now() + dt.timedelta(days=6)).isoformat()
    draft = Draft(category="履职尽责缺位", source="self", description="班子会议记录不全",
                  measures=("补齐记录",), track="deadline", owner_name="李局长",
                  owner_user_id=LEADER, leader_name="李局长", leader_user_id=LEADER,
                  deadline=deadline)
    item = services.ledger.file(draft, by=who, by_name="李局长").id
    return item


def _report(services: Services, item: int) -> tuple[int, ...]:
    done = services.ledger.report_done(item, by=services.membership.identify(LEADER),
                                       by_name="李局长", completion="已补齐")
    return done.reviewers


async def test_a_lone_leaders_own_item_goes_to_the_office(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    item = _leaders_item(services)
    reviewers = _report(services, item)
    assert OFFICE in reviewers and LEADER not in reviewers
    with pytest.raises(DomainError) as refused:
        services.ledger.approve(item, by=services.membership.identify(LEADER), by_name="李局长")
    assert refused.value.key == "signoff.own_item"
    signed = services.ledger.approve(item, by=services.membership.identify(OFFICE),
                                     by_name="周主任")
    assert signed.status == Status.SIGNED_OFF and signed.reviewer_name == "周主任"


async def test_another_leader_of_the_unit_signs_a_leaders_own_item(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    join(services, chat, "EDU", SECOND_LEADER, Role.LEADER, "陈副局长")
    item = _leaders_item(services)
    assert _report(services, item) == (SECOND_LEADER,)


async def test_the_leaders_tap_on_his_own_card_is_refused_in_chat(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    item = _leaders_item(services)
    _report(services, item)
    number = services.ledger.peek(item).number  # type: ignore[union-attr]
    [card] = await chat.send(LEADER, f"/item {number}")
    labels = [label for row in chat.sandbox.buttons(card) for label, _ in row]
    assert "通过" not in labels and "驳回" not in labels
    [office_card] = await chat.send(OFFICE, f"/item {number}")
    office_labels = [label for row in chat.sandbox.buttons(office_card) for label, _ in row]
    assert "通过" in office_labels and "驳回" in office_labels
    assert services.ledger.peek(item).status == Status.AWAITING_SIGNOFF  # type: ignore[union-attr]


async def test_a_rejections_new_deadline_is_in_the_history_the_audit_and_the_notice(
    chat: Chat,
) -> None:
    from bot.services.audit import AuditService, render_csv
    from bot.texts import CATALOGUES
    from tests.test_forged_updates import OWNER, awaiting_item

    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    item = awaiting_item(services)
    new = (services.clock.now() + dt.timedelta(days=20)).replace(microsecond=0)
    services.ledger.reject(item, by=services.membership.identify(LEADER), by_name="李局长",
                           reason="佐证不足", new_deadline=new)
    day = f"{new.astimezone(services.config.tz):%Y-%m-%d}"
    _, history = services.ledger.get(item, by=services.membership.identify(OWNER))
    assert history[-1].deadline == new
    number = services.ledger.peek(item).number  # type: ignore[union-attr]
    [card] = await chat.send(OWNER, f"/item {number}")
    assert f"新整改时限：{day}" in (card.text or "")
    audit = AuditService(services.db, services.clock, services.config.tz)
    lines = "".join(render_csv(audit.entries(), services.config.tz, CATALOGUES["zh"]))
    assert lines.splitlines()[0].endswith(",deadline")
    assert f"佐证不足,{day}" in lines
    await chat.app.bot_data.sender.tick()
    notice = next(m for m in reversed(chat.sandbox.sent(OWNER)) if "审核未通过" in (m.text or ""))
    labels = [label for row in chat.sandbox.buttons(notice) for label, _ in row]
    assert labels == ["更新进展", "报告完成"]


async def test_an_item_left_waiting_reminds_its_reviewer_once(chat: Chat) -> None:
    from tests.test_forged_updates import awaiting_item

    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    waiting, signed = awaiting_item(services), awaiting_item(services)
    services.ledger.approve(signed, by=services.membership.identify(LEADER), by_name="李局长")
    clock, start = services.clock, services.clock.now()
    for after in (dt.timedelta(days=1), dt.timedelta(days=3, minutes=1), dt.timedelta(days=5)):
        clock.set(start + after)  # type: ignore[attr-defined]
        await chat.app.bot_data.sender.tick()
    reminders = [m.text or "" for m in chat.sandbox.sent(LEADER) if "已待销号" in (m.text or "")]
    number = services.ledger.peek(waiting).number  # type: ignore[union-attr]
    other = services.ledger.peek(signed).number  # type: ignore[union-attr]
    assert len(reminders) == 1 and number in reminders[0] and other not in reminders[0]
    card = next(m for m in chat.sandbox.sent(LEADER) if "已待销号" in (m.text or ""))
    assert [label for row in chat.sandbox.buttons(card) for label, _ in row] == ["通过", "驳回"]
