"""The office's /ledger of one unit: /ledger EDU or /ledger 市教育局, with filters and pages, rows
naming the unit and who answers for each item."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.errors import DomainError
from tests.chat import Chat
from tests.test_forged_updates import LEADER, OFFICE, OTHER_LEADER, build_org, file_item


async def test_the_office_lists_one_unit_by_code_or_name(chat: Chat, services: Services) -> None:
    build_org(services, chat)
    for n in range(10):
        file_item(services, description=f"教育局问题{n}")
    file_item(services, OTHER_LEADER, description="财政局问题")
    [city] = await chat.send(OFFICE, "/ledger")
    assert "全市问题台账" in (city.text or "") and "共11项" in (city.text or "")
    assert "市教育局 · 责任人：张三" in (city.text or "")
    [edu] = await chat.send(OFFICE, "/ledger EDU")
    text = edu.text or ""
    assert "市教育局问题台账" in text and "共10项（第1/2页）" in text
    assert "财政局问题" not in text and "责任人：张三" in text
    # The unit stays on the next page and on a filter.
    [page2] = await chat.click(OFFICE, "▶")
    assert "市教育局问题台账" in (page2.text or "") and "第2/2页" in (page2.text or "")
    assert "财政局问题" not in (page2.text or "")
    [by_name] = await chat.send(OFFICE, "/ledger 市财政局 超期")
    assert "市财政局问题台账" in (by_name.text or "") and "共0项" in (by_name.text or "")
    [fin] = await chat.send(OFFICE, "/ledger 市财政局")
    assert "财政局问题" in (fin.text or "") and "共1项" in (fin.text or "")
    [unknown] = await chat.send(OFFICE, "/ledger 市不存在局")
    assert "市不存在局" in (unknown.text or "") and "台账" not in (unknown.text or "")


async def test_a_leader_sees_only_his_own_unit(chat: Chat, services: Services) -> None:
    build_org(services, chat)
    file_item(services, description="教育局问题")
    file_item(services, OTHER_LEADER, description="财政局问题")
    [own] = await chat.send(LEADER, "/ledger FIN")
    assert "本单位问题台账" in (own.text or "") and "教育局问题" in (own.text or "")
    assert "财政局问题" not in (own.text or "")


def test_another_units_list_is_the_offices_alone(chat: Chat, services: Services) -> None:
    build_org(services, chat)
    fin = services.membership.find_unit("FIN")
    assert fin is not None
    leader, office = services.membership.identify(LEADER), services.membership.identify(OFFICE)
    with pytest.raises(DomainError) as refused:
        services.ledger.browse(by=leader, scope="unit", unit_id=fin.id)
    assert refused.value.key == "ledger.denied"
    assert services.ledger.browse(by=office, scope="unit", unit_id=fin.id).unit_name == "市财政局"
    # A button naming a unit that is not there (forged, or the unit removed) is stale.
    with pytest.raises(DomainError) as gone:
        services.ledger.browse(by=office, scope="unit", unit_id=10**12)
    assert gone.value.key == "button.stale"
