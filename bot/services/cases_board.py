"""The office's overview of the public's cases: the list by stage, and the units that need
重点治理 (many complaints, or a low 满意率)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from bot.config import Config
from bot.domain import CaseState, Role, Source, Status
from bot.errors import DomainError
from bot.services.case_data import Satisfaction
from bot.services.membership import Identity
from storage.cases import Case
from storage.db import Database
from storage.ledger import Problem
from storage.models import Unit


class Stage(enum.StrEnum):
    NEW = "new"  # 待处理
    TRANSFERRED = "transferred"  # 已转办，待签收
    ACKED = "acked"  # 已签收（或合并办理），办理中
    CLOSED = "closed"  # 已办结: signed off, or 不予受理
    ALL = "all"


@dataclass(frozen=True)
class CaseRow:
    """One case in the office's list, the contact included: the office's eyes only."""

    id: int
    code: str
    unit_id: int
    unit_name: str
    kind: Source
    text: str
    contact_name: str | None
    contact_phone: str | None
    state: CaseState
    stage: Stage
    number: str | None
    problem_id: int | None
    item_status: Status | None
    ack_due_at: dt.datetime | None
    acked_at: dt.datetime | None
    reopen_count: int
    created_at: dt.datetime


@dataclass(frozen=True)
class Focus:
    """A unit flagged 重点治理, and why."""

    unit_id: int
    unit_name: str
    cases: int
    satisfaction: Satisfaction | None
    many: bool  # cases >= cases.focus_cases
    low: bool  # 满意率 under cases.focus_rate, over at least cases.focus_min_ratings


_SIGNED = Problem.status == Status.SIGNED_OFF
_NOT_SIGNED = or_(Problem.status.is_(None), Problem.status != Status.SIGNED_OFF)
WHERE: dict[Stage, ColumnElement[bool]] = {
    Stage.NEW: Case.state == CaseState.NEW,
    Stage.TRANSFERRED: (Case.state == CaseState.TRANSFERRED) & Case.acked_at.is_(None)
    & _NOT_SIGNED,
    Stage.ACKED: or_(Case.state == CaseState.MERGED,
                     (Case.state == CaseState.TRANSFERRED) & Case.acked_at.is_not(None))
    & _NOT_SIGNED,
    Stage.CLOSED: or_(Case.state == CaseState.REFUSED, _SIGNED),
}


def stage_of(state: CaseState, acked: bool, item_status: Status | None) -> Stage:
    if state is CaseState.NEW:
        return Stage.NEW
    if state is CaseState.REFUSED or item_status is Status.SIGNED_OFF:
        return Stage.CLOSED
    if state is CaseState.TRANSFERRED and not acked:
        return Stage.TRANSFERRED
    return Stage.ACKED


class CasesBoard:
    def __init__(self, db: Database, config: Config,
                 satisfaction: Callable[[Iterable[int] | None], dict[int, Satisfaction]]) -> None:
        self.db = db
        self.limits = config.cases
        self.satisfaction = satisfaction

    def listing(self, *, by: Identity, stage: Stage = Stage.ALL,
                limit: int = 200) -> list[CaseRow]:
        """The cases at one stage, newest first (the office only: contacts are shown)."""
        if by.role is not Role.OFFICE:
            raise DomainError("cases.office_only")
        query = (select(Case, Unit.name, Problem.number, Problem.status)
                 .join(Unit, Unit.id == Case.unit_id)
                 .outerjoin(Problem, Problem.id == Case.problem_id))
        if stage is not Stage.ALL:
            query = query.where(WHERE[stage])
        query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        with self.db.reading() as s:
            return [CaseRow(
                id=c.id, code=c.code, unit_id=c.unit_id, unit_name=name, kind=c.kind,
                text=c.text, contact_name=c.contact_name, contact_phone=c.contact_phone,
                state=c.state, stage=stage_of(c.state, c.acked_at is not None, status),
                number=number, problem_id=c.problem_id, item_status=status,
                ack_due_at=c.ack_due_at, acked_at=c.acked_at, reopen_count=c.reopen_count,
                created_at=c.created_at) for c, name, number, status in s.execute(query)]

    def counts(self) -> dict[int, int]:
        """Cases per unit they are about (不予受理 left out: not the unit's doing)."""
        with self.db.read() as conn:
            return dict(conn.execute(
                select(Case.unit_id, func.count(Case.id))
                .where(Case.state != CaseState.REFUSED).group_by(Case.unit_id)).all())

    def focus(self) -> list[Focus]:
        """Units for 重点治理: many complaints, or a low 满意率; most cases first."""
        counts, rates = self.counts(), self.satisfaction(None)
        with self.db.read() as conn:
            names = dict(conn.execute(select(Unit.id, Unit.name)).all())
        flagged = []
        for unit_id in sorted(set(counts) | set(rates)):
            rate = rates.get(unit_id)
            many = counts.get(unit_id, 0) >= self.limits.focus_cases
            low = (rate is not None and rate.rated >= self.limits.focus_min_ratings
                   and rate.satisfied * 100 < self.limits.focus_rate * rate.rated)
            if many or low:
                flagged.append(Focus(unit_id, names.get(unit_id, "?"), counts.get(unit_id, 0),
                                     rate, many, low))
        return sorted(flagged, key=lambda f: (-f.cases, f.unit_name))
