"""Shared set-up of the web tests: a config with the web on, the seeded city, signed clients."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from tests.test_digest import (
    CADRE,
    HLEADER,
    LEADER,
    LIAISON,
    NURSE,
    OFFICE,
    PEOPLE,
    PHASES,
    STRANGER,
    seed,
)
from web.app import build_web
from web.context import COOKIE
from web.guard import Attempts

TOKEN = "123:abc"
SECRET = "test-secret-" + "x" * 32
PUBLIC = "http://testserver"

__all__ = ["CADRE", "HLEADER", "LEADER", "LIAISON", "NURSE", "OFFICE", "PEOPLE", "STRANGER"]


def web_config(db_url: str, **web: object) -> Config:
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({
        "database": {"url": db_url}, "office_admins": [OFFICE],
        "telegram": {"token": TOKEN, "rate_limit": limits}, "campaign": {"phases": PHASES},
        "web": {"enabled": True, "public_url": PUBLIC, "session_secret": SECRET, **web}})


@pytest.fixture
def config(db_url: str) -> Config:
    return web_config(db_url)


@pytest.fixture
def seeded(services: Services, clock: FixedClock) -> Services:
    """Two units (EDU with every status, track and time-left bucket; HEALTH with two items)."""
    seed(services, clock)
    return services


def sign_init_data(fields: dict[str, str], token: str = TOKEN) -> str:
    """initData as Telegram signs it for a Web App (the spec, written out independently)."""
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_fields(user_id: int, auth_date: int, **extra: str) -> dict[str, str]:
    user = json.dumps({"id": user_id, "first_name": PEOPLE.get(user_id, "x"),
                       "language_code": "zh-hans"}, ensure_ascii=False)
    return {"auth_date": str(auth_date), "query_id": "AAE1", "user": user, **extra}


@pytest.fixture
async def web(seeded: Services) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web app, in process; no sign-in limit in the way of the matrix."""
    app = build_web(seeded, attempts=Attempts(seeded.clock, limit=10_000))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


def signed_in(services: Services, client: httpx.AsyncClient, user_id: int) -> None:
    """Give the client a session of `user_id`, as a sign-in would."""
    client.cookies.set(COOKIE, services.signin.open_session(user_id, "link"))
