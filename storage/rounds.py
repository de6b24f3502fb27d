"""Progress rounds (进展报送): a unit's (or the whole city's) weekly or daily round, and each
owner's answer for each open item at each close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    Select,
    SmallInteger,
    String,
    Text,
    case,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain import OPEN
from storage.ledger import Problem
from storage.models import Base, intpk, utc
from storage.types import UTCDateTime


class ProgressRound(Base):
    """A round as set: closing on a weekday (None: every working day) at a local time."""

    __tablename__ = "progress_rounds"
    __table_args__ = (Index("ix_progress_rounds_stopped", "stopped_at"),)

    id: Mapped[intpk]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: every unit
    weekday: Mapped[int | None] = mapped_column(SmallInteger)  # 0 Monday … 6 Sunday
    close_time: Mapped[str] = mapped_column(String(5))  # "16:00", local
    phrase: Mapped[str] = mapped_column(Text)  # as typed
    set_by: Mapped[int] = mapped_column(BigInteger)
    set_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[utc]
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RoundReport(Base):
    """One item asked at one close of a round; answer None until the owner reports."""

    __tablename__ = "round_reports"
    __table_args__ = (
        Index("uq_round_reports_close_problem", "round_id", "close_at", "problem_id",
              unique=True),
        Index("ix_round_reports_unit_close", "unit_id", "close_at"),
    )

    id: Mapped[intpk]
    round_id: Mapped[int] = mapped_column(ForeignKey("progress_rounds.id"))
    close_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    unit_id: Mapped[int] = mapped_column(Integer)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    user_id: Mapped[int] = mapped_column(BigInteger)  # who was asked
    answer: Mapped[str | None] = mapped_column(String(16))  # progress / unchanged / extension
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


def tally_query(now: dt.datetime, unit_ids: Iterable[int] | None = None,
                ) -> Select[int, int, Any, Any, Any]:
    """Per unit, over the closes already past: (unit_id, asked, on time, late, missing); an
    item signed off or sent for sign-off before its close is not counted missing."""
    made = RoundReport.answered_at.is_not(None)
    query = (select(RoundReport.unit_id, func.count(),
                    func.sum(case((made & (RoundReport.answered_at <= RoundReport.close_at),
                                   1), else_=0)),
                    func.sum(case((made & (RoundReport.answered_at > RoundReport.close_at),
                                   1), else_=0)),
                    func.sum(case((~made & Problem.status.in_(OPEN), 1), else_=0)))
             .join(Problem, Problem.id == RoundReport.problem_id)
             .where(RoundReport.close_at <= now).group_by(RoundReport.unit_id))
    if unit_ids is not None:
        query = query.where(RoundReport.unit_id.in_(list(unit_ids)))
    return query
