"""Planned notifications (the scheduler's truth) and the lease that elects one sender."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain import NoteState
from storage.models import Base, intpk, utc
from storage.types import UTCDateTime, enum_column


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The tick reads only what is due: its cost follows the due rows, not the future ones.
        Index("ix_notifications_state_due", "state", "due_at"),
        # Replanning and cancelling an item touch its pending rows only: led by the subject.
        Index("ix_notifications_subject_state", "subject", "state"),
        Index("ix_notifications_chat", "chat_id"),
        # "Was a digest sent before?" at start-up: led by the kind, not a scan of the table.
        Index("ix_notifications_kind_due", "kind", "due_at"),
    )

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(160), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[utc]
    urgent: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[NoteState] = mapped_column(enum_column(NoteState, "note_state"))
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[utc]


class Lease(Base):
    """Who may run the scheduler now; a holder that stops renewing loses it when it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[utc]
