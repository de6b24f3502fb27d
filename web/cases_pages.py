"""The office's pages of the public's cases: the list by stage with contacts, 满意率 per unit,
and each unit's QR code for its service window."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain import Role
from bot.errors import DomainError
from bot.reports.qr import report_url, unit_qr_png
from bot.services.cases_board import Stage
from bot.texts import t
from web.context import Viewer, call, path_id, state, viewer_of
from web.render import render

# A sheet of QR codes is printed and kept: let the browser keep the images a while.
QR_CACHE = "private, max-age=3600"


async def _office(request: Request) -> Viewer:
    viewer = await viewer_of(request)
    if viewer.identity.role is not Role.OFFICE:
        raise DomainError("web.denied")
    return viewer


async def cases(request: Request) -> Response:
    """Every case at one stage (待处理 / 待签收 / 办理中 / 已办结), the contact shown, and the
    units' 满意率 with the 重点治理 flags."""
    viewer = await _office(request)
    services = state(request).services
    wanted = request.query_params.get("stage", Stage.NEW.value)
    stage = Stage(wanted) if wanted in {s.value for s in Stage} else Stage.NEW
    rows = await call(services.cases.board.listing, by=viewer.identity, stage=stage)
    counts = await call(services.cases.board.counts)
    rates = await call(services.cases.satisfaction)
    focus = {f.unit_id for f in await call(services.cases.board.focus)}
    units = [u for u in await call(services.cases.units) if u.id in counts or u.id in rates]
    return render(state(request).templates, "cases.html", viewer.texts, viewer=viewer,
                  rows=rows, stage=stage, stages=list(Stage), units=units, counts=counts,
                  rates=rates, focus=focus, now=services.clock.now())


async def qr_sheet(request: Request) -> Response:
    """Every unit's QR code, to print for its service window."""
    viewer = await _office(request)
    services = state(request).services
    web = services.config.web
    units = await call(services.cases.units)
    return render(state(request).templates, "cases_qr.html", viewer.texts, viewer=viewer,
                  units=units, ready=bool(web.public_url))


async def qr_image(request: Request) -> Response:
    """One unit's QR code as PNG: its public report page, its name under it."""
    await _office(request)
    services = state(request).services
    web = services.config.web
    unit_id = path_id(request, "unit_id")
    unit = next((u for u in await call(services.cases.units) if u.id == unit_id), None)
    if unit is None:
        raise DomainError("web.not_found")
    if not web.public_url:
        raise DomainError("web.not_configured")
    url = report_url(web.public_url, web.public_path, unit.code)
    caption = t(services.config.language, "public.qr.caption")
    png = await call(unit_qr_png, url, unit.name, caption=caption)
    return Response(png, media_type="image/png", headers={
        "cache-control": QR_CACHE, "content-disposition": f'inline; filename="qr-{unit.id}.png"'})


ROUTES = [
    Route("/cases", cases, methods=["GET"]),
    Route("/cases/qr", qr_sheet, methods=["GET"]),
    Route("/cases/qr/{unit_id:int}.png", qr_image, methods=["GET"]),
]
