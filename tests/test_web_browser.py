"""The web in a real headless browser: sign in by link and by Mini App, look, filter, download."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config
from bot.services.scores import ranked
from bot.services.stats import rate_text
from storage.db import Database
from tests import screenshots
from tests.chat import Chat, running_bot
from tests.test_digest import join_chats, seed, unit_id
from tests.web_fixtures import (  # noqa: F401 - fixtures
    CADRE,
    LEADER,
    OFFICE,
    PUBLIC,
    config,
    init_fields,
    sign_init_data,
)
from web.app import build_web
from web.evidence import EvidenceFiles
from web.server import WebServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def png(width: int = 24, height: int = 16) -> bytes:
    """A small real PNG (a red block), so the browser has a picture to decode."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


class Site:
    """The bot and its web on one event loop, as `python -m bot run` serves them."""

    def __init__(self, chat: Chat, base: str) -> None:
        self.chat = chat
        self.base = base
        self.services: Services = chat.app.bot_data.services


@pytest.fixture
async def site(config: Config, clock: FixedClock, database: Database) -> AsyncIterator[Site]:
    async with running_bot(config, clock, database) as chat:
        services = chat.app.bot_data.services
        seed(services, clock)
        join_chats(chat.sandbox)
        # A photo the cadre sent as evidence; the page shows it through the bot.
        update = chat.sandbox.message(CADRE, "整改照片", photo=png())
        file_id = update["message"]["photo"][0]["file_id"]
        led, who = services.ledger, services.membership.identify
        first = led.find_id("EDU-0001", by=who(OFFICE))
        led.add_progress(first, by=who(CADRE), by_name="张三", text="已安排", attachment=file_id)
        server = WebServer(build_web(services, evidence=EvidenceFiles(chat.app.bot)),
                           "127.0.0.1", 0)
        port = await server.start()
        try:
            yield Site(chat, f"http://127.0.0.1:{port}")
        finally:
            await server.stop()


@pytest.fixture
def chromium() -> str:
    # Never skipped: without the browser these tests fail, and .ci/run installs it.
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: apt-get install chromium"
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def _page(browser: Browser, *, phone: bool = False) -> Page:
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=size, accept_downloads=True,
                                        locale="zh-CN")
    return await context.new_page()


async def _count(page: Page, name: str) -> int:
    return int(await page.locator(f'[data-count="{name}"] b').inner_text())


async def test_a_leader_signs_in_by_link_filters_opens_and_downloads(
        site: Site, browser: Browser, tmp_path: Path) -> None:
    [reply] = await site.chat.send(LEADER, "/web")
    link = (reply.text or "").split('href="')[1].split('"')[0]
    page = await _page(browser)
    await page.goto(site.base + link.removeprefix(PUBLIC))
    await page.click("#confirm")
    edu = unit_id(site.services, "EDU")
    await page.wait_for_url(f"{site.base}/unit/{edu}")
    await page.screenshot(path=screenshots.path("unit"), full_page=True)

    stats = site.services.digest.unit_stats(edu)
    assert await _count(page, "total") == stats.total == 7
    assert await _count(page, "status-in_progress") == stats.status["in_progress"]  # type: ignore[index]
    assert await _count(page, "due-overdue") == stats.overdue
    assert "整改率28.6%" in await page.locator("#headline").inner_text()

    # Choosing a status submits the filter (the page's script); the list is the count's.
    await page.select_option("select[name=status]", "pending")
    await page.wait_for_url(f"{site.base}/unit/{edu}?*status=pending*")
    total = int(await page.locator("#total").get_attribute("data-total") or -1)
    assert total == stats.status["pending"] == await page.locator("#items tbody tr").count()  # type: ignore[index]
    await page.click("#filters a")  # 清除筛选
    await page.wait_for_url(f"{site.base}/unit/{edu}")
    await page.fill("input[name=q]", "午休")
    await page.click("#filters button[type=submit]")
    await page.wait_for_url("**q=*")
    assert await page.locator("#items tbody tr").count() == 1

    await page.click("#items tbody tr a")
    await page.wait_for_url(f"{site.base}/item/*")
    assert await page.locator("#description").inner_text() == "窗口午休无人值守"
    image = page.locator("#evidence img")
    await image.scroll_into_view_if_needed()
    await page.wait_for_function("document.querySelector('#evidence img').naturalWidth > 0")
    assert await image.evaluate("img => img.naturalWidth") == 24
    assert "已安排" in await page.locator("#history").inner_text()
    await page.screenshot(path=screenshots.path("item"), full_page=True)

    await page.go_back()
    async with page.expect_download() as info:
        await page.click("#export-xlsx")
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert download.suggested_filename.startswith("问题台账_EDU_")
    sheet = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), read_only=True).worksheets[0]
    numbers = [row[1] for row in sheet.iter_rows(values_only=True)
               if isinstance(row[1], str) and row[1].startswith("EDU-")]
    assert len(numbers) == stats.total == site.services.ledger.count(unit_id=edu)


