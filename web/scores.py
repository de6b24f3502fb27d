"""考核得分 for the office: each unit's score with the components that make it, and the formula."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web.context import call, state, viewer_of
from web.render import render


async def scores(request: Request) -> Response:
    """The city digest's score table, on a page: highest first, units with no items last."""
    viewer = await viewer_of(request)
    web = state(request)
    rows = await call(web.services.board.scores, viewer.identity)
    return render(web.templates, "scores.html", viewer.texts, viewer=viewer,
                  now=web.services.clock.now(), rows=rows,
                  w=web.services.config.scores.weights)


ROUTES = [Route("/scores", scores, methods=["GET"])]
