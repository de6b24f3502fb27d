"""The ledger tables (问题台账): one row per problem, and every change to it as an event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.domain import EventKind, ExtensionState, Level, Source, Status, Supervision, Track
from storage.models import Base, Unit, intpk, utc
from storage.types import UTCDateTime, enum_column


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        Index("uq_problems_unit_seq", "unit_id", "seq", unique=True),
        # A unit's list in deadline order, whole or by status, paged by keyset without a sort.
        Index("ix_problems_unit_status_deadline", "unit_id", "status", "deadline"),
        Index("ix_problems_unit_deadline", "unit_id", "deadline"),
        # Every column the digests' per-unit counts read (stats._counts): one pass over the
        # index, grouped in its order, without touching the table's rows.
        Index("ix_problems_unit_counts", "unit_id", "status", "track", "deadline",
              "rework_count", "supervision"),
        # /my (owned or filed: one index per side of the OR) and who filed nothing since when.
        Index("ix_problems_created_by", "created_by", "created_at"),
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
    # Each evidence file as {"file_id", "kind" (photo / document), "name"}; None before 0016.
    evidence_files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
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
    # The digest's week: events of a few kinds within a week, with their items, from the first
    # alone; the ladder's daily pass reads each open item's last movement and last colour from
    # the second alone.
    __table_args__ = (Index("ix_problem_events_kind_at_problem", "kind", "at", "problem_id"),
                      Index("ix_problem_events_problem_kind_at", "problem_id", "kind", "at"))

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


class WithdrawnProblem(Base):
    """An item withdrawn (撤回) as filed by mistake: out of the ledger and every count, kept here
    as it was, with its history, who withdrew it and when."""

    __tablename__ = "withdrawn_problems"

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(48), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    withdrawn_by: Mapped[int] = mapped_column(BigInteger)
    withdrawn_name: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[utc]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


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


# A position in the ledger's list order: the deadline (None: 长期坚持, listed last), then the id.
DeadlineKey = tuple[dt.datetime | None, int]


def deadline_key(session: Session, problem_id: int) -> DeadlineKey | None:
    """The list position of a problem, to page on from it (None once it is gone, or for an id
    no problem can have: the column is a 32-bit integer on PostgreSQL)."""
    if not 0 < problem_id < 2**31:
        return None
    row = session.execute(select(Problem.deadline).where(Problem.id == problem_id)).first()
    return None if row is None else (row[0], problem_id)


def deadline_page(session: Session, query: Select[Problem], limit: int, *,
                  cursor: DeadlineKey | None = None, backward: bool = False) -> list[Problem]:
    """Up to `limit` problems of `query` in list order (deadline, those without one last, then
    id) after the cursor, or before it when `backward` (still returned in list order).

    A keyset walk instead of OFFSET: each part is a range of an index led by the query's own
    filter and the deadline, so the last page reads what the first reads, and a row added
    meanwhile neither repeats a row nor hides one. The two parts (with and without a deadline)
    are read one after the other, so that no NULLS LAST ordering keeps an index from serving.
    """
    dated = query.where(Problem.deadline.is_not(None))
    undated = query.where(Problem.deadline.is_(None))
    deadline, key = Problem.deadline, Problem.id
    if not backward:
        parts = [dated.order_by(deadline, key), undated.order_by(key)]
        if cursor is not None and cursor[0] is None:
            parts = [undated.where(key > cursor[1]).order_by(key)]
        elif cursor is not None:
            after = cursor[0]
            parts[0] = dated.where(deadline >= after, or_(deadline > after, key > cursor[1]))\
                .order_by(deadline, key)
    else:
        parts = [undated.order_by(key.desc()), dated.order_by(deadline.desc(), key.desc())]
        if cursor is not None and cursor[0] is None:
            parts[0] = undated.where(key < cursor[1]).order_by(key.desc())
        elif cursor is not None:
            before = cursor[0]
            parts = [dated.where(deadline <= before, or_(deadline < before, key < cursor[1]))
                     .order_by(deadline.desc(), key.desc())]
    rows: list[Problem] = []
    for part in parts:
        if len(rows) >= limit:
            break
        rows += session.scalars(part.limit(limit - len(rows))).all()
    return rows[::-1] if backward else rows
