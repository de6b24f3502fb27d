"""The web's sign-in over HTTP, its cookie, its headers, its escaping and its rate limit."""

from __future__ import annotations

import httpx
import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.services.problem import Draft
from tests.web_fixtures import (  # noqa: F401 - fixtures
    CADRE,
    LEADER,
    OFFICE,
    PUBLIC,
    config,
    init_fields,
    seeded,
    sign_init_data,
    signed_in,
    web,
    web_config,
)
from web.app import build_web
from web.context import COOKIE
from web.guard import CSP, Attempts

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


async def test_a_link_signs_in_once_with_a_strict_cookie(web: httpx.AsyncClient,
                                                         seeded: Services) -> None:
    token = seeded.signin.issue_link(LEADER)
    confirm = await web.get(f"/signin/{token}")
    assert confirm.status_code == 200 and f'action="/signin/{token}"' in confirm.text
    assert COOKIE not in web.cookies  # looking at the link (a preview, a scanner) uses nothing
    used = await web.post(f"/signin/{token}")
    assert used.status_code == 303 and used.headers["location"] == "/"
    cookie = used.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # the public address is http here
    home = await web.get("/")
    assert home.headers["location"] == f"/unit/{seeded.membership.identify(LEADER).unit.id}"
    web.cookies.clear()
    again = await web.post(f"/signin/{token}")
    assert again.status_code == 400 and "已使用" in again.text


async def test_an_expired_link_is_refused(web: httpx.AsyncClient, seeded: Services,
                                          clock: FixedClock) -> None:
    token = seeded.signin.issue_link(LEADER)
    clock.advance(minutes=11)
    answer = await web.post(f"/signin/{token}")
    assert answer.status_code == 400 and "已过期" in answer.text and COOKIE not in web.cookies


async def test_the_mini_app_signs_in_with_init_data_only_when_genuine(
        web: httpx.AsyncClient, seeded: Services, clock: FixedClock) -> None:
    fields = init_fields(OFFICE, int(clock.now().timestamp()))
    forged = sign_init_data(fields, token="999:not-this-bot")
    refused = await web.post("/auth/webapp", data={"init_data": forged})
    assert refused.status_code == 400 and "error" in refused.json() and COOKIE not in web.cookies
    accepted = await web.post("/auth/webapp", data={"init_data": sign_init_data(fields)})
    assert accepted.status_code == 200 and accepted.json() == {"next": "/"}
    assert (await web.get("/city")).status_code == 200


async def test_tampered_cookies_and_signed_out_sessions_sign_nobody_in(
        web: httpx.AsyncClient, seeded: Services) -> None:
    signed_in(seeded, web, OFFICE)
    cookie = web.cookies[COOKIE]
    assert (await web.get("/city")).status_code == 200
    for bad in (cookie[:-1] + ("A" if cookie[-1] != "A" else "B"), "x" + cookie, "forged.value"):
        web.cookies.set(COOKIE, bad)
        answer = await web.get("/city")
        assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    web.cookies.set(COOKIE, cookie)
    out = await web.post("/signout")
    assert out.status_code == 303 and 'zg_session=""' in out.headers["set-cookie"]
    web.cookies.set(COOKIE, cookie)  # a copy of the cookie kept from before the sign-out
    assert (await web.get("/city")).status_code == 303


async def test_a_cross_site_sign_out_is_refused(web: httpx.AsyncClient, seeded: Services) -> None:
    signed_in(seeded, web, OFFICE)
    answer = await web.post("/signout", headers={"origin": "https://evil.example"})
    assert answer.status_code == 403
    assert (await web.get("/city")).status_code == 200


async def test_every_response_carries_the_security_headers(web: httpx.AsyncClient,
                                                           seeded: Services) -> None:
    signed_in(seeded, web, OFFICE)
    for path in ("/", "/city", "/signin", "/item/99999", "/static/app.js", "/nowhere"):
        answer = await web.get(path)
        assert answer.headers["content-security-policy"] == CSP, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert (await web.get("/city")).headers["cache-control"] == "no-store"


async def test_people_s_text_is_escaped_everywhere(web: httpx.AsyncClient, seeded: Services,
                                                    clock: FixedClock) -> None:
    evil = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>&'
    seeded.membership.add_unit(f"<b>{evil}</b>", code="EVIL")
    cadre = seeded.membership.identify(CADRE)
    draft = Draft(category=evil, source="self", description=evil, measures=(evil,),
                  track="ongoing", owner_name=evil, checkin_days=7)
    item = seeded.ledger.file(draft, by=cadre, by_name=evil)
    signed_in(seeded, web, OFFICE)
    unit = cadre.unit.id
    pages = [f"/item/{item.id}", f"/unit/{unit}", f"/unit/{unit}?q=%3Cscript%3E&owner={evil}",
             "/city", f"/unit/{unit}?category={evil}"]
    for path in pages:
        text = (await web.get(path)).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert 'onerror=alert(2)>"' not in text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (await web.get(f"/item/{item.id}")).text


async def test_sign_in_attempts_are_rate_limited(seeded: Services) -> None:
    app = build_web(seeded, attempts=Attempts(seeded.clock, limit=3))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as c:
        codes = [(await c.post("/signin/guess.guess")).status_code for _ in range(3)]
        assert codes == [400, 400, 400]
        token = seeded.signin.issue_link(LEADER)
        limited = await c.post(f"/signin/{token}")
        assert limited.status_code == 429 and "频繁" in limited.text
        assert (await c.post("/auth/webapp", data={"init_data": "x"})).status_code == 429
        seeded.clock.advance(minutes=5)  # type: ignore[attr-defined]
        assert (await c.post(f"/signin/{token}")).status_code == 303


async def test_https_deployments_mark_the_cookie_secure(seeded: Services, db_url: str) -> None:
    secure = Services(**{**seeded.__dict__,
                         "config": web_config(db_url, public_url="https://zg.example.gov.cn")})
    app = build_web(secure)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://zg.example.gov.cn") as c:
        answer = await c.post(f"/signin/{seeded.signin.issue_link(LEADER)}")
        assert "secure" in answer.headers["set-cookie"].lower()
