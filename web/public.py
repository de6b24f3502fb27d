"""The public pages, no sign-in: report a problem, follow it by its 查询码, rate the result."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain import Rating, Source
from bot.errors import DomainError
from web.context import call, client_of, state, texts_for
from web.guard import Attempts
from web.render import render

# Room for the form's text fields around the photo in one request.
FORM_OVERHEAD = 64_000


def challenge(request: Request) -> str:
    """A form's token: when it was handed out, signed. No third party, no cookie."""
    when = str(int(state(request).services.clock.now().timestamp()))
    return f"{when}.{_sign(request, when)}"


def check_challenge(request: Request, token: str) -> None:
    """Refuse a form sent back too soon (a script) or too late (a kept copy), or forged."""
    when, _, signature = token.partition(".")
    if not (when.isascii() and when.isdigit() and len(when) < 12
            and hmac.compare_digest(signature, _sign(request, when))):
        raise DomainError("cases.challenge")
    limits = state(request).services.config.cases
    age = state(request).services.clock.now().timestamp() - int(when)
    if not limits.challenge_min_seconds <= age <= limits.challenge_max_seconds:
        raise DomainError("cases.challenge")


def _sign(request: Request, when: str) -> str:
    secret = state(request).services.config.web_secret
    if not secret:
        raise DomainError("web.not_configured")
    return hmac.new(secret.encode(), f"public-form:{when}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def _page(request: Request, name: str, *, status: int = 200, **context: Any) -> Response:
    web = state(request)
    path = web.services.config.web.public_path
    return render(web.templates, name, texts_for(request), status=status, viewer=None,
                  base=f"/{path}", token=challenge(request), **context)


def _limit(attempts: Attempts | None, request: Request) -> None:
    if attempts is not None:
        attempts.check(client_of(request))


def _check_size(request: Request) -> None:
    limits = state(request).services.config.cases
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > limits.max_photo_bytes + FORM_OVERHEAD:
        raise DomainError("cases.photo_too_big", limit=f"{limits.max_photo_bytes / 1e6:g}")


async def _photo(form: FormData, limit: int) -> bytes | None:
    upload = form.get("photo")
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read(limit + 1)
    return data or None


def _number(value: str) -> bool:
    # ASCII digits only: "²" and "٣" are digits to str.isdigit, not to int().
    return value.isascii() and value.isdigit() and len(value) < 10


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def report_form(request: Request) -> Response:
    """The form: 反映对象 from the list (or ?unit=CODE), 类型, 事项内容, photo, contact or 匿名."""
    units = await call(state(request).services.cases.units)
    code = request.query_params.get("unit", "")
    chosen = next((u.id for u in units if u.code == code), None)
    return _page(request, "public_report.html", units=units, kinds=list(_KINDS),
                 values=_values(unit=chosen))


async def report(request: Request) -> Response:
    """Register the case and show its 查询码; a refusal shows the form again, as it was filled."""
    web = state(request)
    cases = web.services.cases
    units = await call(cases.units)
    values = _values()
    try:
        _limit(web.reports, request)
        _check_size(request)
        # The form as a context: an uploaded photo's spooled file is closed whatever happens.
        async with request.form(max_files=1, max_fields=20) as form:
            unit = _text(form, "unit")
            values = {**values, "unit": int(unit) if _number(unit) else None,
                      "kind": _text(form, "kind"), "text": _text(form, "text"),
                      "anonymous": bool(_text(form, "anonymous")),
                      "contact_name": _text(form, "contact_name"),
                      "contact_phone": _text(form, "contact_phone")}
            check_challenge(request, _text(form, "token"))
            if values["unit"] not in {u.id for u in units}:
                raise DomainError("cases.unknown_unit")
            if web.unit_reports is not None:
                web.unit_reports.check(f"unit:{values['unit']}")
            photo = await _photo(form, web.services.config.cases.max_photo_bytes)
        submitted = await call(
            cases.submit, unit_id=values["unit"], kind=values["kind"], text=values["text"],
            photo=photo, contact_name=values["contact_name"],
            contact_phone=values["contact_phone"], anonymous=values["anonymous"])
    except DomainError as refused:
        status = 429 if refused.key in ("cases.too_many", "cases.too_many_unit") else 400
        return _page(request, "public_report.html", status=status, units=units,
                     kinds=list(_KINDS), values=values,
                     error=texts_for(request)(refused.key, **refused.params))
    return _page(request, "public_done.html", submitted=submitted)


async def track_form(request: Request) -> Response:
    """Ask for the 查询码."""
    return _page(request, "public_track.html", case=None, code="")


async def track(request: Request) -> Response:
    """What became of a case; when its item was signed off, the rating form."""
    web = state(request)
    form = await request.form(max_files=0, max_fields=10)
    code = _text(form, "code")[:32]
    try:
        _limit(web.lookups, request)
    except DomainError as refused:
        return _page(request, "public_track.html", status=429, case=None, code=code,
                     error=texts_for(request)(refused.key))
    case = await call(web.services.cases.track, code) if code.strip() else None
    return _shown(request, code, case)


async def rate(request: Request) -> Response:
    """Record the rating; 不满意 or 非常不满意 reopens the item (复号)."""
    web = state(request)
    form = await request.form(max_files=0, max_fields=10)
    code = _text(form, "code")[:32]
    message = reopened = None
    try:
        _limit(web.lookups, request)
        check_challenge(request, _text(form, "token"))
        rated = await call(web.services.cases.rate, code, _text(form, "rating"),
                           _text(form, "comment"))
        reopened = rated.reopened
    except DomainError as refused:
        message = texts_for(request)(refused.key, **refused.params)
    case = await call(web.services.cases.track, code)
    return _shown(request, code, case, error=message, reopened=reopened,
                  status=400 if message else 200)


def _shown(request: Request, code: str, case: Any, *, status: int = 200,
           **context: Any) -> Response:
    if case is None:
        return _page(request, "public_track.html", status=404, case=None, code=code,
                     error=texts_for(request)("public.track.unknown"))
    return _page(request, "public_track.html", status=status, case=case, code=case.code,
                 ratings=list(Rating), **context)


def _values(**given: Any) -> dict[str, Any]:
    """The form's fields as shown: empty, or as the person filled them."""
    return {"unit": None, "kind": Source.PUBLIC.value, "text": "", "anonymous": True,
            "contact_name": "", "contact_phone": "", **given}


_KINDS = (Source.PUBLIC.value, Source.BUSINESS.value)

ROUTES = [
    Route("/report", report_form, methods=["GET"]),
    Route("/report", report, methods=["POST"]),
    Route("/track", track_form, methods=["GET"]),
    Route("/track", track, methods=["POST"]),
    Route("/rate", rate, methods=["POST"]),
]