async def test_the_office_in_the_mini_app_refused_when_forged_then_sees_the_city(
        site: Site, browser: Browser, clock: FixedClock) -> None:
    page = await _page(browser, phone=True)
    fields = init_fields(OFFICE, int(clock.now().timestamp()))
    forged = sign_init_data(fields, token="999:someone-else")
    await page.goto(f"{site.base}/app#tgWebAppData={quote(forged)}&tgWebAppVersion=8.0")
    error = page.locator("#webapp-error")
    await error.wait_for(state="visible")
    assert "身份验证未通过" in await error.inner_text()
    assert "tgWebAppData" not in page.url  # the fragment is dropped from the address bar

    # Opened again from the bot: a fresh load (a changed fragment alone would not reload).
    await page.goto("about:blank")
    await page.goto(f"{site.base}/app#tgWebAppData={quote(sign_init_data(fields))}")
    await page.wait_for_url(f"{site.base}/city")
    await page.screenshot(path=screenshots.path("city-phone"), full_page=True)

    rows = page.locator("#city tbody tr")
    city = {s.code: s for s in site.services.digest.city_stats()}
    assert await rows.count() == len(city)
    for code, stats in city.items():
        cells = await page.locator(f'#city tr[data-unit="{code}"] td').all_inner_texts()
        assert cells[2:] == [str(stats.total), str(stats.fixed), stats.rate, str(stats.signed),
                             str(stats.overdue)]
    # Sorting in place by 逾期 (the script), most first.
    await page.click('#city th[data-sort="overdue"]')
    first = await rows.first.get_attribute("data-unit")
    assert first == max(city.values(), key=lambda s: (s.overdue, s.code == "EDU")).code
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=screenshots.path("city"), full_page=True)

    # 考核得分: every unit's score with its components, as the city digest works them out.
    await page.click("#nav-scores")
    await page.wait_for_url(f"{site.base}/scores")
    weights = site.services.config.scores.weights
    assert "未报送进展1次扣5分" in await page.locator("#formula").inner_text()
    expected = ranked(site.services.digest.city_stats(), weights)
    order = [await r.get_attribute("data-unit") for r in await page.locator(
        "#scores tbody tr").all()]
    assert order == [x.unit.code for x in expected]
    for x in expected:
        cells = await page.locator(f'#scores tr[data-unit="{x.unit.code}"] td').all_inner_texts()
        points = "—" if x.points is None else f"{x.points:.1f}"
        assert cells[1:6] == [x.unit.name, points, x.unit.rate,
                              rate_text(x.unit.on_time, x.unit.with_deadline),
                              rate_text(x.unit.satisfied, x.unit.rated)], cells
        assert cells[6:] == [str(x.rework), str(x.red_cards), str(x.overdue_days),
                             str(x.missed_rounds)], cells
    assert any(x.points is not None for x in expected)
