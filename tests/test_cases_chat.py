"""The office triages the public's cases in chat: /cases, 转办 with a deadline, 不予受理."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.domain import CaseState, Source
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
from tests.test_web_browser import png


@pytest.fixture
async def office(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Chat]:
    async with running_bot(config, clock, database) as chat:
        services: Services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        yield chat


def _submit(services: Services, text: str, **kw: object) -> str:
    values: dict[str, object] = {"unit_id": unit_id(services, "EDU"), "kind": "public",
                                 "text": text, **kw}
    return services.cases.submit(**values).code  # type: ignore[arg-type]


async def test_the_office_hands_a_case_to_another_unit_with_a_deadline(office: Chat) -> None:
    services = office.app.bot_data.services
    code = _submit(services, "医院挂号<b>难</b>", anonymous=False, contact_name="王小明",
                   contact_phone="13800001111")
    [card] = await office.send(OFFICE, "/cases")
    assert code in (card.text or "") and "13800001111" in (card.text or "")
    assert "医院挂号&lt;b&gt;难&lt;/b&gt;" in (card.text or "")
    [ask] = await office.click(OFFICE, "转办", message=card)
    assert "代码" in (ask.text or "")
    [unknown] = await office.send(OFFICE, "NOPE")
    assert "NOPE" in (unknown.text or "")
    [ask_when] = await office.send(OFFICE, "HEALTH")
    assert "时限" in (ask_when.text or "")
    [done] = await office.send(OFFICE, "下周五")
    assert "HEALTH-0003" in (done.text or "")
    public = services.cases.track(code)
    assert public is not None and public.state is CaseState.TRANSFERRED
    assert public.number == "HEALTH-0003" and public.unit_name == "市卫健委"
    item = services.ledger.peek(services.ledger.find_id(
        "HEALTH-0003", by=services.membership.identify(OFFICE)))
    assert item is not None and item.source is Source.PUBLIC and item.deadline is not None
    # Tapped again: it was decided already.
    [again] = await office.click(OFFICE, "转办", message=card)
    assert "已处理过" in (again.text or "")
    [none] = await office.send(OFFICE, "/cases")
    assert "没有待处理" in (none.text or "")


async def test_a_refused_case_shows_its_reason_and_a_unit_may_not_triage(office: Chat) -> None:
    services = office.app.bot_data.services
    code = _submit(services, "与职责无关的事")
    [refused] = await office.send(LEADER, "/cases")
    assert "办公室" in (refused.text or "")
    [card] = await office.send(OFFICE, "/cases")
    [ask] = await office.click(OFFICE, "不予受理", message=card)
    assert "理由" in (ask.text or "")
    [done] = await office.send(OFFICE, "不属于本市受理范围")
    assert "不予受理" in (done.text or "")
    public = services.cases.track(code)
    assert public is not None and public.state is CaseState.REFUSED
    assert public.reason == "不属于本市受理范围"


async def test_the_city_digest_carries_the_satisfaction_rate(office: Chat,
                                                             clock: FixedClock) -> None:
    services = office.app.bot_data.services
    who = services.membership.identify
    code = _submit(services, "窗口排队时间长")
    [case] = services.cases.pending(by=who(OFFICE))
    item = services.cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                                   deadline=clock.now() + dt.timedelta(days=5))
    services.ledger.report_done(item.id, by=who(LIAISON), by_name="王联络", completion="已改")
    services.ledger.approve(item.id, by=who(LEADER), by_name="李局长")
    assert services.cases.rate(code, "very_dissatisfied").reopened
    await office.app.bot_data.sender.tick()
    [reopened] = texts_with(office, LEADER, "复号")
    assert item.number in reopened and "非常不满意" in reopened
    city = [text for text in office.texts(OFFICE) if "全市进展周报" in text]
    assert len(city) == 1 and "群众满意率" in city[0] and "市教育局 0.0%（1次评价）" in city[0]
    # The rating is part of the unit's score too, shown beside the other components.
    [row] = [line for line in city[0].splitlines() if "分：" in line and "市教育局" in line]
    assert row.endswith(" · 满意率0.0%"), row


async def test_a_stranger_complains_in_a_private_chat(office: Chat) -> None:
    services = office.app.bot_data.services
    [ask] = await office.send(STRANGER, "/complain")
    assert "EDU 市教育局" in (ask.text or "")
    [kind] = await office.send(STRANGER, "市卫健委")
    assert "企业投诉" in (kind.text or "")
    [wrong] = await office.send(STRANGER, "3")
    assert "群众反映" in (wrong.text or "")
    await office.send(STRANGER, "2")
    [contact] = await office.send(STRANGER, "审批<i>拖延</i>一个月", photo=png())
    assert "匿名" in (contact.text or "")
    [done] = await office.send(STRANGER, "李老板 13900002222")
    code = (done.text or "").split("<code>")[1].split("</code>")[0]
    [case] = services.cases.pending(by=services.membership.identify(OFFICE))
    assert case.code == code and case.unit_name == "市卫健委" and case.has_photo
    assert case.text == "审批<i>拖延</i>一个月"
    assert (case.contact_name, case.contact_phone) == ("李老板", "13900002222")
    public = services.cases.track(code)
    assert public is not None and public.kind is Source.BUSINESS


async def test_the_city_digest_flags_units_for_focused_attention(office: Chat,
                                                                 clock: FixedClock) -> None:
    services = office.app.bot_data.services
    who = services.membership.identify
    health = unit_id(services, "HEALTH")
    for n in range(5):  # cases.focus_cases: 5 about one unit
        services.cases.submit(unit_id=health, kind="business", text=f"审批拖延第{n}件")
    refused = services.cases.submit(unit_id=unit_id(services, "EDU"), kind="public",
                                    text="与教育局无关").code
    for text, rating in (("甲", "dissatisfied"), ("乙", "very_dissatisfied"),
                         ("丙", "satisfied")):  # 33.3% over 3 ratings, under 60%
        code = _submit(services, f"窗口问题{text}")
        case = next(c for c in services.cases.pending(by=who(OFFICE)) if c.code == code)
        item = services.cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                                       deadline=clock.now() + dt.timedelta(days=5))
        services.ledger.report_done(item.id, by=who(LIAISON), by_name="王联络",
                                    completion="已改")
        services.ledger.approve(item.id, by=who(LEADER), by_name="李局长")
        services.cases.rate(code, rating)
    case = next(c for c in services.cases.pending(by=who(OFFICE)) if c.code == refused)
    services.cases.refuse(case.id, "不属于受理范围", by=who(OFFICE))
    await office.app.bot_data.sender.tick()
    [city] = [text for text in office.texts(OFFICE) if "全市进展周报" in text]
    focus = next(line for line in city.split("\n") if "重点治理" in line)
    assert "市卫健委（群众反映和企业投诉5件）" in focus
    assert "市教育局（满意率33.3%）" in focus
    flagged = services.cases.board.focus()
    assert [(f.unit_name, f.cases, f.many, f.low) for f in flagged] == [
        ("市卫健委", 5, True, False), ("市教育局", 3, False, True)]
