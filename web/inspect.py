"""暗访监督 from the dashboard: the 督导组 (and the office, as in chat) file a finding into a
unit's ledger, with a photo, through the same InspectionService as /inspect in chat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.dates import future_when
from bot.domain import Source
from bot.errors import DomainError
from bot.images import image_type
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from web.auth import _same_origin as same_origin
from web.context import Viewer, call, state, viewer_of
from web.public import FORM_OVERHEAD
from web.public import _number as number
from web.public import _photo as photo_of
from web.public import _text as text_of
from web.render import render


async def _inspector(request: Request) -> Viewer:
    viewer = await viewer_of(request)
    if not can(viewer.identity.role, Action.INSPECT):
        raise DomainError("web.denied")
    return viewer


async def _form_page(request: Request, viewer: Viewer, *, status: int = 200,
                     **context: Any) -> Response:
    services = state(request).services
    config = services.config.cases
    return render(state(request).templates, "inspect.html", viewer.texts, status=status,
                  viewer=viewer, units=await call(services.cases.units),
                  categories=[c.name for c in services.config.categories],
                  named=config.show_inspector, shown_as=config.inspector_name,
                  limit=f"{config.max_photo_bytes / 1e6:g}",
                  **{"values": _values(), "error": None, "filed": None, **context})


async def inspect_form(request: Request) -> Response:
    """The form; after filing, what was filed above it (what chat answers at the end of
    /inspect: the inspector need not see the unit's ledger, only their own finding's number)."""
    viewer = await _inspector(request)
    wanted = request.query_params.get("filed", "")
    filed = await call(state(request).services.ledger.peek, int(wanted)) \
        if number(wanted) else None
    if filed is not None and (filed.created_by != viewer.identity.user_id
                              or filed.source is not Source.INSPECTION):
        filed = None
    return await _form_page(request, viewer, filed=filed)


async def inspect(request: Request) -> Response:
    """File the finding; a refusal shows the form again, as it was filled, with the reason."""
    viewer = await _inspector(request)
    same_origin(request)
    web = state(request)
    services = web.services
    values = _values()
    try:
        _check_size(request)
        async with request.form(max_files=1, max_fields=10) as form:
            values = _read(form)
            photo = await photo_of(form, services.config.cases.max_photo_bytes)
        units = {u.id for u in await call(services.cases.units)}
        when = _check(request, values, units, viewer.lang)
        photos = [await _upload(request, viewer, photo)] if photo else []
        name = await call(services.membership.name_of, viewer.identity.user_id)
        problem = await call(
            services.inspection.file_finding, values["unit"], by=viewer.identity,
            by_name=name or str(viewer.identity.user_id), description=values["text"],
            category=values["category"], deadline=when, photos=photos)
    except DomainError as refused:
        return await _form_page(request, viewer, status=400, values=values,
                                error=viewer.texts(refused.key, **refused.params))
    return RedirectResponse(f"/inspect?filed={problem.id}", status_code=303)


def _check_size(request: Request) -> None:
    """Refuse unread only a body far over the limit: a photo a little too big is read (no more
    than the limit of it) and refused with the form kept as typed."""
    limit = state(request).services.config.cases.max_photo_bytes
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > 2 * limit + FORM_OVERHEAD:
        raise DomainError("cases.photo_too_big", limit=f"{limit / 1e6:g}")


def _read(form: FormData) -> dict[str, Any]:
    unit = text_of(form, "unit")
    return {"unit": int(unit) if number(unit) else None,
            # A form sends the textarea's line breaks as CRLF: kept as typed, one "\n" each.
            "category": text_of(form, "category"),
            "text": text_of(form, "text").replace("\r\n", "\n"),
            "deadline": text_of(form, "deadline")}


def _check(request: Request, values: dict[str, Any], units: set[int],
           lang: str) -> dt.datetime:
    """What chat asks of each answer, in one go: the unit and category from the lists, some
    text, and a 整改时限 read as chat reads it, ahead of now."""
    services = state(request).services
    if values["unit"] not in units:
        raise DomainError("web.inspect.bad_unit")
    if values["category"] not in [c.name for c in services.config.categories]:
        raise DomainError("web.inspect.bad_category")
    text = values["text"].strip()
    if not text:
        raise DomainError("item.need_text")
    if len(text) > MAX_TEXT:
        raise DomainError("file.bad_length", max=MAX_TEXT)
    return future_when(values["deadline"], services.clock.now().astimezone(services.config.tz),
                       calendar=services.calendar, lang=lang)


async def _upload(request: Request, viewer: Viewer, photo: bytes) -> str:
    """The photo, checked by its content and size, handed to the Bot API for a file id."""
    limit = state(request).services.config.cases.max_photo_bytes
    if len(photo) > limit:
        raise DomainError("cases.photo_too_big", limit=f"{limit / 1e6:g}")
    if image_type(photo) is None:
        raise DomainError("cases.photo_type")
    file_id = await state(request).evidence.upload(
        viewer.identity.user_id, photo, str(viewer.texts("web.inspect.photo_caption")))
    if file_id is None:
        raise DomainError("web.inspect.photo_unavailable")
    return file_id


def _values() -> dict[str, Any]:
    return {"unit": None, "category": "", "text": "", "deadline": ""}


ROUTES = [
    Route("/inspect", inspect_form, methods=["GET"]),
    Route("/inspect", inspect, methods=["POST"]),
]
