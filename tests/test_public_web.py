"""The public pages in a real headless browser: report, track, rate (复号), and their limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from bot.clock import FixedClock
from bot.config import CasesConfig, Config
from storage.db import Database
from tests.chat import deliver_at, running_bot, texts_with
from tests.test_digest import LEADER, LIAISON, OFFICE, join_chats, seed
from tests.test_web_browser import (  # noqa: F401 - fixtures
    ARGS,
    Site,
    _page,
    browser,
    chromium,
    png,
)
from tests.web_fixtures import web_config
from web.app import build_web
from web.guard import Attempts
from web.server import WebServer

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MAX_PHOTO = 100_000
LIMIT = 4


@pytest.fixture
def config(db_url: str) -> Config:
    return web_config(db_url).model_copy(update={"cases": CasesConfig(
        max_photo_bytes=MAX_PHOTO)})


@pytest.fixture
async def site(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Site]:
    async with running_bot(config, clock, database) as chat:
        services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        reports = Attempts(clock, limit=LIMIT, window=dt.timedelta(hours=1),
                           refusal="cases.too_many")
        server = WebServer(build_web(services, reports=reports), "127.0.0.1", 0)
        port = await server.start()
        try:
            yield Site(chat, f"http://127.0.0.1:{port}")
        finally:
            await server.stop()


async def _fill(site: Site, page: Page, text: str, *, photo: dict[str, object] | None = None,
                contact: tuple[str, str] | None = None, wait: float = 5) -> None:
    """Open the form for EDU, fill it in and send it `wait` seconds later."""
    await page.goto(f"{site.base}/public/report?unit=EDU")
    await page.fill("textarea[name=text]", text)
    if photo is not None:
        await page.set_input_files("input[name=photo]", files=photo)  # type: ignore[arg-type]
    if contact is not None:
        await page.uncheck("input[name=anonymous]")
        await page.fill("input[name=contact_name]", contact[0])
        await page.fill("input[name=contact_phone]", contact[1])
    site.services.clock.advance(seconds=wait)  # type: ignore[attr-defined]
    async with page.expect_navigation():
        await page.click("#send")


def _picture(data: bytes, name: str = "photo.png") -> dict[str, object]:
    return {"name": name, "mimeType": "image/png", "buffer": data}


async def _track(site: Site, page: Page, code: str) -> None:
    await page.goto(f"{site.base}/public/track")
    await page.fill("input[name=code]", code)
    async with page.expect_navigation():
        await page.click("#look")


async def test_report_track_rate_and_a_dissatisfied_rating_reopens(
        site: Site, browser: Browser, clock: FixedClock) -> None:
    page = await _page(browser, phone=True)
    await page.goto(f"{site.base}/public/report?unit=EDU")
    assert await page.locator("select[name=unit] option:checked").inner_text() == "市教育局"
    await _fill(site, page, "窗口排队两小时", photo=_picture(png()),
                contact=("王小明", "13800001111"))
    code = await page.locator("#code").inner_text()
    assert len(code) == 10
    # The same case sent again is folded: the first code comes back.
    await _fill(site, page, "窗口排队两小时", photo=_picture(png()))
    assert await page.locator("#duplicate").is_visible()
    assert await page.locator("#code").inner_text() == code

    await _track(site, page, code.lower())
    assert await page.locator("#state").get_attribute("data-state") == "new"
    cases, who = site.services.cases, site.services.membership.identify
    [case] = cases.pending(by=who(OFFICE))
    assert case.has_photo and case.contact_phone == "13800001111"
    item = cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                          deadline=clock.now() + dt.timedelta(days=10))
    await _track(site, page, code)
    assert await page.locator("#acked").count() == 0
    cases.acks.acknowledge(case.id, by=who(LIAISON))
    site.services.ledger.report_done(item.id, by=who(LIAISON), by_name="王联络",
                                     completion="已增设窗口")
    site.services.ledger.approve(item.id, by=who(LEADER), by_name="李局长")

    await _track(site, page, code)
    assert await page.locator("#item-status").get_attribute("data-status") == "signed_off"
    assert await page.locator("#number").inner_text() == item.number
    assert await page.locator("#acked").inner_text() == "2026-11-30 09:00"
    body = await page.locator("main").inner_text()
    assert "李局长" not in body and "王联络" not in body and "王小明" not in body
    await page.check("input[name=rating][value=dissatisfied]")
    await page.fill("textarea[name=comment]", "还是要排队<b>很久</b>")
    clock.advance(seconds=5)
    async with page.expect_navigation():
        await page.click("#rate")
    assert "复号" in await page.locator("#rated").inner_text()
    assert await page.locator("#item-status").get_attribute("data-status") == "in_progress"
    assert await page.locator("#rate-form").count() == 0
    assert await page.locator("#ratings").inner_text() == "不满意"

    await deliver_at(site.chat, clock, clock.now())
    [notice] = texts_with(site.chat, LEADER, "复号")
    assert item.number in notice and "不满意" in notice
    assert texts_with(site.chat, OFFICE, item.number)


async def test_the_limits_of_the_public_form(site: Site, browser: Browser) -> None:
    page = await _page(browser)
    error = page.locator("#error")
    # Sent as soon as opened: a script, not a person.
    await _fill(site, page, "太快了", wait=0)
    assert "提交过快" in await error.inner_text()
    await _fill(site, page, "照片太大", photo=_picture(b"\x89PNG\r\n\x1a\n" + bytes(150_000)))
    assert "照片过大，请不要超过0.1MB" in await error.inner_text()
    await _fill(site, page, "不是图片", photo=_picture(b"MZ\x90\x00 not a picture"))
    assert "只能上传" in await error.inner_text()
    hostile = "<script>alert(1)</script><b>粗体</b>"
    await _fill(site, page, hostile, contact=("", "<img src=x>"))
    assert "电话格式不正确" in await error.inner_text()
    assert await page.locator("textarea[name=text]").input_value() == hostile
    assert await page.locator("#report b, #report script, #report img").count() == 0
    # The fifth submission from this address within the hour is one too many.
    await _fill(site, page, "第五次")
    assert "提交过于频繁" in await error.inner_text()
    assert site.services.cases.pending(by=site.services.membership.identify(OFFICE)) == []


@pytest.fixture
async def busy_site(config: Config, clock: FixedClock,
                    database: Database) -> AsyncIterator[Site]:
    """The public form with room per address but only two cases an hour about one unit."""
    async with running_bot(config, clock, database) as chat:
        services = chat.app.bot_data.services
        seed(services, clock)
        units = Attempts(clock, limit=2, window=dt.timedelta(hours=1),
                         refusal="cases.too_many_unit")
        server = WebServer(build_web(services, unit_reports=units), "127.0.0.1", 0)
        port = await server.start()
        try:
            yield Site(chat, f"http://127.0.0.1:{port}")
        finally:
            await server.stop()


async def test_a_unit_gets_only_so_many_cases_an_hour_from_everyone(
        busy_site: Site, browser: Browser, clock: FixedClock) -> None:
    page = await _page(browser)
    for text in ("第一件", "第二件"):
        await _fill(busy_site, page, text)
        assert len(await page.locator("#code").inner_text()) == 10
    await page.goto(f"{busy_site.base}/public/report?unit=EDU")
    await page.fill("textarea[name=text]", "第三件")
    clock.advance(seconds=5)
    async with page.expect_navigation() as navigation:
        await page.click("#send")
    response = await navigation.value
    assert response is not None and response.status == 429
    assert "反映该单位的事项过多" in await page.locator("#error").inner_text()
    assert await page.locator("textarea[name=text]").input_value() == "第三件"
    # Another unit is not held up by it, and the hour passes.
    await page.goto(f"{busy_site.base}/public/report")
    await page.select_option("select[name=unit]", label="市卫健委")
    await page.fill("textarea[name=text]", "卫健委的事")
    clock.advance(seconds=5)
    async with page.expect_navigation():
        await page.click("#send")
    assert len(await page.locator("#code").inner_text()) == 10
    clock.advance(hours=1)
    await _fill(busy_site, page, "一小时后")
    assert len(await page.locator("#code").inner_text()) == 10
    pending = busy_site.services.cases.pending(
        by=busy_site.services.membership.identify(OFFICE))
    assert sorted(c.text for c in pending) == ["一小时后", "卫健委的事", "第一件", "第二件"]
