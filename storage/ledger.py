"""The ledger tables (问题台账): one row per problem, and every change to it as an event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain import EventKind, ExtensionState, Level, Source, Status, Supervision, Track
from storage.models import Base, Unit, intpk, utc
from storage.types import UTCDateTime, enum_column


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        Index("uq_problems_unit_seq", "unit_id", "seq", unique=True),
        Index("ix_problems_unit_status", "unit_id", "status"),
        Index("ix_problems_owner", "owner_user_id"),
        Index("ix_problems_deadline", "deadline"),
        Index("ix_problems_unit_source_ref", "unit_id", "source_ref"),
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
    # 申请延期: the deadline as first set, once an extension moved it, and how many times.
    original_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    extension_count: Mapped[int] = mapped_column(default=0, server_default="0")
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewer_name: Mapped[str | None] = mapped_column(String(100))
    remarks: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 督办: the office's 黄牌 / 红牌 mark, its note as typed, and when it was made.
    supervision: Mapped[Supervision | None] = mapped_column(
        enum_column(Supervision, "supervision", length=16))
    supervision_note: Mapped[str | None] = mapped_column(Text)
    supervised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # An imported row's key in the office's own sheet (its number there, or a hash of it).
    source_ref: Mapped[str | None] = mapped_column(String(64))
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
    # The ladder's daily pass reads each open item's last movement and last colour from this
    # index alone (SQLite keeps the row id in every index).
    __table_args__ = (Index("ix_problem_events_problem_kind_at", "problem_id", "kind", "at"),)

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


class ExtensionRequest(Base):
    """An owner's 申请延期: the deadline asked for and why, until a leader decides."""

    __tablename__ = "extension_requests"
    __table_args__ = (Index("ix_extension_requests_problem_state", "problem_id", "state"),)

    id: Mapped[intpk]
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id"))
    asked_by: Mapped[int] = mapped_column(BigInteger)
    asked_name: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[ExtensionState] = mapped_column(
        enum_column(ExtensionState, "extension_state", length=16))
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)  # why it was declined
    created_at: Mapped[utc]

    problem: Mapped[Problem] = relationship()
