"""The audit trail: every recorded change to the ledger, oldest first, filtered by unit and time."""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import io
import itertools
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import Clock
from bot.dates import END_OF_DAY, parse_when
from bot.domain import EventKind, Status
from bot.errors import DomainError
from bot.services.problem import event_deadline
from storage.db import Database
from storage.ledger import Problem, ProblemEvent, WithdrawnProblem
from storage.models import Unit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    unit_code: str
    unit_name: str
    number: str
    actor_id: int
    actor_name: str
    kind: EventKind
    from_status: Status | None
    to_status: Status | None
    note: str | None
    # The deadline the change set (a 驳回's new 整改时限), when it set one.
    deadline: dt.datetime | None = None


class AuditService:
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    def read_since(self, text: str) -> dt.datetime:
        """Read `--since`: ISO date or time, or a phrase (上周一, 昨天); a day starts at 00:00."""
        now = self.clock.now().astimezone(self.tz)
        when: dt.datetime | None
        try:
            when = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            when = parse_when(text, now)
            # A phrase naming only a day means that day's end for deadlines; here its start.
            if when is not None and when.time() == END_OF_DAY:
                when = when.replace(hour=0, minute=0)
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=self.tz)
        if when is None:
            raise DomainError("audit.bad_since", text=text)
        if when > now:
            raise DomainError("audit.future_since", text=text,
                              when=when.astimezone(self.tz).strftime("%Y-%m-%d %H:%M"))
        return when

    def entries(
        self, *, unit_id: int | None = None, since: dt.datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Stream the recorded changes, oldest first (ties in the order they were written)."""
        query = (
            select(ProblemEvent.id, ProblemEvent.at, Unit.code, Unit.name, Problem.number,
                   ProblemEvent.actor_id, ProblemEvent.actor_name, ProblemEvent.kind,
                   ProblemEvent.from_status, ProblemEvent.to_status, ProblemEvent.note,
                   ProblemEvent.details)
            .join(Problem, Problem.id == ProblemEvent.problem_id)
            .join(Unit, Unit.id == Problem.unit_id)
            .order_by(ProblemEvent.at, ProblemEvent.id)
        )
        if unit_id is not None:
            query = query.where(Problem.unit_id == unit_id)
        if since is not None:
            query = query.where(ProblemEvent.at >= since)
        if limit is not None:
            query = query.limit(limit)
        withdrawn = self._withdrawn(unit_id, since)

        def kept() -> Generator[AuditEntry]:
            with self.db.read() as conn, closing(
                    conn.execution_options(yield_per=2000).execute(query)) as result:
                for row in result:
                    (event_id, at, code, name, number, actor_id, actor_name, kind, before,
                     after, note, details) = row
                    yield AuditEntry(event_id, at, code, name, number, actor_id, actor_name,
                                     kind, before, after, note, event_deadline(details))

        # Closed as soon as the limit is reached: a server-side cursor is not left to the GC.
        with closing(kept()) as rows:
            merged = heapq.merge(rows, withdrawn, key=lambda e: (e.at, e.id))
            yield from itertools.islice(merged, limit)

    def _withdrawn(self, unit_id: int | None, since: dt.datetime | None) -> list[AuditEntry]:
        """The changes to items since withdrawn (撤回), from their kept copies, and each
        withdrawal itself: the trail keeps what the ledger no longer holds."""
        query = (select(WithdrawnProblem, Unit.code, Unit.name)
                 .join(Unit, Unit.id == WithdrawnProblem.unit_id))
        if unit_id is not None:
            query = query.where(WithdrawnProblem.unit_id == unit_id)
        out: list[AuditEntry] = []
        with self.db.reading() as s:
            for gone, code, name in s.execute(query):
                kept = gone.snapshot
                for e in kept.get("events", ()):
                    out.append(AuditEntry(
                        int(e["id"]), dt.datetime.fromisoformat(e["at"]), code, name,
                        gone.number, int(e["actor_id"]), e["actor_name"], EventKind(e["kind"]),
                        Status(e["from_status"]) if e.get("from_status") else None,
                        Status(e["to_status"]) if e.get("to_status") else None, e.get("note"),
                        event_deadline(e.get("details"))))
                out.append(AuditEntry(
                    max((int(e["id"]) for e in kept.get("events", ())), default=0),
                    gone.withdrawn_at, code, name, gone.number, gone.withdrawn_by,
                    gone.withdrawn_name, EventKind.WITHDRAWN, Status(kept["status"]), None,
                    None))
        return sorted((e for e in out if since is None or e.at >= since),
                      key=lambda e: (e.at, e.id))


# -- rendering (the CLI prints these) -------------------------------------------------------

HEADER = ("time", "unit", "number", "actor", "actor_id", "kind", "from", "to", "note",
          "deadline")


def _cells(e: AuditEntry, tz: ZoneInfo, labels: dict[str, str]) -> list[str]:
    def status(s: Status | None) -> str:
        return labels.get(f"status.{s.value}", s.value) if s else ""

    return [
        f"{e.at.astimezone(tz):%Y-%m-%d %H:%M}", e.unit_code, e.number, e.actor_name,
        str(e.actor_id) if e.actor_id else "-", labels.get(f"event.{e.kind.value}", e.kind.value),
        status(e.from_status), status(e.to_status), e.note or "",
        f"{e.deadline.astimezone(tz):%Y-%m-%d %H:%M}" if e.deadline else "",
    ]


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def render_text(
    entries: Iterable[AuditEntry], tz: ZoneInfo, labels: dict[str, str], *,
    note_width: int = 60,
) -> Iterator[str]:
    """Readable columns: time, unit, number, actor (id), kind, status change, note."""
    rows = []
    for e in entries:
        cells = _cells(e, tz, labels)
        change = f"{cells[6]} → {cells[7]}" if cells[6] else cells[7]
        note = " ".join(cells[8].split())
        if cells[9]:
            note = labels.get("audit.deadline", "{deadline}").format(deadline=cells[9]) + note
        if width(note) > note_width:
            while width(note) > note_width - 1:
                note = note[:-1]
            note += "…"
        rows.append([cells[0], cells[1], cells[2], f"{cells[3]} ({cells[4]})", cells[5],
                     change, note])
    if not rows:
        return
    widths = [max(width(r[i]) for r in rows) for i in range(6)]
    for r in rows:
        yield "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(r[:6])) + "  " + r[6]


def render_csv(
    entries: Iterable[AuditEntry], tz: ZoneInfo, labels: dict[str, str]
) -> Iterator[str]:
    """One CSV line at a time, with a header; the note in full."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for e in entries:
        writer.writerow(_cells(e, tz, labels))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
