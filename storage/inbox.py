"""Updates taken from Telegram, recorded before they are acknowledged, until they are handled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.domain import InboxState
from storage.models import Base, utc
from storage.types import UTCDateTime, enum_column


class InboxUpdate(Base):
    """One update as Telegram sent it. Its id is Telegram's update_id, so a redelivery is
    recognised; a row not `done` when a process dies is handled after the restart."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_state_taken", "state", "taken_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[InboxState] = mapped_column(enum_column(InboxState, "inbox_state"))
    received_at: Mapped[utc]
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why an update was not handled: forged, malformed, flood.
    reason: Mapped[str | None] = mapped_column(String(64))
