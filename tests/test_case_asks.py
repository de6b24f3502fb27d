"""A complainant who came through /complain is asked in the chat to rate each sign-off; a
不满意 there reopens the item exactly once, as on the tracking page."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.domain import Rating, Status
from bot.errors import DomainError
from storage.db import Database
from tests.chat import Chat, running_bot, texts_with
from tests.test_digest import (  # noqa: F401 - fixtures
    LEADER,
    LIAISON,
    OFFICE,
    STRANGER,
    config,
    join_chats,
    seed,
    unit_id,
    wired,
)

OTHER = 78


@pytest.fixture
async def office(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Chat]:
    async with running_bot(config, clock, database) as chat:
        services: Services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        chat.sandbox.add_user(OTHER, "另一人")
        yield chat


async def _tick(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    services.cases.asks.plan()  # what bot.app's planners run at each tick
    await chat.app.bot_data.sender.tick()


def _sign_off(services: Services, problem_id: int) -> None:
    who = services.membership.identify
    services.ledger.report_done(problem_id, by=who(LIAISON), by_name="王联络",
                                completion="已整改")
    services.ledger.approve(problem_id, by=who(LEADER), by_name="李局长")


async def test_the_complainant_rates_each_sign_off_in_the_chat(office: Chat,
                                                               clock: FixedClock) -> None:
    services: Services = office.app.bot_data.services
    await office.send(STRANGER, "/complain")
    for step in ("EDU", "1", "窗口午休没人", "匿名"):
        await office.send(STRANGER, step)
    who = services.membership.identify
    [case] = services.cases.pending(by=who(OFFICE))
    item = services.cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                                   deadline=clock.now() + dt.timedelta(days=5))
    await _tick(office)
    assert texts_with(office, STRANGER, "请评价") == []  # not signed off yet
    _sign_off(services, item.id)
    await _tick(office)
    await _tick(office)  # planned once per sign-off, however many ticks
    [question] = [m for m in office.sandbox.sent(STRANGER) if "请评价" in (m.text or "")]
    assert case.code in (question.text or "") and item.number in (question.text or "")
    labels = [label for row in office.sandbox.buttons(question) for label, _ in row]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    # Someone else pressing the same button: no such case for them.
    with pytest.raises(DomainError):
        services.cases.asks.rate(case.id, OTHER, Rating.SATISFIED)
    [told] = await office.click(STRANGER, "不满意", message=question)
    assert "复号" in (told.text or "")
    problem = services.ledger.peek(item.id)
    assert problem is not None and problem.status is Status.IN_PROGRESS
    [again] = await office.click(STRANGER, "非常不满意", message=question)
    assert "不能评价" in (again.text or "")
    assert services.ledger.peek(item.id).rework_count == 1  # type: ignore[union-attr]
    # Fixed again: asked again, once.
    clock.advance(hours=1)
    _sign_off(services, item.id)
    await _tick(office)
    questions = [m for m in office.sandbox.sent(STRANGER) if "请评价" in (m.text or "")]
    assert len(questions) == 2
    [thanks] = await office.click(STRANGER, "满意", message=questions[-1])
    assert "感谢" in (thanks.text or "")
    await _tick(office)
    assert len(texts_with(office, STRANGER, "请评价")) == 2
    public = services.cases.track(case.code)
    assert public is not None and [r.value for r in public.ratings] == [
        "dissatisfied", "satisfied"]


async def test_a_purged_case_names_no_chat_and_is_not_asked(office: Chat,
                                                            clock: FixedClock) -> None:
    services: Services = office.app.bot_data.services
    code = services.cases.submit(unit_id=unit_id(services, "EDU"), kind="public",
                                 text="食堂卫生差", channel=f"chat:{STRANGER}").code
    who = services.membership.identify
    [case] = services.cases.pending(by=who(OFFICE))
    item = services.cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                                   deadline=clock.now() + dt.timedelta(days=5))
    assert services.cases.purge(code, by=who(OFFICE))  # the chat id is personal data too
    _sign_off(services, item.id)
    await _tick(office)
    assert texts_with(office, STRANGER, "请评价") == []
    with pytest.raises(DomainError):
        services.cases.asks.code_for(case.id, STRANGER)
