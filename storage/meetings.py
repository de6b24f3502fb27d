"""Meetings and their attendance answers (参加 / 请假)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain import Answer, MeetingState
from storage.models import Base, intpk, utc
from storage.types import UTCDateTime, enum_column


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
    state: Mapped[MeetingState] = mapped_column(enum_column(MeetingState, "meeting_state"))
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
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, "meeting_answer"))
    reason: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
