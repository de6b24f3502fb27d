"""Importing a unit's own Excel ledger: a preview of what would change, then one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.clock import Clock
from bot.config import Config
from bot.dates import WorkdayCalendar
from bot.domain import OPEN, EventKind, Role, Status
from bot.errors import DomainError
from bot.importing.diff import changes_of
from bot.importing.layout import Layout, find_layout, text_of
from bot.importing.rows import SETS, Incoming, Reading, data_rows, read_row
from bot.importing.sheets import Cell, Sheet, read_book
from bot.importing.values import read_day
from bot.permissions import Action, can
from bot.services.ledger import LedgerService, reserve_numbers
from bot.services.membership import Identity
from bot.services.plans import DeadlinePlanner
from bot.services.problem import ProblemView
from bot.services.supervision import requires_approval
from storage.db import Database
from storage.ledger import Problem, ProblemEvent
from storage.models import Member, Unit, User

_SAMPLE = 3
_UNITS = select(Unit.id, Unit.code, Unit.name)
_INSERT = insert(Problem).returning(Problem.id, sort_by_parameter_order=True)


# A unit as the import needs it: a row of (id, code, name).
_Unit = Any


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    key: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do (or, with `done`, did)."""

    name: str
    sha256: str
    sheet: str
    added: int
    updated: int
    unchanged: int
    errors: tuple[RowError, ...]
    error_rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (row number, the row's cells)
    headers: tuple[str, ...]
    overdue: tuple[int, ...]  # rows imported open with a deadline already past
    unknown: tuple[str, ...]
    sample: tuple[dict[str, Any], ...]  # the first rows as they will be stored
    header_row: int
    filled_on: dt.date | None
    done: bool = False
    numbers: tuple[str, ...] = ()  # with `done`: the numbers given to added rows


@dataclass
class _Plan:
    adds: list[tuple[_Unit, Incoming]]
    updates: list[tuple[ProblemView, dict[str, Any], Incoming]]
    unchanged: int
    bad: list[Incoming]


class ImportService:
    def __init__(self, db: Database, clock: Clock, config: Config, calendar: WorkdayCalendar,
                 planner: DeadlinePlanner, ledger: LedgerService) -> None:
        self.db = db
        self.clock = clock
        self.config = config
        self.calendar = calendar
        self.planner = planner
        self.ledger = ledger

    def preview(self, data: bytes, name: str, *, by: Identity | None, unit: str | None = None,
                sheet: str | None = None) -> ImportPreview:
        """Read the file and tell what importing it would add, update and refuse; write nothing."""
        with self.db.read() as conn:
            return self._work(conn, data, name, by, unit, sheet, write=None)

    def run(self, data: bytes, name: str, *, by: Identity | None, by_name: str,
            unit: str | None = None, sheet: str | None = None) -> ImportPreview:
        """Import the file's good rows in one transaction, with events and reminders."""
        with self.db.unit() as uow:
            return self._work(uow.conn, data, name, by, unit, sheet, write=by_name)

    # -- reading ---------------------------------------------------------------------------------

    def _work(self, conn: Connection, data: bytes, name: str, by: Identity | None,
              unit: str | None, sheet: str | None, write: str | None) -> ImportPreview:
        target = self._target(conn, by, unit)
        chosen = self._sheet(read_book(data, name), name, sheet)
        layout = find_layout(chosen)
        if layout is None:
            raise DomainError("ledger_import.no_header", name=name, sheet=chosen.name)
        rows = list(data_rows(chosen, layout))
        if not rows:
            raise DomainError("ledger_import.empty", name=name)
        limit = self.config.importing.max_rows
        if len(rows) > limit:
            raise DomainError("ledger_import.too_many", rows=len(rows), max=limit)
        now = self.clock.now()
        tz = self.config.tz
        local = now.astimezone(tz)
        filled = read_day(layout.filled_on, local) if layout.filled_on is not None else None
        ref = dt.datetime.combine(filled, dt.time(12), tzinfo=tz) if filled else local
        reading = Reading(tz, ref, self.calendar, now)
        incoming = [read_row(chosen, layout, n, cells, reading) for n, cells in rows]
        plan = self._plan(conn, incoming, layout, target)
        sha = hashlib.sha256(data).hexdigest()
        numbers: tuple[str, ...] = ()
        if write is not None:
            numbers = self._write(conn, plan, by, write, name, sha)
        errors = tuple(RowError(r.row, column, key, params)
                       for r in plan.bad for column, key, params in r.errors)
        shown = [r for _, r in plan.adds] + [r for _, _, r in plan.updates]
        shown.sort(key=lambda r: r.row)
        return ImportPreview(
            name=name, sha256=sha, sheet=chosen.name, added=len(plan.adds),
            updated=len(plan.updates), unchanged=plan.unchanged, errors=errors,
            error_rows=tuple((r.row, tuple(r.cells)) for r in plan.bad), headers=layout.headers,
            overdue=tuple(r.row for r in shown if r.overdue), unknown=layout.unknown,
            sample=tuple({"row": r.row, **r.values} for r in shown[:_SAMPLE]),
            header_row=layout.header_row + 1, filled_on=filled, done=write is not None,
            numbers=numbers,
        )

    def _target(self, conn: Connection, by: Identity | None, unit: str | None) -> _Unit | None:
        """The unit rows go to: the one named, or the importer's own; the office may leave it
        to each row's 责任单位 (or the sheet's 填报单位)."""
        if by is not None and (not can(by.role, Action.UPDATE_UNIT_ITEMS)
                               or (by.role is not Role.OFFICE and by.unit is None)):
            raise DomainError("ledger_import.denied")
        if by is not None and by.role is not Role.OFFICE:
            assert by.unit is not None
            if unit and unit not in (by.unit.code, by.unit.name):
                raise DomainError("ledger_import.denied")
            unit = by.unit.code
        if not unit:
            return None
        found = conn.execute(_UNITS.where((Unit.code == unit) | (Unit.name == unit))).first()
        if found is None:
            raise DomainError("unit.unknown", code=unit)
        return found

    @staticmethod
    def _sheet(sheets: list[Sheet], name: str, wanted: str | None) -> Sheet:
        if wanted is not None:
            for sheet in sheets:
                if sheet.name == wanted:
                    return sheet
            raise DomainError("ledger_import.no_sheet", sheet=wanted)
        usable = [s for s in sheets if find_layout(s) is not None]
        if len(usable) > 1:
            raise DomainError("ledger_import.which_sheet", name=name,
                              sheets="、".join(s.name for s in usable),
                              choices=tuple(s.name for s in usable))
        if not usable:
            if not any(any(text_of(c) for c in row) for s in sheets for row in s.rows):
                raise DomainError("ledger_import.empty", name=name)
            raise DomainError("ledger_import.no_header", name=name, sheet=sheets[0].name)
        return usable[0]

    # -- matching --------------------------------------------------------------------------------

    def _plan(self, conn: Connection, rows: list[Incoming], layout: Layout,
              target: _Unit | None) -> _Plan:
        units = list(conn.execute(_UNITS))
        by_key = {u.code: u for u in units} | {u.name: u for u in units}
        fallback = target or (by_key.get(layout.unit_line) if layout.unit_line else None)
        existing: dict[int, dict[str, ProblemView]] = {}
        refs: dict[int, dict[str, int]] = {}
        people: dict[int, dict[str, int]] = {}
        plan = _Plan([], [], 0, [])
        seen: dict[str, int] = {}
        now = self.clock.now()
        for row in rows:
            unit = fallback if target is not None else (by_key.get(row.unit) or fallback)
            if unit is None:
                row.error(layout.headers[layout.columns["unit"]] if "unit" in layout.columns
                          else "责任单位", "ledger_import.no_unit", value=row.unit)
            if row.errors or unit is None:
                plan.bad.append(row)
                continue
            if unit.id not in existing:
                existing[unit.id], refs[unit.id] = self._existing(conn, unit.id)
                people[unit.id] = _names(conn, unit.id)
            views = existing[unit.id]
            old = views.get(row.number) or views.get(f"#{refs[unit.id].get(row.ref)}")
            key = f"{unit.id}:{old.id}" if old is not None else f"{unit.id}:{row.ref}"
            if key in seen:
                row.error(layout.headers[layout.columns["number"]] if row.number
                          else layout.headers[layout.columns["description"]],
                          "ledger_import.duplicate", first=seen[key])
                plan.bad.append(row)
                continue
            seen[key] = row.row
            names = people[unit.id]
            row.values["owner_user_id"] = names.get(row.values.get("owner_name") or "")
            row.values["leader_user_id"] = names.get(row.values.get("leader_name") or "")
            if old is None:
                plan.adds.append((unit, row))
                current = row.values
            else:
                changes = changes_of(old, row, layout, self.config.tz, now)
                if not changes:
                    plan.unchanged += 1
                    continue
                held = {c for c in changes if requires_approval(old, c)}
                if held:  # 督办: the deadline, track and owner move by an approved request
                    column = next(n for n in sorted(row.given) if held & set(SETS.get(n, ())))
                    row.error(layout.headers[layout.columns[column]],
                              "ledger_import.needs_approval", number=old.number)
                    plan.bad.append(row)
                    continue
                plan.updates.append((old, changes, row))
                current = {**dataclasses.asdict(old), **changes}
            deadline = current.get("deadline")
            row.overdue = current.get("status") in OPEN and deadline is not None and deadline < now
        return plan

    def _existing(self, conn: Connection, unit_id: int) -> tuple[dict[str, ProblemView],
                                                                 dict[str, int]]:
        views: dict[str, ProblemView] = {}
        for v in self.ledger.iter_rows(unit_id=unit_id, conn=conn):
            views[v.number] = views[f"#{v.id}"] = v
        refs: dict[str, int] = {
            ref: pid for ref, pid in conn.execute(select(Problem.source_ref, Problem.id).where(
                Problem.unit_id == unit_id, Problem.source_ref.is_not(None))) if ref}
        return views, refs

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, conn: Connection, plan: _Plan, by: Identity | None, by_name: str,
               name: str, sha: str) -> tuple[str, ...]:
        now = self.clock.now()
        actor = by.user_id if by is not None else 0
        note = f"导入 {name} sha256:{sha[:16]}"
        numbers: list[str] = []
        groups: dict[int, tuple[_Unit, list[Incoming]]] = {}
        for unit, row in plan.adds:
            groups.setdefault(unit.id, (unit, []))[1].append(row)
        planned = []
        for unit, rows in groups.values():
            first = reserve_numbers(conn, unit.id, len(rows))
            values = []
            for seq, row in enumerate(rows, first):
                v = row.values
                signed = v["status"] == Status.SIGNED_OFF
                values.append({
                    **{k: v.get(k) for k in _STORED}, "unit_id": unit.id, "seq": seq,
                    "number": f"{unit.code}-{seq:04d}", "evidence": [], "tags": [],
                    "rework_count": 0, "signed_off_at": now if signed else None,
                    "reviewer_name": by_name[:100] if signed else None,
                    "source_ref": row.ref, "created_by": actor, "created_at": now,
                    "updated_at": now,
                })
            ids = conn.execute(_INSERT, values).scalars().all()
            conn.execute(insert(ProblemEvent), [
                {"problem_id": pid, "at": now, "actor_id": actor, "actor_name": by_name[:200],
                 "kind": EventKind.FILED, "from_status": None, "to_status": v["status"],
                 "note": note + ("，导入时已销号" if v["status"] == Status.SIGNED_OFF else ""),
                 "attachment": None, "details": _details(name, sha, row.row)}
                for pid, v, row in zip(ids, values, rows, strict=True)])
            for pid, v in zip(ids, values, strict=True):
                numbers.append(v["number"])
                fresh = _view(pid, unit, v)
                planned.extend(self.planner.plan(conn, fresh))
        if planned:
            self.planner.notify.plan(planned, conn=conn)
        for old, changes, row in plan.updates:
            if changes.get("status") == Status.SIGNED_OFF:
                changes |= {"signed_off_at": now, "reviewer_name": by_name[:100]}
            changes["updated_at"] = now
            conn.execute(update(Problem).where(Problem.id == old.id).values(**changes))
            conn.execute(insert(ProblemEvent), {
                "problem_id": old.id, "at": now, "actor_id": actor, "actor_name": by_name[:200],
                "kind": EventKind.EDITED, "from_status": old.status,
                "to_status": changes.get("status", old.status), "note": note, "attachment": None,
                "details": {**_details(name, sha, row.row), "fields": sorted(changes)}})
            self.planner.replan(conn, dataclasses.replace(old, **changes))
        return tuple(numbers)


_STORED = ("level", "source", "category", "description", "measures", "goal", "track",
           "leader_name", "leader_user_id", "owner_name", "owner_user_id", "deadline",
           "checkin_days", "status", "progress", "completion", "remarks")


def _details(name: str, sha: str, row: int) -> dict[str, Any]:
    return {"import": {"file": name, "sha256": sha, "row": row}}


def _view(pid: int, unit: _Unit, v: dict[str, Any]) -> ProblemView:
    known = {f.name for f in dataclasses.fields(ProblemView)}
    return ProblemView(**{k: val for k, val in v.items() if k in known},
                       id=pid, unit_code=unit.code, unit_name=unit.name)


def _names(conn: Connection, unit_id: int) -> dict[str, int]:
    """The unit's members by name, for names written once each (two 张伟 match neither)."""
    found: dict[str, list[int]] = {}
    for user_id, name in conn.execute(select(Member.user_id, User.display_name)
                                      .join(User, User.id == Member.user_id)
                                      .where(Member.unit_id == unit_id)):
        found.setdefault(name.strip(), []).append(user_id)
    return {name: ids[0] for name, ids in found.items() if len(ids) == 1}
