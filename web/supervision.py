"""督办 from the item page: the office marks an item 黄牌 / 红牌 with a note, or lifts the mark."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain import Supervision
from bot.errors import DomainError
from bot.permissions import Action, can
from web.auth import _form as form_of
from web.auth import _same_origin as same_origin
from web.context import call, path_id, state, viewer_of


async def supervise(request: Request) -> Response:
    """Mark (yellow / red, with the note as typed) or lift (none); back to the item's page."""
    viewer = await viewer_of(request)
    if not can(viewer.identity.role, Action.SUPERVISE):
        raise DomainError("web.denied")
    same_origin(request)
    form = await form_of(request)
    services = state(request).services
    problem_id = path_id(request, "problem_id")
    by = viewer.identity
    name = await call(services.membership.name_of, by.user_id) or str(by.user_id)
    choice = form.get("mark", "")
    if choice == "none":
        await call(services.supervision.unmark, problem_id, by=by, by_name=name,
                   note=form.get("note"))
    elif choice in {m.value for m in Supervision}:
        # The leader's notice is in the outbox: the sender's next tick delivers it.
        await call(services.supervision.mark, problem_id, by=by, by_name=name,
                   mark=Supervision(choice), note=form.get("note", ""))
    else:
        raise DomainError("web.bad_request")
    return RedirectResponse(f"/item/{problem_id}", status_code=303)


ROUTES = [Route("/item/{problem_id:int}/supervise", supervise, methods=["POST"])]
