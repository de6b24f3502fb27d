"""Files of a page's scope: the ledger workbook, the 工作简报, and evidence through the bot."""

from __future__ import annotations

import asyncio
import functools
import importlib
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.errors import DomainError
from bot.reports.workbook import write_xlsx
from bot.texts import t
from web.context import call, path_id, state, viewer_of
from web.evidence import image_type

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@functools.cache
def brief_writer() -> Callable[..., Any] | None:
    """bot.reports.brief.write_brief when this build has it (the Word 工作简报), else None."""
    try:
        module = importlib.import_module("bot.reports.brief")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.reports.brief":
            raise
        return None
    writer = getattr(module, "write_brief", None)
    return writer if callable(writer) else None


def _attachment(content: bytes, name: str, media_type: str) -> Response:
    # RFC 6266: a plain ASCII name for old clients, the real (Chinese) one in filename*.
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=media_type,
                    headers={"content-disposition": disposition})


def _unit_of(request: Request) -> int | None:
    return path_id(request, "unit_id") if "unit_id" in request.path_params else None


async def workbook(request: Request) -> Response:
    """The 问题台账 of the page's scope as .xlsx: one unit, or every unit for the office."""
    viewer = await viewer_of(request)
    services = state(request).services
    unit_id = _unit_of(request)
    scope = await call(services.board.export_scope, viewer.identity, unit_id)
    lang, tz, now = viewer.lang, services.config.tz, services.clock.now()
    everything = scope is None
    title = t(lang, "ledger.title.all" if everything else "ledger.title.unit")
    buffer = io.BytesIO()

    def build() -> None:
        rows = services.board.export_rows(viewer.identity, unit_id)
        units = ([(u.code, u.name) for u in services.membership.list_units()]
                 if everything else None)
        write_xlsx(rows, buffer, tz=tz, now=now, per_unit=everything, title=title, units=units,
                   papers=services.config.papers, colours=services.ladder.colours)

    # A large ledger takes seconds to write; other requests are answered meanwhile.
    await asyncio.to_thread(build)
    name = t(lang, "file.ledger_name", scope=scope.code if scope else t(lang, "file.scope_all"),
             date=f"{now.astimezone(tz):%Y%m%d}")
    return _attachment(buffer.getvalue(), name, XLSX)


async def brief(request: Request) -> Response:
    """The 工作简报 of the page's scope as .docx, when this build can write one."""
    viewer = await viewer_of(request)
    services = state(request).services
    unit_id = _unit_of(request)
    scope = await call(services.board.export_scope, viewer.identity, unit_id)
    writer = brief_writer()
    if writer is None:
        raise DomainError("web.brief_missing")
    buffer = io.BytesIO()
    await asyncio.to_thread(writer, services.digest, buffer, unit_id=unit_id, lang=viewer.lang)
    now = services.clock.now().astimezone(services.config.tz)
    name = t(viewer.lang, "web.brief_name",
             scope=scope.code if scope else t(viewer.lang, "file.scope_all"),
             date=f"{now:%Y%m%d}")
    return _attachment(buffer.getvalue(), name, DOCX)


async def evidence(request: Request) -> Response:
    """An item's evidence, fetched by the server from the Bot API; images inline, the rest
    as downloads."""
    viewer = await viewer_of(request)
    web = state(request)
    file_id = await call(web.services.board.evidence, viewer.identity,
                         path_id(request, "problem_id"), request.path_params["index"])
    content = await web.evidence.fetch(file_id)
    if content is None:
        raise DomainError("web.evidence_missing")
    kind = image_type(content)
    headers = {"cache-control": "private, max-age=3600"}
    if kind is None:
        headers["content-disposition"] = "attachment; filename=\"evidence.bin\""
    return Response(content, media_type=kind or "application/octet-stream", headers=headers)


ROUTES = [
    Route("/export/city.xlsx", workbook, methods=["GET"]),
    Route("/export/unit/{unit_id:int}.xlsx", workbook, methods=["GET"]),
    Route("/export/city.docx", brief, methods=["GET"]),
    Route("/export/unit/{unit_id:int}.docx", brief, methods=["GET"]),
    Route("/item/{problem_id:int}/evidence/{index:int}", evidence, methods=["GET"]),
]
