"""Leave requests (请假) with their decision and the report back (销假)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain import LeaveKind, LeaveState
from storage.models import Base, intpk, utc
from storage.types import UTCDateTime, enum_column

HALF_AM, HALF_PM = "am", "pm"
# A reminder at or after noon belongs to the afternoon.
NOON = dt.time(12, 0)


class LeaveRequest(Base):
    """The first and last day are local calendar dates; a half day (半天) is one day's morning
    or afternoon (`half`: HALF_AM / HALF_PM), whole days otherwise."""

    __tablename__ = "leave_requests"
    __table_args__ = (
        Index("ix_leave_requests_unit_state", "unit_id", "state"),
        Index("ix_leave_requests_user", "user_id"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LeaveKind] = mapped_column(enum_column(LeaveKind, "leave_kind"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[LeaveState] = mapped_column(enum_column(LeaveState, "leave_state"))
    created_at: Mapped[utc]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)  # why it was not approved
