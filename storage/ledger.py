"""The ledger tables (问题台账): one row per problem, and every change to it as an event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain import EventKind, Level, Source, Status, Track
from storage.models import Base, Unit, intpk, utc
from storage.types import UTCDateTime, enum_column


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        Index("uq_problems_unit_seq", "unit_id", "seq", unique=True),
        # A unit's list in deadline order, whole or by status, paged by keyset without a sort.
        Index("ix_problems_unit_status_deadline", "unit_id", "status", "deadline"),
        Index("ix_problems_unit_deadline", "unit_id", "deadline"),
        # /my (owned or filed: one index per side of the OR) and who filed nothing since when.
        Index("ix_problems_created_by", "created_by", "created_at"),
        Index("ix_problems_owner", "owner_user_id"),
        Index("ix_problems_deadline", "deadline"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(48), unique=True)  # 问题编号
    level: Mapped[Level | None] = mapped_column(enum_column(Level, "level", length=24))
    source: Mapped[Source] = mapped_column(enum_column(Source, "source", length=24))
    category: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    measures: Mapped[list[str]] = mapped_column(JSON)
    goal: Mapped[str | None] = mapped_column(Text)
    track: Mapped[Track] = mapped_column(enum_column(Track, "track", length=24))
    leader_name: Mapped[str | None] = mapped_column(String(100))
    leader_user_id: Mapped[int | None] = mapped_column(BigInteger)
    owner_name: Mapped[str] = mapped_column(String(100))
    owner_user_id: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    checkin_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[Status] = mapped_column(enum_column(Status, "status", length=24))
    progress: Mapped[str | None] = mapped_column(Text)
    completion: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    rework_count: Mapped[int] = mapped_column(default=0)
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewer_name: Mapped[str | None] = mapped_column(String(100))
    remarks: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[utc]
    updated_at: Mapped[utc]

    unit: Mapped[Unit] = relationship()
    events: Mapped[list[ProblemEvent]] = relationship(
        back_populates="problem", order_by="ProblemEvent.id"
    )


class ProblemEvent(Base):
    """Who changed what, when, from which status to which, and why."""

    __tablename__ = "problem_events"
    # The digest's week: events of a few kinds within a week.
    __table_args__ = (Index("ix_problem_events_kind_at", "kind", "at"),)

    id: Mapped[intpk]
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"), index=True)
    at: Mapped[utc]
    actor_id: Mapped[int] = mapped_column(BigInteger)
    actor_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind", length=24))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, "status", length=24))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status, "status", length=24))
    note: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    problem: Mapped[Problem] = relationship(back_populates="events")
