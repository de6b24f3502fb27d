"""The office's pages of the public's cases in a headless browser: the list by stage with the
contacts, 满意率 per unit with 重点治理, and the units' QR codes."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Browser, Page

from bot.clock import FixedClock
from bot.services.case_data import Submitted
from tests import screenshots
from tests.test_digest import LEADER, LIAISON, OFFICE, unit_id
from tests.test_web_browser import (  # noqa: F401 - fixtures
    Site,
    _page,
    browser,
    chromium,
    config,
    site,
)
from tests.web_fixtures import PUBLIC

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CONTACT = ("王小明", "13800001111")


async def _sign_in(site: Site, browser: Browser, user: int) -> Page:
    [reply] = await site.chat.send(user, "/web")
    link = (reply.text or "").split('href="')[1].split('"')[0]
    page = await _page(browser)
    await page.goto(site.base + link.removeprefix(PUBLIC))
    await page.click("#confirm")
    await page.wait_for_load_state()
    return page


def _cases(site: Site, clock: FixedClock) -> dict[str, str]:
    """A case at every stage, about 市教育局; return their codes by stage."""
    services, who = site.services, site.services.membership.identify
    edu = unit_id(services, "EDU")

    def submit(text: str, **kw: object) -> Submitted:
        return services.cases.submit(unit_id=edu, kind="public", text=text,  # type: ignore[arg-type]
                                     **kw)

    def pending_id(code: str) -> int:
        return next(c.id for c in services.cases.pending(by=who(OFFICE)) if c.code == code)

    codes = {"new": submit("窗口<b>排队</b>两小时", anonymous=False, contact_name=CONTACT[0],
                           contact_phone=CONTACT[1]).code}
    for stage in ("transferred", "acked", "closed"):
        codes[stage] = submit(f"事项{stage}").code
        services.cases.transfer(pending_id(codes[stage]), by=who(OFFICE), by_name="办公室",
                                deadline=clock.now() + dt.timedelta(days=10))
    acked = services.cases.board.listing(by=who(OFFICE))
    by_code = {row.code: row for row in acked}
    for stage in ("acked", "closed"):
        services.cases.acks.acknowledge(by_code[codes[stage]].id, by=who(LIAISON))
    closed = by_code[codes["closed"]].problem_id
    assert closed is not None
    services.ledger.report_done(closed, by=who(LIAISON), by_name="王联络", completion="已改")
    services.ledger.approve(closed, by=who(LEADER), by_name="李局长")
    services.cases.rate(codes["closed"], "satisfied")
    codes["refused"] = submit("与教育局无关").code
    services.cases.refuse(pending_id(codes["refused"]), "不属于受理范围", by=who(OFFICE))
    return codes


async def _codes(page: Page) -> list[str]:
    return [await row.get_attribute("data-code") or ""
            for row in await page.locator("#cases tbody tr").all()]


async def test_the_office_follows_cases_by_stage_with_contacts_and_rates(
        site: Site, browser: Browser, clock: FixedClock) -> None:
    codes = _cases(site, clock)
    page = await _sign_in(site, browser, OFFICE)
    await page.click("#nav-cases")
    await page.wait_for_url(f"{site.base}/cases")
    assert await _codes(page) == [codes["new"]]
    row = page.locator(f'#cases tr[data-code="{codes["new"]}"]')
    assert " ".join(CONTACT) in await row.locator(".contact").inner_text()
    assert await row.locator(".text").inner_text() == "窗口<b>排队</b>两小时"
    assert await page.locator("#cases b").count() == 0
    for stage, expected in (("transferred", [codes["transferred"]]),
                            ("acked", [codes["acked"]]),
                            ("closed", [codes["refused"], codes["closed"]])):
        await page.click(f'#stages a[data-stage="{stage}"]')
        await page.wait_for_url(f"{site.base}/cases?stage={stage}")
        assert await _codes(page) == expected, stage
    await page.click('#stages a[data-stage="transferred"]')
    await page.wait_for_url(f"{site.base}/cases?stage=transferred")
    assert "前签收" in await page.locator("#cases .ack").inner_text()
    await page.screenshot(path=screenshots.path("cases"), full_page=True)
    rates = page.locator('#rates tr[data-unit="EDU"]')
    assert await rates.locator(".rate").inner_text() == "100.0%"
    assert await rates.locator(".focus").count() == 0

    await page.click("#qr-sheet")
    await page.wait_for_url(f"{site.base}/cases/qr")
    images = page.locator("#qr img")
    assert await images.count() == 2
    await page.screenshot(path=screenshots.path("cases-qr"), full_page=True)
    widths = await images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert all(w and w > 300 for w in widths), widths


async def test_a_unit_never_reaches_the_office_list_nor_the_contacts(
        site: Site, browser: Browser, clock: FixedClock) -> None:
    codes = _cases(site, clock)
    page = await _sign_in(site, browser, LEADER)
    assert await page.locator("#nav-cases").count() == 0
    for path in ("/cases", "/cases?stage=all", "/cases/qr",
                 f"/cases/qr/{unit_id(site.services, 'EDU')}.png"):
        response = await page.goto(site.base + path)
        assert response is not None and response.status == 403, path
        body = await page.content()
        assert CONTACT[1] not in body and codes["new"] not in body
