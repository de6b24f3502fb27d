"""The unit concerned never sees a complainant's contact: not on the item, its card or export."""

from __future__ import annotations

import datetime as dt
import io

import httpx
import openpyxl
import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from storage.db import Database
from tests.chat import running_bot
from tests.test_digest import join_chats, seed, unit_id
from tests.web_fixtures import (  # noqa: F401 - fixtures
    LEADER,
    LIAISON,
    OFFICE,
    config,
    seeded,
    signed_in,
    web,
)

NAME, PHONE = "王小明", "13912345678"
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _handed_over(services: Services, clock: FixedClock) -> str:
    """A case with a contact, handed to EDU; the item's number."""
    cases, office = services.cases, services.membership.identify(OFFICE)
    cases.submit(unit_id=unit_id(services, "EDU"), kind="business", text="审批材料反复要求补交",
                 anonymous=False, contact_name=NAME, contact_phone=PHONE)
    [case] = cases.pending(by=office)
    assert case.contact_name == NAME  # the office sees it
    item = cases.transfer(case.id, by=office, by_name="办公室",
                          deadline=clock.now() + dt.timedelta(days=10))
    return item.number


async def test_the_units_pages_and_workbook_carry_no_contact(
        seeded: Services, clock: FixedClock, web: httpx.AsyncClient) -> None:
    number = _handed_over(seeded, clock)
    problem_id = seeded.ledger.find_id(number, by=seeded.membership.identify(OFFICE))
    for user in (LEADER, LIAISON):
        signed_in(seeded, web, user)
        page = await web.get(f"/item/{problem_id}")
        assert page.status_code == 200 and "审批材料反复要求补交" in page.text
        assert NAME not in page.text and PHONE not in page.text
    signed_in(seeded, web, LEADER)
    listing = await web.get(f"/unit/{unit_id(seeded, 'EDU')}")
    assert number in listing.text and NAME not in listing.text and PHONE not in listing.text
    sheet = await web.get(f"/export/unit/{unit_id(seeded, 'EDU')}.xlsx")
    assert sheet.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
    cells = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
             for v in row if v is not None]
    assert any("审批材料反复要求补交" in c for c in cells)
    assert not any(NAME in c or PHONE in c for c in cells)


async def test_the_item_card_in_chat_carries_no_contact(
        config: Config, clock: FixedClock, database: Database) -> None:
    async with running_bot(config, clock, database) as chat:
        services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        number = _handed_over(services, clock)
        for user in (LEADER, LIAISON):
            replies = await chat.send(user, f"/item {number}")
            text = "\n".join(r.text or "" for r in replies)
            assert "审批材料反复要求补交" in text
            assert NAME not in text and PHONE not in text
