"""The web application: build_web wires the routes over the services; the caller adds its own."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.bootstrap import Services
from bot.errors import DomainError
from bot.texts import t
from web import auth, cases_pages, files, inspect, pages, public, supervision
from web.context import SignInRequired, WebState, state, texts_for
from web.evidence import EvidenceFiles
from web.guard import Attempts, SecurityHeaders
from web.render import environment, render

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"

# How each refusal answers: a missing and a forbidden item look the same (404).
STATUS = {"web.not_found": 404, "web.denied": 403, "web.not_member": 403, "web.too_many": 429,
          "web.not_configured": 503, "web.brief_missing": 404, "web.evidence_missing": 404}


def routes() -> list[BaseRoute]:
    """Every route of the product's pages (tests walk this list for the route × role matrix)."""
    return [*auth.ROUTES, *pages.ROUTES, *files.ROUTES, *supervision.ROUTES,
            *cases_pages.ROUTES, *inspect.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC), name="static")]


def build_web(services: Services, *, evidence: EvidenceFiles | None = None,
              extra_routes: Sequence[BaseRoute] = (),
              attempts: Attempts | None = None,
              reports: Attempts | None = None,
              unit_reports: Attempts | None = None) -> Starlette:
    """The ASGI app over `services`; `extra_routes` (e.g. Telegram's webhook) go first."""
    config = services.config
    app = Starlette(
        routes=[*extra_routes, *routes(),
                Mount(f"/{config.web.public_path}", routes=public.ROUTES)],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={DomainError: _refused, SignInRequired: _sign_in,
                            HTTPException: _http_error},
    )
    public_url = config.web.public_url or ""
    app.state.web = WebState(
        services=services, templates=environment(),
        evidence=evidence or EvidenceFiles(None),
        attempts=attempts or Attempts(services.clock),
        secure_cookies=public_url.startswith("https://"),
        reports=reports or Attempts(services.clock, limit=config.cases.per_address_hour,
                                    window=dt.timedelta(hours=1), refusal="cases.too_many"),
        lookups=Attempts(services.clock, limit=60, refusal="cases.too_many"),
        unit_reports=unit_reports or Attempts(
            services.clock, limit=config.cases.per_unit_hour, window=dt.timedelta(hours=1),
            refusal="cases.too_many_unit"),
    )
    return app


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = STATUS.get(exc.key, 400)
    texts = texts_for(request)
    if request.url.path.startswith("/auth/"):
        return JSONResponse({"error": t(texts.lang, exc.key, **exc.params)}, status_code=status)
    return render(state(request).templates, "error.html", texts, status=status, viewer=None,
                  message=texts(exc.key, **exc.params))


async def _sign_in(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/signin", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    texts = texts_for(request)
    key = "web.not_found" if exc.status_code == 404 else "web.bad_request"
    return render(state(request).templates, "error.html", texts, status=exc.status_code,
                  viewer=None, message=texts(key))
