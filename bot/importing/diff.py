"""What an imported row changes in a ledger item; the bot's own export changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import Status
from bot.importing.layout import Layout, header_key, text_of
from bot.importing.rows import SETS, Incoming
from bot.reports.workbook import COLUMNS, row_values
from bot.services.problem import ProblemView

_ORDER = {Status.PENDING: 0, Status.IN_PROGRESS: 1, Status.AWAITING_SIGNOFF: 2,
          Status.SIGNED_OFF: 3}


def changes_of(old: ProblemView, row: Incoming, layout: Layout, tz: ZoneInfo,
               now: dt.datetime) -> dict[str, Any]:
    """The ledger columns this row changes: a cell as the export writes it changes nothing,
    nor does an empty cell, a status behind the ledger's, or anything of a signed-off item."""
    if old.status == Status.SIGNED_OFF:
        return {}
    rendered = _rendered(old, tz, now)
    changes: dict[str, Any] = {}
    for name in sorted(row.given):
        text = text_of(row.cells[layout.columns[name]])
        if text in rendered.get(header_key(layout.headers[layout.columns[name]]), ()):
            continue
        for column in SETS.get(name, ()):
            new, cur = row.values.get(column), getattr(old, column)
            if new is None or _same(column, new, cur):
                continue
            changes[column] = new
    if "status" in changes and _ORDER[changes["status"]] <= _ORDER[old.status]:
        del changes["status"]
    if "owner_name" in changes:
        changes["owner_user_id"] = row.values.get("owner_user_id")
    if "leader_name" in changes:
        changes["leader_user_id"] = row.values.get("leader_user_id")
    if "measures" in changes:
        changes["measures"] = list(changes["measures"])
    return changes


def _same(column: str, new: Any, cur: Any) -> bool:
    if column == "deadline" and isinstance(new, dt.datetime) and isinstance(cur, dt.datetime):
        return abs((new - cur).total_seconds()) < 60
    if column == "measures":
        return tuple(new) == tuple(cur)
    return bool(new == cur)


def _rendered(old: ProblemView, tz: ZoneInfo, now: dt.datetime) -> dict[str, set[str]]:
    """The export's cells of an item by header, with and without the overdue mark."""
    plain = row_values(old, 0, tz=tz)
    marked = row_values(old, 0, tz=tz, now=now) if old.overdue(now) else plain
    return {key: {str(a).strip(), str(b).strip()}
            for key, a, b in zip(_EXPORT_KEYS, plain, marked, strict=True)}


_EXPORT_KEYS = tuple(header_key(column) for column in COLUMNS)
