"""An import's preview as text, and its error list as a workbook the unit can fix and resend."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook

from bot.domain import Status
from bot.reports.workbook import STATUS_NAMES, TRACK_NAMES, sheet_name
from bot.services.importer import ImportPreview
from bot.texts import fragment, t

_SHOWN_ERRORS = 10
_SHORT = 30


def _short(text: str | None) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def preview_text(lang: str, p: ImportPreview, tz: ZoneInfo) -> str:
    """What the import will do: counts, the first rows as stored, errors, unknown columns."""
    key = "ledger_import.done" if p.done else "ledger_import.summary"
    lines = [t(lang, key, name=p.name, sheet=p.sheet, header=p.header_row, added=p.added,
               updated=p.updated, unchanged=p.unchanged, errors=len(p.error_rows))]
    if p.done:
        return lines[0]
    if p.filled_on is not None:
        lines.append(t(lang, "ledger_import.filled_on", date=f"{p.filled_on:%Y-%m-%d}"))
    if p.sample:
        lines.append(t(lang, "ledger_import.sample_title"))
        for row in p.sample:
            lines.append(t(lang, "ledger_import.sample", row=row["row"],
                           description=_short(row.get("description")),
                           owner=row.get("owner_name") or "—",
                           deadline=_deadline(row, tz), status=_status(row)))
    if p.overdue:
        rows = "、".join(map(str, p.overdue[:20])) + ("…" if len(p.overdue) > 20 else "")
        lines.append(t(lang, "ledger_import.overdue", count=len(p.overdue), rows=rows))
    if p.unknown:
        lines.append(t(lang, "ledger_import.unknown", columns="、".join(p.unknown)))
    for e in p.errors[:_SHOWN_ERRORS]:
        lines.append(t(lang, "ledger_import.error_line", row=e.row, column=e.column,
                       reason=fragment(lang, e.key, **e.params)))
    if len(p.errors) > _SHOWN_ERRORS:
        lines.append(t(lang, "ledger_import.more_errors", count=len(p.errors) - _SHOWN_ERRORS))
    return "\n".join(lines)


def _deadline(row: dict[str, object], tz: ZoneInfo) -> str:
    at = row.get("deadline")
    if isinstance(at, dt.datetime):
        return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"
    track = row.get("track")
    return TRACK_NAMES.get(track, "—") if isinstance(track, str) else "—"  # type: ignore[call-overload]


def _status(row: dict[str, object]) -> str:
    status = row.get("status")
    return STATUS_NAMES[Status(status)] if isinstance(status, str) else "—"


def error_book(lang: str, p: ImportPreview) -> bytes:
    """The rows that could not be imported, as they were, with a 错误原因 column."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for e in p.errors:
        reasons[e.row].append(f"{e.column}：{fragment(lang, e.key, **e.params)}")
    out = io.BytesIO()
    wb = Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                        "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet_name(p.sheet, set(), fallback="Sheet1"))
    bold = wb.add_format({"bold": True})
    headers = [*p.headers, t(lang, "ledger_import.error_column")]
    for col, name in enumerate(headers):
        ws.write_string(0, col, name, bold)
    for r, (number, cells) in enumerate(p.error_rows, 1):
        for col, value in enumerate(cells):
            if isinstance(value, dt.datetime | dt.date):
                ws.write_string(r, col, f"{value:%Y-%m-%d}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, col, value)
            elif value is not None:
                ws.write_string(r, col, str(value))
        ws.write_string(r, len(p.headers), "；".join(reasons[number]))
    wb.close()
    return out.getvalue()
