"""督办 from the dashboard in a real headless browser: the office marks an item 红牌 with a note
(the leader is told, the note shown escaped), lifts it, and the history keeps both; others get
no form, and a post of theirs is refused."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser

from bot.domain import EventKind, Supervision
from tests.chat import texts_with
from tests.test_web_browser import (  # noqa: F401 - fixtures
    Site,
    _page,
    browser,
    chromium,
    site,
)
from tests.web_fixtures import CADRE, LEADER, OFFICE, PUBLIC, config  # noqa: F401 - fixtures
from web.context import COOKIE

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
NOTE = "群众反映强烈 <script>alert(1)</script>"


async def _signed_in_page(site: Site, browser: Browser, user: int):  # type: ignore[no-untyped-def]
    [reply] = await site.chat.send(user, "/web")
    link = (reply.text or "").split('href="')[1].split('"')[0]
    page = await _page(browser)
    await page.goto(site.base + link.removeprefix(PUBLIC))
    await page.click("#confirm")
    await page.wait_for_load_state()
    return page


async def test_the_office_marks_and_lifts_from_the_item_page(site: Site, browser: Browser,
                                                              ) -> None:
    services = site.services
    item = services.ledger.find_id("EDU-0001", by=services.membership.identify(OFFICE))
    page = await _signed_in_page(site, browser, OFFICE)
    await page.goto(f"{site.base}/item/{item}")
    assert await page.locator("#supervision").count() == 0
    await page.select_option("#supervise select[name=mark]", "red")
    await page.fill("#supervise textarea[name=note]", NOTE)
    await page.click("#supervise button[type=submit]")
    await page.wait_for_url(f"{site.base}/item/{item}")
    shown = await page.locator("#supervision").inner_text()
    assert "🟥 红牌督办" in shown and NOTE in shown  # as typed, shown as text
    problem = services.ledger.peek(item)
    assert problem is not None and (problem.supervision, problem.supervision_note) == (
        Supervision.RED, NOTE)
    await site.chat.app.bot_data.sender.tick()
    told = texts_with(site.chat, LEADER, "🟥 红牌督办：市教育局 EDU-0001")
    assert len(told) == 1 and "&lt;script&gt;" in told[0]
    # The unit's list shows the mark on the row.
    await page.goto(f"{site.base}/unit/{problem.unit_id}")
    assert await page.locator(f'#items tr[data-id="{item}"] [data-mark="red"]').count() == 1

    await page.goto(f"{site.base}/item/{item}")
    await page.select_option("#supervise select[name=mark]", "none")
    await page.click("#supervise button[type=submit]")
    await page.wait_for_url(f"{site.base}/item/{item}")
    assert await page.locator("#supervision").count() == 0
    history = await page.locator("#history").inner_text()
    assert "督办" in history and "解除督办" in history
    _, events = services.ledger.get(item, by=services.membership.identify(OFFICE))
    kept = [(e.kind, e.note) for e in events
            if e.kind in (EventKind.SUPERVISED, EventKind.UNSUPERVISED)]
    assert kept == [(EventKind.SUPERVISED, NOTE), (EventKind.UNSUPERVISED, None)]


async def test_a_leader_gets_no_form_and_his_post_is_refused(site: Site, browser: Browser,
                                                             ) -> None:
    services = site.services
    item = services.ledger.find_id("EDU-0001", by=services.membership.identify(OFFICE))
    page = await _signed_in_page(site, browser, LEADER)
    await page.goto(f"{site.base}/item/{item}")
    assert await page.locator("#description").count() == 1
    assert await page.locator("#supervise").count() == 0
    async with httpx.AsyncClient(base_url=site.base) as client:
        client.cookies.set(COOKIE, services.signin.open_session(LEADER, "link"))
        answer = await client.post(f"/item/{item}/supervise",
                                   data={"mark": "red", "note": "x"})
    assert answer.status_code == 403
    problem = services.ledger.peek(item)
    assert problem is not None and problem.supervision is None
    assert CADRE  # the cadre's item
