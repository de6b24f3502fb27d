"""Hostile input in every field of the public pages (report, track, rate): never a server
error, always escaped where it is shown again, stored as typed when accepted."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from tests.test_digest import LEADER, LIAISON, OFFICE, unit_id
from tests.test_hostile_input import CANARIES, FRAGMENTS
from tests.test_web_browser import png
from tests.web_fixtures import PUBLIC, config, seeded  # noqa: F401 - fixtures
from web.app import build_web
from web.guard import Attempts

FIELDS = ("unit", "kind", "text", "anonymous", "contact_name", "contact_phone", "token")
OPEN = 10**9  # no rate limit in the way: the limits have their own tests


def hostile_values(seed: int, n: int = 24) -> list[str]:
    """The hostile suite's fragments, alone and strung together, and a very long one."""
    rng = random.Random(seed)
    joined = ["".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(2, 9)))
              for _ in range(n)]
    return [*FRAGMENTS, *joined, "长" * 10_001, "<b>x</b>" * 300]


@pytest.fixture
async def site(seeded: Services) -> AsyncIterator[httpx.AsyncClient]:
    clock = seeded.clock
    app = build_web(seeded, reports=Attempts(clock, limit=OPEN),
                    unit_reports=Attempts(clock, limit=OPEN))
    app.state.web.lookups = Attempts(clock, limit=OPEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=PUBLIC) as client:
        yield client


async def _token(client: httpx.AsyncClient, clock: FixedClock) -> str:
    page = (await client.get("/public/report")).text
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found is not None
    clock.advance(seconds=5)
    return found.group(1)


def _assert_escaped(value: str, body: str) -> None:
    for canary in CANARIES:
        if canary in value:
            assert canary not in body, canary
    assert "<script>" not in body.replace('<script src="/static/app.js" defer></script>', "")


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
async def test_every_field_of_the_report_form(site: httpx.AsyncClient, seeded: Services,
                                              clock: FixedClock) -> None:
    edu = unit_id(seeded, "EDU")
    for field in FIELDS:
        for n, value in enumerate(hostile_values(len(field))):
            form = {"unit": str(edu), "kind": "public", "text": f"第{n}件{field}",
                    "contact_name": "王小明", "contact_phone": "13800001111",
                    "token": await _token(site, clock), field: value}
            response = await site.post("/public/report", data=form,
                                       files={"photo": (value[:200] or "x", png(), "image/png")})
            assert response.status_code in (200, 400), (field, value[:40])
            _assert_escaped(value, response.text)
    office = seeded.membership.identify(OFFICE)
    for case in seeded.cases.board.listing(by=office, limit=10_000):
        assert case.text == case.text.strip() and case.unit_id == edu
        if case.contact_name is not None:
            assert case.contact_name == case.contact_name.strip()


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
async def test_every_field_of_tracking_and_rating(site: httpx.AsyncClient, seeded: Services,
                                                  clock: FixedClock) -> None:
    who = seeded.membership.identify
    code = seeded.cases.submit(unit_id=unit_id(seeded, "EDU"), kind="public",
                               text="窗口排队").code
    [case] = seeded.cases.pending(by=who(OFFICE))
    item = seeded.cases.transfer(case.id, by=who(OFFICE), by_name="办公室",
                                 deadline=clock.now() + dt.timedelta(days=9))
    seeded.ledger.report_done(item.id, by=who(LIAISON), by_name="王联络", completion="已改")
    seeded.ledger.approve(item.id, by=who(LEADER), by_name="李局长")
    for value in hostile_values(7):
        response = await site.post("/public/track", data={"code": value})
        assert response.status_code in (200, 404), value[:40]
        _assert_escaped(value, response.text)
        for field in ("code", "rating", "token"):
            form = {"code": code, "rating": "satisfied", "comment": "",
                    "token": await _token(site, clock), field: value}
            response = await site.post("/public/rate", data=form)
            assert response.status_code in (200, 400, 404), (field, value[:40])
            _assert_escaped(value, response.text)
    # One comment of all: the first hostile one that is accepted closes the rating.
    for value in hostile_values(8):
        form = {"code": code, "rating": "satisfied", "comment": value,
                "token": await _token(site, clock)}
        response = await site.post("/public/rate", data=form)
        assert response.status_code in (200, 400), value[:40]
        _assert_escaped(value, response.text)
    public = seeded.cases.track(code)
    assert public is not None and len(public.ratings) == 1
