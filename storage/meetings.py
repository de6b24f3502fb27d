"""Meetings with their attendance answers, and leave requests with reporting back (请销假)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Date, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base, intpk, utc
from storage.types import UTCDateTime


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(cls, native_enum=False, length=16, name=name,
                values_callable=lambda members: [m.value for m in members])


class MeetingState(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(enum.StrEnum):
    PENDING = "pending"  # 未确认
    ATTEND = "attend"  # 参加
    DECLINE = "decline"  # 请假


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_organiser_starts", "organiser_id", "starts_at"),)

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[utc]
    # Organisers and attendees need no users row: office admins from the config may have none.
    organiser_id: Mapped[int] = mapped_column(BigInteger)
    organiser_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[MeetingState] = mapped_column(_enum(MeetingState, "meeting_state"))
    # Bumped by each reschedule, so reminder keys of the new time never collide with the old.
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[utc]
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="meeting", order_by="Attendee.user_id"
    )


class Attendee(Base):
    __tablename__ = "meeting_attendees"
    __table_args__ = (Index("ix_meeting_attendees_user", "user_id"),)

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    answer: Mapped[Answer] = mapped_column(_enum(Answer, "meeting_answer"))
    reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")


class LeaveKind(enum.StrEnum):
    PERSONAL = "personal"  # 事假
    SICK = "sick"  # 病假
    ANNUAL = "annual"  # 年休假
    BUSINESS = "business"  # 公出
    OTHER = "other"  # 其他


class LeaveState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class LeaveRequest(Base):
    """Leave is whole days: the first and last day are local calendar dates."""

    __tablename__ = "leave_requests"
    __table_args__ = (
        Index("ix_leave_requests_unit_state", "unit_id", "state"),
        Index("ix_leave_requests_user", "user_id"),
    )

    id: Mapped[intpk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LeaveKind] = mapped_column(_enum(LeaveKind, "leave_kind"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[LeaveState] = mapped_column(_enum(LeaveState, "leave_state"))
    created_at: Mapped[utc]
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
