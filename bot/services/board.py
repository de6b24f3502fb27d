"""The web's reads: who may see which unit and item, the digest's figures, filtered item lists."""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, cast, func, or_, select

from bot.clock import Clock
from bot.domain import OPEN, Status, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.services.digest import DigestService, Ranked, rank
from bot.services.ledger_reads import LedgerReads
from bot.services.membership import Identity, UnitView
from bot.services.problem import EventView, ProblemView, evidence_files
from bot.services.scores import Score
from bot.services.scores import ranked as ranked_scores
from bot.services.stats import FIXED, TrendPoint, UnitStats, city_totals, time_left
from storage.db import Database
from storage.ledger import Problem
from storage.models import Unit

PAGE_SIZE = 50


class Due(enum.StrEnum):
    """The digest's time-left buckets, as list filters (open items with a deadline)."""

    OVERDUE = "overdue"  # 已超期
    D10 = "d10"  # ≤10 天
    D20 = "d20"  # ≤20 天
    LATER = "later"  # >20 天


# Status groups the pages count besides single statuses: 未完成 and 已整改 (the digest's FIXED).
STATUS_GROUPS: dict[str, tuple[Status, ...]] = {
    "open": OPEN, "fixed": FIXED, **{s.value: (s,) for s in Status}}


@dataclass(frozen=True)
class ItemFilter:
    status: str | None = None  # a key of STATUS_GROUPS
    track: Track | None = None
    category: str | None = None
    due: Due | None = None
    owner: str | None = None
    text: str | None = None

    @classmethod
    def parse(cls, params: dict[str, str]) -> ItemFilter:
        """Read a filter from query parameters; an unknown value is refused, never ignored."""
        value = {name: (params.get(name) or "").strip() or None
                 for name in ("status", "track", "category", "due", "owner", "q")}
        try:
            track = Track(value["track"]) if value["track"] else None
            due = Due(value["due"]) if value["due"] else None
        except ValueError:
            raise DomainError("web.bad_filter") from None
        if value["status"] is not None and value["status"] not in STATUS_GROUPS:
            raise DomainError("web.bad_filter")
        text = value["q"][:100] if value["q"] else None
        return cls(status=value["status"], track=track, category=value["category"], due=due,
                   owner=value["owner"], text=text)

    def params(self) -> dict[str, str]:
        values = {"status": self.status, "track": self.track, "category": self.category,
                  "due": self.due, "owner": self.owner, "q": self.text}
        return {k: str(v) for k, v in values.items() if v}


@dataclass(frozen=True)
class ItemPage:
    items: tuple[ProblemView, ...]
    total: int  # every item matching the filter, on every page
    after: int | None  # cursor of the next page, None on the last
    before: int | None  # cursor of the previous page, None on the first


@dataclass(frozen=True)
class UnitBoard:
    unit: UnitView
    stats: UnitStats
    page: ItemPage
    owners: tuple[str, ...]
    categories: tuple[str, ...]
    at: dt.datetime


@dataclass(frozen=True)
class CityBoard:
    ranked: tuple[Ranked, ...]
    trend: tuple[TrendPoint, ...]
    totals: UnitStats
    at: dt.datetime


_COLUMNS = list(Problem.__table__.c)
_NAMES = [c.name for c in _COLUMNS]
_WANTED = {f.name for f in fields(ProblemView)}


def _views(conn: Connection, query: Any, key: str) -> list[tuple[int, ProblemView]]:
    """(key, ProblemView) straight from rows: a page of 50 without building ORM objects."""
    out = []
    for row in conn.execute(query):
        values = dict(zip(_NAMES, row[:-2], strict=True))
        values["unit_code"], values["unit_name"] = row[-2], row[-1]
        values["measures"] = tuple(values["measures"] or ())
        values["evidence_files"] = evidence_files(values["evidence_files"], values["evidence"])
        values["evidence"] = tuple(values["evidence"] or ())
        out.append((values[key], ProblemView(**{k: v for k, v in values.items() if k in _WANTED})))
    return out


