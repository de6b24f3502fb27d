"""What every route needs: the services, the signed-in person, their language, a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from jinja2 import Environment
from starlette.requests import Request

from bot.bootstrap import Services
from bot.errors import DomainError
from bot.services.membership import Identity
from web.evidence import EvidenceFiles
from web.guard import Attempts
from web.render import Texts

P = ParamSpec("P")
T = TypeVar("T")

COOKIE = "zg_session"
# Ids in paths are database integers: anything larger names nothing.
MAX_ID = 2**31 - 1


class SignInRequired(Exception):
    """No valid session: the page answers with the sign-in page instead."""


@dataclass
class WebState:
    """Application-wide state of the web app, built once by build_web."""

    services: Services
    templates: Environment
    evidence: EvidenceFiles
    attempts: Attempts
    secure_cookies: bool
    # The public pages' limits per address: submissions, and look-ups of a 查询码.
    reports: Attempts | None = None
    lookups: Attempts | None = None
    # Submissions about one unit, from every address together (keyed by the unit's id).
    unit_reports: Attempts | None = None


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of a request, as the chat knows them."""

    identity: Identity
    texts: Texts

    @property
    def lang(self) -> str:
        return self.texts.lang


def state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


async def call(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a use case on a worker thread: the database never holds up the event loop."""
    return await asyncio.to_thread(work, *args, **kwargs)


def texts_for(request: Request, lang: str | None = None) -> Texts:
    services = state(request).services
    config = services.config
    return Texts(lang or config.language, config.tz)


async def viewer_of(request: Request) -> Viewer:
    """Who is signed in; a request without a valid session goes to the sign-in page."""
    services = state(request).services
    cookie = request.cookies.get(COOKIE)
    user_id = await call(services.signin.session_user, cookie) if cookie else None
    if user_id is None:
        raise SignInRequired
    identity = await call(services.membership.identify, user_id)
    if identity.role is None:
        raise DomainError("web.not_member")
    return Viewer(identity, texts_for(request, identity.lang))


def path_id(request: Request, name: str) -> int:
    value: int = request.path_params[name]
    if value > MAX_ID:
        raise DomainError("web.not_found")
    return value


def client_of(request: Request) -> str:
    """The client's address (uvicorn puts the proxy's X-Forwarded-For here when trusted)."""
    return request.client.host if request.client else "unknown"
