"""申请延期 through the chat: asked with a reason, granted or declined by a leader, the original
deadline and the count kept, the reminders following the new deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Services
from bot.domain import EventKind, NoteState, Role
from bot.errors import DomainError
from storage.notify import Notification
from tests.chat import Chat
from tests.test_forged_updates import LEADER, LIAISON, OWNER, build_org, file_item


def _org(chat: Chat) -> tuple[Services, int, str]:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    item = file_item(services)
    number = services.ledger.peek(item).number  # type: ignore[union-attr]
    return services, item, number


async def _ask(chat: Chat, number: str, when: str = "12月31日前",
               reason: str = "需协调市财政局拨付资金") -> str:
    await chat.send(OWNER, f"/item {number}")
    [question] = await chat.click(OWNER, "申请延期")
    assert "申请延至" in (question.text or "")
    await chat.send(OWNER, when)
    [done] = await chat.send(OWNER, reason)
    return done.text or ""


def _due_dates(services: Services, item: int) -> list[dt.datetime]:
    from sqlalchemy import select

    with services.db.reading() as s:
        rows = s.scalars(select(Notification.due_at).where(
            Notification.subject == f"problem:{item}",
            Notification.state == NoteState.PENDING))
        return sorted(rows)


async def test_an_extension_asked_and_granted_moves_the_deadline_and_keeps_the_first(
    chat: Chat,
) -> None:
    services, item, number = _org(chat)
    first = services.ledger.peek(item).deadline  # type: ignore[union-attr]
    planned_before = _due_dates(services, item)
    done = await _ask(chat, number)
    assert "已提交" in done and "待责任领导审批" in done
    card = next(m for m in reversed(chat.sandbox.sent(LEADER)) if "延期申请" in (m.text or ""))
    assert "需协调市财政局拨付资金" in (card.text or "") and "2026年12月31日" in (card.text or "")
    [granted] = await chat.click(LEADER, "同意延期", message=card)
    assert "已同意" in (granted.text or "")
    problem = services.ledger.peek(item)
    assert problem is not None
    assert problem.original_deadline == first and problem.extension_count == 1
    assert problem.deadline is not None and problem.deadline > first  # type: ignore[operator]
    assert problem.deadline.astimezone(services.config.tz).date() == dt.date(2026, 12, 31)
    told = chat.last_text(OWNER)
    assert "延期申请已经李局长同意" in told and "第1次延期" in told
    _, history = services.ledger.get(item, by=services.membership.identify(OWNER))
    assert [e.kind for e in history][-2:] == [EventKind.EXTENSION_ASKED, EventKind.EXTENDED]
    assert history[-1].deadline == problem.deadline
    # The reminders follow the new deadline: none is left for the old one.
    planned_after = _due_dates(services, item)
    assert planned_after and planned_after != planned_before
    assert max(planned_after) > max(planned_before)


async def test_a_declined_extension_needs_a_reason_and_changes_no_deadline(chat: Chat) -> None:
    services, item, number = _org(chat)
    first = services.ledger.peek(item).deadline  # type: ignore[union-attr]
    await _ask(chat, number)
    card = next(m for m in reversed(chat.sandbox.sent(LEADER)) if "延期申请" in (m.text or ""))
    [question] = await chat.click(LEADER, "不同意", message=card)
    assert "原因" in (question.text or "")
    await chat.send(LEADER, "时限内可以完成，请加快进度")
    problem = services.ledger.peek(item)
    assert problem is not None and problem.deadline == first and problem.extension_count == 0
    told = chat.last_text(OWNER)
    assert "审核未同意" in told and "时限内可以完成，请加快进度" in told
    # A tap on the old card after the decision changes nothing.
    await chat.click(LEADER, "同意延期", message=card)
    assert services.ledger.peek(item).extension_count == 0  # type: ignore[union-attr]


async def test_what_an_extension_refuses(chat: Chat) -> None:
    services, item, _ = _org(chat)
    owner = services.membership.identify(OWNER)
    now = services.clock.now()
    with pytest.raises(DomainError) as earlier:
        services.ledger.ask_extension(item, by=owner, by_name="张三",
                                      deadline=now + dt.timedelta(days=1), reason="x")
    assert earlier.value.key == "extension.not_later"
    with pytest.raises(DomainError) as blank:
        services.ledger.ask_extension(item, by=owner, by_name="张三",
                                      deadline=now + dt.timedelta(days=30), reason="  ")
    assert blank.value.key == "extension.reason_needed"
    asked = services.ledger.ask_extension(item, by=owner, by_name="张三",
                                          deadline=now + dt.timedelta(days=30), reason="原因")
    assert LEADER in asked.chats and OWNER not in asked.chats
    with pytest.raises(DomainError) as twice:
        services.ledger.ask_extension(item, by=owner, by_name="张三",
                                      deadline=now + dt.timedelta(days=40), reason="原因")
    assert twice.value.key == "extension.pending"
    for who, key in ((OWNER, "extension.denied"), (LIAISON, "extension.denied")):
        with pytest.raises(DomainError) as refused:
            services.ledger.decide_extension(asked.id, by=services.membership.identify(who),
                                             by_name="x", approve=True)
        assert refused.value.key == key
    with pytest.raises(DomainError) as no_reason:
        services.ledger.decide_extension(asked.id, by=services.membership.identify(LEADER),
                                         by_name="李局长", approve=False, answer=" ")
    assert no_reason.value.key == "extension.answer_needed"
    assert services.membership.identify(LEADER).role is Role.LEADER


async def test_an_ongoing_item_offers_no_extension(chat: Chat) -> None:
    services, _, _ = _org(chat)
    ongoing = file_item(services, track="ongoing", description="学习制度坚持不够")
    number = services.ledger.peek(ongoing).number  # type: ignore[union-attr]
    [card] = await chat.send(OWNER, f"/item {number}")
    labels = [label for row in chat.sandbox.buttons(card) for label, _ in row]
    assert "更新进展" in labels and "申请延期" not in labels
