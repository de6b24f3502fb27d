"""暗访监督: an inspector invited as 督导组 files a finding with photos into another unit's
ledger from chat; the unit sees the finding, not who made it unless configured."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.domain import Role, Source, Status
from bot.errors import DomainError
from bot.services.inspection import InspectionService
from storage.db import Database
from tests.chat import Chat, deliver_at, running_bot, texts_with
from tests.test_digest import (  # noqa: F401 - fixtures
    CADRE,
    HLEADER,
    OFFICE,
    config,
    join_chats,
    local,
    seed,
    unit_id,
    wired,
)
from tests.test_web_browser import png

INSPECTOR, INSPECTOR_NAME = 61, "周督导"


@pytest.fixture
async def office(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Chat]:
    async with running_bot(config, clock, database) as chat:
        services: Services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        chat.sandbox.add_user(INSPECTOR, INSPECTOR_NAME)
        yield chat


async def test_an_inspector_files_a_finding_the_unit_sees_without_the_name(
        office: Chat, clock: FixedClock) -> None:
    services = office.app.bot_data.services
    [denied] = await office.send(CADRE, "/inspect")
    assert "督导组" in (denied.text or "")
    [invite] = await office.send(OFFICE, "/invite EDU 督导组")
    assert "督导组" in (invite.text or "")
    code = re.search(r"start=([A-Z0-9]+)", invite.text or "")
    assert code is not None
    await office.send(INSPECTOR, f"/join {code.group(1)}")
    assert services.membership.identify(INSPECTOR).role is Role.INSPECTOR
    [ask] = await office.send(INSPECTOR, "/inspect")
    assert "HEALTH 市卫健委" in (ask.text or "")
    [category] = await office.send(INSPECTOR, "HEALTH")
    assert "1. 大局意识淡漠" in (category.text or "")
    await office.send(INSPECTOR, "9")
    [more] = await office.send(INSPECTOR, "导诊台<b>无人</b>值守", photo=png())
    assert "1张" in (more.text or "")
    [more] = await office.send(INSPECTOR, "", photo=png())
    assert "2张" in (more.text or "")
    [when] = await office.send(INSPECTOR, "完成")
    assert "时限" in (when.text or "")
    [done] = await office.send(INSPECTOR, "下周五")
    assert "HEALTH-0003" in (done.text or "") and "2张" in (done.text or "")
    leader = services.membership.identify(HLEADER)
    item_id = services.ledger.find_id("HEALTH-0003", by=leader)
    item, history = services.board.item(leader, item_id)
    assert item.source is Source.INSPECTION and item.status is Status.PENDING
    assert item.description == "导诊台<b>无人</b>值守" and len(item.evidence) == 2
    assert item.category == "面对基层高高在上" and item.unit_code == "HEALTH"
    assert [e.actor_name for e in history] == ["督导组"]
    # What the unit's leader is told and reads: the finding, never the inspector's name.
    await deliver_at(office, clock, clock.now() + dt.timedelta(hours=1))
    [told] = texts_with(office, HLEADER, "HEALTH-0003")
    # The card, then its two photos sent again as evidence.
    card, *evidence = await office.send(HLEADER, "/item HEALTH-0003")
    assert evidence
    assert "督导组 登记" in (card.text or "")
    for text in (told, card.text or ""):
        assert INSPECTOR_NAME not in text and "导诊台&lt;b&gt;无人&lt;/b&gt;值守" in text


def test_the_inspector_is_named_when_configured_and_others_may_not_inspect(
        services: Services, clock: FixedClock, config: Config) -> None:
    seed(services, clock)
    m = services.membership
    m.redeem_invite(m.create_invite(unit="EDU", role=Role.INSPECTOR, by=None).code,
                    user_id=INSPECTOR, display_name=INSPECTOR_NAME, username=None)
    with pytest.raises(DomainError) as refused:
        m.create_invite(unit="EDU", role=Role.INSPECTOR, by=m.identify(HLEADER))
    assert refused.value.key == "invite.role_denied"
    named = config.model_copy(update={"cases": config.cases.model_copy(
        update={"show_inspector": True})})
    inspection = InspectionService(services.db, named, services.ledger)
    item = inspection.file_finding(
        unit_id(services, "HEALTH"), by=m.identify(INSPECTOR), by_name=INSPECTOR_NAME,
        description="窗口无人", category="服务基层不优", deadline=local(2026, 12, 20, 18, 0))
    _, history = services.board.item(m.identify(OFFICE), item.id)
    assert [e.actor_name for e in history] == [INSPECTOR_NAME]
    for who in (CADRE, HLEADER):
        with pytest.raises(DomainError) as denied:
            services.inspection.file_finding(
                unit_id(services, "EDU"), by=m.identify(who), by_name="某人",
                description="x", category="服务基层不优", deadline=local(2026, 12, 20, 18, 0))
        assert denied.value.key == "inspect.denied"
    # The service keeps the ledger's length limit whoever calls it, not only the chat and web.
    with pytest.raises(DomainError) as long:
        inspection.file_finding(
            unit_id(services, "HEALTH"), by=m.identify(INSPECTOR), by_name=INSPECTOR_NAME,
            description="窗" * 2001, category="服务基层不优", deadline=local(2026, 12, 20, 18, 0))
    assert long.value.key == "file.bad_length"
