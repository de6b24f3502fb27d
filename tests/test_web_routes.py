"""Every route × every role: nothing of another unit is reachable by changing an id."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.routing import Mount, Route

from bot.bootstrap import Services
from tests.test_digest import SILENT, STRANGER, unit_id
from tests.web_fixtures import (  # noqa: F401 - fixtures
    CADRE,
    HLEADER,
    LEADER,
    LIAISON,
    NURSE,
    OFFICE,
    config,
    seeded,
    signed_in,
    web,
)
from web import files
from web.app import build_web, routes
from web.guard import Attempts

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Who asks: nobody signed in, a session whose person has no unit, and each role of the chat.
ROLES: dict[str, int | None] = {"anonymous": None, "stranger": STRANGER, "cadre": CADRE,
                                "other_cadre": SILENT, "liaison": LIAISON, "leader": LEADER,
                                "other_leader": HLEADER, "office": OFFICE}
SIGNED_IN = [r for r in ROLES if r not in ("anonymous", "stranger")]
EDU_ADMINS = {"liaison", "leader", "office"}


def expect(allowed: set[str], *, ok: int = 200, denied: int = 404,
           public: bool = False) -> Callable[[str], int]:
    """The status each role gets: `ok` if allowed, else `denied`; nobody signed in goes to
    the sign-in page (303) and a person with no unit is refused (403), unless public."""
    def status(role: str) -> int:
        if not public and role == "anonymous":
            return 303
        if not public and role == "stranger":
            return 403
        return ok if role in allowed else denied
    return status


def cases(ids: dict[str, int]) -> dict[tuple[str, str], list[tuple[str, Callable[[str], int]]]]:
    """For each route (method, path), concrete requests and the status each role expects."""
    edu, health, edu_item, health_item = ids["edu"], ids["health"], ids["edu_item"], ids["h_item"]
    everyone = set(ROLES)
    return {
        ("GET", "/"): [("/", expect(set(SIGNED_IN), ok=303))],
        ("GET", "/signin"): [("/signin", expect(everyone, public=True))],
        ("GET", "/app"): [("/app", expect(everyone, public=True))],
        ("GET", "/signin/{token}"): [("/signin/abc.def", expect(everyone, public=True))],
        ("POST", "/signin/{token}"): [("/signin/abc.def", expect(set(), denied=400,
                                                                  public=True))],
        ("POST", "/auth/webapp"): [("/auth/webapp", expect(set(), denied=400, public=True))],
        ("POST", "/signout"): [("/signout", expect(everyone, ok=303, public=True))],
        ("GET", "/healthz"): [("/healthz", expect(everyone, public=True))],
        ("GET", "/city"): [("/city", expect({"office"}, denied=403))],
        ("GET", "/scores"): [("/scores", expect({"office"}, denied=403))],
        ("GET", "/unit/{unit_id:int}"): [
            (f"/unit/{edu}", expect(EDU_ADMINS)),
            (f"/unit/{edu}?status=open&due=overdue", expect(EDU_ADMINS)),
            (f"/unit/{health}", expect({"other_leader", "office"})),
            ("/unit/99999", expect(set())), ("/unit/99999999999999", expect(set()))],
        ("GET", "/mine"): [("/mine", expect(set(SIGNED_IN)))],
        ("GET", "/item/{problem_id:int}"): [
            (f"/item/{edu_item}", expect(EDU_ADMINS | {"cadre"})),
            (f"/item/{health_item}", expect({"other_leader", "office"})),
            ("/item/99999", expect(set()))],
        # 督办 from the item page: the office's alone (an empty form is a bad request).
        ("POST", "/item/{problem_id:int}/supervise"): [
            (f"/item/{edu_item}/supervise", expect({"office"}, ok=400, denied=403))],
        # 暗访监督 from the dashboard: the 督导组 and the office, as in chat (an empty form is
        # shown again with the reason).
        ("GET", "/inspect"): [("/inspect", expect({"office"}, denied=403))],
        ("POST", "/inspect"): [("/inspect", expect({"office"}, ok=400, denied=403))],
        ("GET", "/item/{problem_id:int}/evidence/{index:int}"): [
            (f"/item/{edu_item}/evidence/0", expect(EDU_ADMINS | {"cadre"})),
            (f"/item/{edu_item}/evidence/1", expect(set())),
            (f"/item/{health_item}/evidence/0", expect({"other_leader", "office"}))],
        ("GET", "/export/city.xlsx"): [("/export/city.xlsx", expect({"office"}, denied=403))],
        ("GET", "/export/unit/{unit_id:int}.xlsx"): [
            (f"/export/unit/{edu}.xlsx", _export(EDU_ADMINS, {"other_leader"})),
            (f"/export/unit/{health}.xlsx", _export({"other_leader", "office"},
                                                    {"leader", "liaison"}))],
        ("GET", "/export/city.docx"): [("/export/city.docx", expect({"office"}, denied=403))],
        ("GET", "/export/unit/{unit_id:int}.docx"): [
            (f"/export/unit/{edu}.docx", _export(EDU_ADMINS, {"other_leader"}))],
        # The public's cases carry their contacts: the office's pages only.
        ("GET", "/cases"): [("/cases", expect({"office"}, denied=403)),
                            ("/cases?stage=closed", expect({"office"}, denied=403))],
        ("GET", "/cases/qr"): [("/cases/qr", expect({"office"}, denied=403))],
        ("GET", "/cases/qr/{unit_id:int}.png"): [
            (f"/cases/qr/{edu}.png", expect({"office"}, denied=403)),
            ("/cases/qr/99999.png",
             lambda role: 404 if role == "office" else expect(set(), denied=403)(role)),
        ],
    }


def _export(allowed: set[str], other_unit: set[str]) -> Callable[[str], int]:
    # Cadres may not export at all (403, as in the chat); an admin of another unit gets the
    # answer of a unit that does not exist (404).
    rule = expect(allowed, denied=403)
    return lambda role: 404 if role in other_unit else rule(role)


def _brief(digest: Any, out: io.BytesIO, *, unit_id: int | None, lang: str) -> None:
    out.write(b"PK fake docx for " + str(unit_id).encode())


@pytest.fixture
def ids(seeded: Services) -> dict[str, int]:
    led, m = seeded.ledger, seeded.membership
    edu_item = led.find_id("EDU-0001", by=m.identify(OFFICE))
    h_item = led.find_id("HEALTH-0002", by=m.identify(OFFICE))
    led.add_progress(edu_item, by=m.identify(CADRE), by_name="张三", text="照片", attachment="F1")
    led.add_progress(h_item, by=m.identify(NURSE), by_name="钱护士", text="照片", attachment="F2")
    return {"edu": unit_id(seeded, "EDU"), "health": unit_id(seeded, "HEALTH"),
            "edu_item": edu_item, "h_item": h_item}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_every_route_answers_every_role_as_the_chat_would(
        seeded: Services, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "brief_writer", lambda: _brief)
    app = build_web(seeded, attempts=Attempts(seeded.clock, limit=10_000))
    app.state.web.evidence._keep("F1", PNG)
    app.state.web.evidence._keep("F2", PNG)
    table = cases(ids)
    listed = {(m, r.path) for r in routes() if isinstance(r, Route) for m in r.methods or ()
              if m != "HEAD"}
    assert listed == set(table), "a route without its row in the matrix"
    wrong = []
    for role, user in ROLES.items():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            for (method, _), requests in table.items():
                for path, status in requests:
                    if user is not None:
                        signed_in(seeded, c, user)  # sign-out in the matrix ends a session
                    got = (await c.request(method, path)).status_code
                    if got != status(role):
                        wrong.append(f"{role} {method} {path}: {got}, expected {status(role)}")
    assert wrong == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_static_files_are_public_and_confined(web: httpx.AsyncClient) -> None:
    assert any(isinstance(r, Mount) and r.path == "/static" for r in routes())
    assert (await web.get("/static/app.js")).status_code == 200
    assert (await web.get("/static/app.css")).status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/nothing.js"):
        assert (await web.get(path)).status_code == 404