def _text_condition(text: str) -> ColumnElement[bool]:
    # Measures are stored as JSON, where json.dumps writes 整改 as \u6574\u6539: search for the
    # term as it is stored. autoescape keeps % and _ in the term literal on both backends.
    stored = json.dumps(text.lower())[1:-1]
    return or_(func.lower(Problem.description).contains(text.lower(), autoescape=True),
               func.lower(cast(Problem.measures, String)).contains(stored, autoescape=True))


class BoardService:
    """What a signed-in person sees on the web, counted by the digest's own functions."""

    def __init__(self, db: Database, clock: Clock, digest: DigestService,
                 ledger: LedgerReads, *, page_size: int = PAGE_SIZE) -> None:
        self.db = db
        self.clock = clock
        self.digest = digest
        self.ledger = ledger
        self.page_size = page_size

    # -- who sees what -------------------------------------------------------------------------

    @staticmethod
    def home(by: Identity) -> tuple[str, int | None]:
        """Where a person's web starts: the city (office), their unit (leaders, liaisons) or
        their own items (cadres)."""
        if can(by.role, Action.VIEW_ALL_UNITS):
            return "city", None
        if by.unit is not None and can(by.role, Action.VIEW_UNIT_LEDGER):
            return "unit", by.unit.id
        if by.role is not None:
            return "mine", None
        raise DomainError("web.not_member")

    @staticmethod
    def may_see_unit(by: Identity, unit_id: int) -> bool:
        if can(by.role, Action.VIEW_ALL_UNITS):
            return True
        return (by.unit is not None and by.unit.id == unit_id
                and can(by.role, Action.VIEW_UNIT_LEDGER))

    def _unit(self, conn: Connection, by: Identity, unit_id: int) -> UnitView:
        row = conn.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id == unit_id)).first()
        # Same answer for a unit that exists and one that does not: ids reveal nothing.
        if row is None or not self.may_see_unit(by, unit_id):
            raise DomainError("web.not_found")
        return UnitView(row[0], row[1], row[2])

    @staticmethod
    def _own(by: Identity) -> ColumnElement[bool]:
        return or_(Problem.owner_user_id == by.user_id, Problem.created_by == by.user_id)

    # -- pages ---------------------------------------------------------------------------------

    def city(self, by: Identity) -> CityBoard:
        """全市总览: every unit's digest figures, ranked as the city digest ranks them."""
        ranked, totals = self.city_units(by)
        return CityBoard(ranked, self.city_trend(by), totals, self.clock.now())

    def city_units(self, by: Identity) -> tuple[tuple[Ranked, ...], UnitStats]:
        """The overview's table: each unit's figures (the digest's), ranked, and the sums."""
        self._office(by)
        units = self.digest.city_stats(supervision=False)  # the page shows none of those
        return tuple(rank(units)), city_totals(units)

    def scores(self, by: Identity) -> tuple[Score, ...]:
        """考核得分: every unit's score with its components, as the city digest ranks them."""
        self._office(by)
        return tuple(ranked_scores(self.digest.city_stats(), self.digest.config.scores.weights))

    def city_trend(self, by: Identity) -> tuple[TrendPoint, ...]:
        """The overview's chart: the city digest's weekly trend. Apart from city_units so that
        a page can read both at once, on two connections."""
        self._office(by)
        return tuple(self.digest.city_trend())

    @staticmethod
    def _office(by: Identity) -> None:
        if not can(by.role, Action.VIEW_ALL_UNITS):
            raise DomainError("web.denied")

    def unit(self, by: Identity, unit_id: int, flt: ItemFilter = ItemFilter(), *,
             after: int | None = None, before: int | None = None) -> UnitBoard:
        """A unit's figures (the digest's) and one page of its items under a filter."""
        with self.db.read() as conn:
            unit = self._unit(conn, by, unit_id)
            where = [Problem.unit_id == unit_id]
            page = self._page(conn, where, flt, Problem.seq, after, before)
            owners = conn.execute(select(Problem.owner_name).where(*where).distinct()
                                  .order_by(Problem.owner_name)).scalars().all()
            categories = conn.execute(select(Problem.category).where(*where).distinct()
                                      .order_by(Problem.category)).scalars().all()
        stats = self.digest.unit_stats(unit_id)
        return UnitBoard(unit, stats, page, tuple(owners), tuple(categories), self.clock.now())

    def mine(self, by: Identity, flt: ItemFilter = ItemFilter(), *, after: int | None = None,
             before: int | None = None) -> ItemPage:
        """A person's own items: the ones they own or filed."""
        if by.role is None:
            raise DomainError("web.not_member")
        with self.db.read() as conn:
            return self._page(conn, [self._own(by)], flt, Problem.id, after, before)

    def item(self, by: Identity, problem_id: int) -> tuple[ProblemView, list[EventView]]:
        """An item with its history: the office any, leaders and liaisons their unit's,
        cadres their own; anything else looks like an item that does not exist."""
        try:
            problem, history = self.ledger.get(problem_id, by=by)
        except DomainError:
            raise DomainError("web.not_found") from None
        own = by.user_id in (problem.owner_user_id, problem.created_by)
        if not (self.may_see_unit(by, problem.unit_id) or own):
            raise DomainError("web.not_found")
        return problem, history

    def evidence(self, by: Identity, problem_id: int, index: int) -> str:
        """The Bot API file id of an item's `index`-th evidence, if `by` may see the item."""
        problem, _ = self.item(by, problem_id)
        if not 0 <= index < len(problem.evidence):
            raise DomainError("web.not_found")
        return problem.evidence[index]

    def export_scope(self, by: Identity, unit_id: int | None) -> UnitView | None:
        """What an export may hold: one unit (None: every unit, the office only)."""
        if not can(by.role, Action.EXPORT):
            raise DomainError("web.denied")
        if unit_id is None:
            if not can(by.role, Action.VIEW_ALL_UNITS):
                raise DomainError("web.denied")
            return None
        with self.db.read() as conn:
            return self._unit(conn, by, unit_id)

    def export_rows(self, by: Identity, unit_id: int | None) -> Iterator[ProblemView]:
        """The rows of an export, in the ledger's order, after the same check as the page."""
        self.export_scope(by, unit_id)
        return self.ledger.iter_rows(unit_id=unit_id)

    # -- lists ---------------------------------------------------------------------------------

    def _conditions(self, flt: ItemFilter, now: dt.datetime) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if flt.status is not None:
            where.append(Problem.status.in_(STATUS_GROUPS[flt.status]))
        if flt.track is not None:
            where.append(Problem.track == flt.track)
        if flt.category is not None:
            where.append(Problem.category == flt.category)
        if flt.owner is not None:
            where.append(Problem.owner_name == flt.owner)
        if flt.due is not None:
            bucket = time_left(now)[list(Due).index(flt.due)]
            where += [Problem.status.in_(OPEN), Problem.deadline.is_not(None), bucket]
        if flt.text:
            where.append(_text_condition(flt.text))
        return where

    def _page(self, conn: Connection, scope: list[ColumnElement[bool]], flt: ItemFilter,
              key: Any, after: int | None, before: int | None) -> ItemPage:
        """One page in `key` order, by keyset: the next page starts after the last key seen,
        so page 200 costs what page 1 costs."""
        where = [*scope, *self._conditions(flt, self.clock.now())]
        total = conn.execute(select(func.count()).select_from(Problem).where(*where)).scalar_one()
        query = (select(*_COLUMNS, Unit.code, Unit.name).join(Unit, Unit.id == Problem.unit_id)
                 .where(*where))
        size, name = self.page_size, key.name
        if before is not None:
            rows = _views(conn, query.where(key < before).order_by(key.desc()).limit(size + 1),
                          name)
            more_before = len(rows) > size
            rows = rows[:size][::-1]
            more_after = True
        else:
            if after is not None:
                query = query.where(key > after)
            rows = _views(conn, query.order_by(key).limit(size + 1), name)
            more_after = len(rows) > size
            rows = rows[:size]
            more_before = after is not None
        return ItemPage(tuple(view for _, view in rows), total,
                        rows[-1][0] if rows and more_after else None,
                        rows[0][0] if rows and more_before else None)
