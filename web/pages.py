"""The pages: 全市总览, a unit's ledger, one's own items, one item; each checks on the server."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.domain import Status, Track
from bot.permissions import Action, can
from bot.services.board import STATUS_GROUPS, CityBoard, Due, ItemFilter
from bot.services.digest import Ranked
from bot.services.stats import rate_text
from web import chart
from web.context import Viewer, call, path_id, state, viewer_of
from web.files import brief_writer
from web.render import render

# 全市总览's columns, each a sort key (larger first, but the name and the rank).
SORTS: dict[str, Any] = {
    "rank": lambda r: (r.rank is None, r.rank or 0, r.stats.code),
    "name": lambda r: r.stats.code,
    "total": lambda r: (-r.stats.total, r.stats.code),
    "fixed": lambda r: (-r.stats.fixed, r.stats.code),
    "rate": lambda r: (r.stats.rate_key(), r.stats.code),
    "signed": lambda r: (-r.stats.signed, r.stats.code),
    "overdue": lambda r: (-r.stats.overdue, r.stats.code),
}


def _page(request: Request, viewer: Viewer, name: str, **context: Any) -> Response:
    web = state(request)
    return render(web.templates, name, viewer.texts, viewer=viewer,
                  now=web.services.clock.now(), **context)


def _cursor(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


async def home(request: Request) -> Response:
    """Send each person to where their role starts."""
    viewer = await viewer_of(request)
    where, unit_id = state(request).services.board.home(viewer.identity)
    target = f"/unit/{unit_id}" if where == "unit" else f"/{where}"
    return RedirectResponse(target, status_code=303)


async def city(request: Request) -> Response:
    """全市总览: every unit's figures, ranked, sortable, with the trend chart."""
    viewer = await viewer_of(request)
    services = state(request).services
    # The table and the trend are two scans of the ledger: run them side by side.
    (ranked, totals), trend = await asyncio.gather(
        call(services.board.city_units, viewer.identity),
        call(services.board.city_trend, viewer.identity))
    board = CityBoard(ranked, trend, totals, services.clock.now())
    sort = request.query_params.get("sort", "rank")
    rows: list[Ranked] = sorted(board.ranked, key=SORTS.get(sort, SORTS["rank"]))
    return _page(request, viewer, "city.html", board=board, rows=rows, sort=sort,
                 chart=chart.chart(board.trend), brief=_has_brief())


async def scores(request: Request) -> Response:
    """考核得分: the city digest's score table, every component in a column, the formula above."""
    viewer = await viewer_of(request)
    services = state(request).services
    rows = await call(services.board.scores, viewer.identity)
    return _page(request, viewer, "scores.html", rows=rows, w=services.config.scores.weights,
                 rate=rate_text)


async def unit(request: Request) -> Response:
    """A unit's counts (the digest's) and its items, filtered and paged."""
    viewer = await viewer_of(request)
    flt = ItemFilter.parse(dict(request.query_params))
    board = await call(state(request).services.board.unit, viewer.identity,
                       path_id(request, "unit_id"), flt, after=_cursor(request, "after"),
                       before=_cursor(request, "before"))
    colours = await call(state(request).services.ladder.colours, board.page.items)
    return _page(request, viewer, "unit.html", board=board, flt=flt, page=board.page,
                 choices=_choices(), brief=_has_brief(), here=f"/unit/{board.unit.id}",
                 colours=colours)


async def mine(request: Request) -> Response:
    """A person's own items: owned or filed by them."""
    viewer = await viewer_of(request)
    flt = ItemFilter.parse(dict(request.query_params))
    page = await call(state(request).services.board.mine, viewer.identity, flt,
                      after=_cursor(request, "after"), before=_cursor(request, "before"))
    colours = await call(state(request).services.ladder.colours, page.items)
    return _page(request, viewer, "mine.html", flt=flt, page=page, choices=_choices(),
                 here="/mine", colours=colours)


async def item(request: Request) -> Response:
    """One item: every field, the measures, the history and the evidence."""
    viewer = await viewer_of(request)
    problem, history = await call(state(request).services.board.item, viewer.identity,
                                  path_id(request, "problem_id"))
    services = state(request).services
    now = services.clock.now()
    colour = services.ladder.colour_of(problem, history)
    return _page(request, viewer, "item.html", p=problem, history=history,
                 overdue=problem.overdue(now), colour=colour,
                 supervise=can(viewer.identity.role, Action.SUPERVISE)
                 and problem.status is not Status.SIGNED_OFF)


async def health(request: Request) -> Response:
    """For the reverse proxy's health check."""
    return PlainTextResponse("ok")


def _choices() -> dict[str, Any]:
    return {"status": list(STATUS_GROUPS), "track": [t.value for t in Track],
            "due": [d.value for d in Due], "statuses": list(Status)}


def _has_brief() -> bool:
    return brief_writer() is not None


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/city", city, methods=["GET"]),
    Route("/scores", scores, methods=["GET"]),
    Route("/unit/{unit_id:int}", unit, methods=["GET"]),
    Route("/mine", mine, methods=["GET"]),
    Route("/item/{problem_id:int}", item, methods=["GET"]),
    Route("/healthz", health, methods=["GET"]),
]
