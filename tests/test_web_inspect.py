"""暗访监督 from the dashboard in a real headless browser: an inspector files a finding with a
photo into another unit's ledger (source 暗访监督, the unit not told who); others are refused;
a refused form comes back as it was typed; hostile text is kept exactly and shown as text."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, Page

from bot.config import Config
from bot.dates import parse_when
from bot.domain import Role, Source
from tests.test_digest import HLEADER, LEADER, unit_id
from tests.test_web_browser import (  # noqa: F401 - fixtures
    Site,
    _page,
    browser,
    chromium,
    png,
    site,
)
from tests.web_fixtures import web_config
from web.context import COOKIE

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
INSPECTOR, INSPECTOR_NAME = 61, "周督导"
# A small photo limit, so that a photo over it is quick to make.
LIMIT = 4000
HOSTILE = '导诊台<script>alert(1)</script>无人值守 & "<b>推诿</b>"\n第二行'


@pytest.fixture
def config(db_url: str) -> Config:
    base = web_config(db_url)
    return base.model_copy(update={"cases": base.cases.model_copy(
        update={"max_photo_bytes": LIMIT})})


def _join(site: Site) -> None:
    site.chat.sandbox.add_user(INSPECTOR, INSPECTOR_NAME)
    m = site.services.membership
    m.redeem_invite(m.create_invite(unit="EDU", role=Role.INSPECTOR, by=None).code,
                    user_id=INSPECTOR, display_name=INSPECTOR_NAME, username=None)


async def _as(site: Site, browser: Browser, user: int) -> Page:
    page = await _page(browser)
    await page.context.add_cookies([{"name": COOKIE, "url": site.base,
                                     "value": site.services.signin.open_session(user, "link")}])
    # An injected script would open a dialog: fail loudly rather than dismiss it.
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    return page


async def _fill(page: Page, unit: int, text: str, deadline: str) -> None:
    await page.select_option("#inspect-form select[name=unit]", str(unit))
    await page.select_option("#inspect-form select[name=category]", index=1)
    await page.fill("#inspect-form textarea[name=text]", text)
    await page.fill("#inspect-form input[name=deadline]", deadline)


async def test_an_inspector_files_a_finding_with_a_photo_into_another_units_ledger(
        site: Site, browser: Browser) -> None:
    services = site.services
    _join(site)
    health = unit_id(services, "HEALTH")
    page = await _as(site, browser, INSPECTOR)
    await page.goto(f"{site.base}/")
    await page.click("#nav-inspect")
    await page.wait_for_url(f"{site.base}/inspect")
    await _fill(page, health, "  导诊台无人值守，群众排队无人引导  ", "下周五")
    await page.set_input_files("#inspect-form input[name=photo]", files=[
        FilePayload(name="现场.png", mimeType="image/png", buffer=png())])
    await page.click("#file")
    await page.wait_for_url(f"{site.base}/inspect?filed=*")
    filed = await page.locator("#filed").inner_text()
    assert "HEALTH-0003" in filed and "暗访监督" in filed and "附照片1张" in filed
    problem_id = int(page.url.rsplit("=", 1)[1])

    problem = services.ledger.peek(problem_id)
    assert problem is not None and problem.unit_id == health
    assert problem.source is Source.INSPECTION
    assert problem.category == services.config.categories[0].name
    assert problem.description == "导诊台无人值守，群众排队无人引导"  # trimmed, as typed
    now = services.clock.now().astimezone(services.config.tz)
    assert problem.deadline == parse_when("下周五", now, calendar=services.calendar)
    # The photo went through the Bot API (into the inspector's own chat, as a receipt).
    [receipt] = [m for m in site.chat.sandbox.sent(INSPECTOR) if m.photo is not None]
    assert receipt.photo == png() and len(problem.evidence) == 1

    # The unit's leader finds it in the ledger, source 暗访监督, photo shown, filer not named.
    leader = await _as(site, browser, HLEADER)
    await leader.goto(f"{site.base}/unit/{health}")
    assert await leader.locator(f'#items tr[data-id="{problem_id}"]').count() == 1
    await leader.goto(f"{site.base}/item/{problem_id}")
    body = await leader.locator("main").inner_text()
    assert "暗访监督" in body and INSPECTOR_NAME not in body
    image = leader.locator("#evidence img")
    assert await image.count() == 1
    assert await image.evaluate("i => i.complete && i.naturalWidth") == 24


async def test_others_get_no_link_and_are_refused(site: Site, browser: Browser) -> None:
    services = site.services
    page = await _as(site, browser, LEADER)
    await page.goto(f"{site.base}/mine")
    assert await page.locator("#nav-inspect").count() == 0
    answer = await page.goto(f"{site.base}/inspect")
    assert answer is not None and answer.status == 403
    async with httpx.AsyncClient(base_url=site.base) as client:
        client.cookies.set(COOKIE, services.signin.open_session(LEADER, "link"))
        posted = await client.post("/inspect", data={
            "unit": str(unit_id(services, "HEALTH")), "category": "x", "text": "y",
            "deadline": "下周五"})
    assert posted.status_code == 403
    assert services.board.unit(services.membership.identify(HLEADER),
                               unit_id(services, "HEALTH")).page.total == 2


async def test_a_refused_form_keeps_what_was_typed_and_hostile_text_stays_text(
        site: Site, browser: Browser) -> None:
    services = site.services
    _join(site)
    health = unit_id(services, "HEALTH")
    page = await _as(site, browser, INSPECTOR)
    await page.goto(f"{site.base}/inspect")
    await _fill(page, health, HOSTILE, "某个时候吧")
    await page.click("#file")
    await page.wait_for_load_state()
    assert "没看懂这个时间" in await page.locator("#error").inner_text()
    assert await page.input_value("#inspect-form textarea[name=text]") == HOSTILE
    assert await page.input_value("#inspect-form input[name=deadline]") == "某个时候吧"
    assert await page.input_value("#inspect-form select[name=unit]") == str(health)
    # Not a picture: refused by its content, whatever its name says.
    await page.fill("#inspect-form input[name=deadline]", "12月20日")
    await page.set_input_files("#inspect-form input[name=photo]", files=[
        FilePayload(name="x.png", mimeType="image/png", buffer=b"<html>not a photo</html>")])
    await page.click("#file")
    await page.wait_for_load_state()
    assert "JPG" in await page.locator("#error").inner_text()
    assert await page.input_value("#inspect-form textarea[name=text]") == HOSTILE
    # A picture over the limit: refused too, the form still as typed.
    await page.set_input_files("#inspect-form input[name=photo]", files=[
        FilePayload(name="big.png", mimeType="image/png",
                    buffer=b"\x89PNG\r\n\x1a\n" + b"\x07" * LIMIT)])
    await page.click("#file")
    await page.wait_for_load_state()
    assert "照片过大" in await page.locator("#error").inner_text()
    assert await page.input_value("#inspect-form textarea[name=text]") == HOSTILE
    assert await page.input_value("#inspect-form input[name=deadline]") == "12月20日"
    assert services.board.unit(services.membership.identify(HLEADER), health).page.total == 2

    await page.set_input_files("#inspect-form input[name=photo]", files=[])
    await page.click("#file")
    await page.wait_for_url(f"{site.base}/inspect?filed=*")
    problem = services.ledger.peek(int(page.url.rsplit("=", 1)[1]))
    assert problem is not None and problem.description == HOSTILE and problem.evidence == ()
    leader = await _as(site, browser, HLEADER)
    await leader.goto(f"{site.base}/item/{problem.id}")
    assert await leader.locator("#description").inner_text() == HOSTILE
    assert await leader.locator("#description script, #description b").count() == 0
