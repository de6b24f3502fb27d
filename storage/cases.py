"""The public's cases (群众反映 / 企业投诉): what was sent, by whom if said, and the ratings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    Select,
    String,
    Text,
    func,
    select,
)
from sqlalchemy import case as when
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain import SATISFIED, CaseState, Rating, Source
from storage.ledger import Problem
from storage.models import Base, intpk, utc
from storage.types import UTCDateTime, enum_column


class Case(Base):
    """One complaint from outside the units; its contact is for the office's eyes only."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_created", "state", "created_at"),
        Index("ix_cases_digest_created", "digest", "created_at"),
    )

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(16), unique=True)  # 查询码
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[Source] = mapped_column(enum_column(Source, "source", length=24))
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    # Where it came from: "web" or "chat:<user id>" (a /complain in a private chat).
    channel: Mapped[str] = mapped_column(String(32))
    # Unit, type, text and photo hashed: the same sent twice within a day is one case.
    digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState, "case_state", length=16))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why 不予受理
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # 签收: a case handed to a unit is acknowledged by its liaison or leader before ack_due_at.
    ack_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acked_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[utc]


class CaseRating(Base):
    """A complainant's verdict on one sign-off (销号) of the item their case became."""

    __tablename__ = "case_ratings"
    __table_args__ = (Index("uq_case_ratings_case_round", "case_id", "signed_off_at",
                            unique=True),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    # The item's signed_off_at when rated: one rating per sign-off.
    signed_off_at: Mapped[utc]
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "rating", length=24))
    comment: Mapped[str | None] = mapped_column(Text)
    reopened: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[utc]


def satisfaction_query(unit_ids: Iterable[int] | None = None) -> Select[int, int, Any]:
    """满意率 per unit: (unit_id, ratings given on its items, of them satisfied)."""
    satisfied = func.sum(when((CaseRating.rating.in_(SATISFIED), 1), else_=0))
    query = (select(Problem.unit_id, func.count(CaseRating.id), satisfied)
             .select_from(CaseRating).join(Case, Case.id == CaseRating.case_id)
             .join(Problem, Problem.id == Case.problem_id).group_by(Problem.unit_id))
    if unit_ids is not None:
        query = query.where(Problem.unit_id.in_(list(unit_ids)))
    return query
