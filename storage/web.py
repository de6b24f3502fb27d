"""The web's sign-in state: one-time sign-in links and sessions, each kept only as a digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utc
from storage.types import UTCDateTime


class WebLink(Base):
    """A sign-in link sent by /web: valid once, for minutes. The token itself is never stored."""

    __tablename__ = "web_links"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[utc]
    expires_at: Mapped[utc]
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser; deleting the row signs it out everywhere the cookie went."""

    __tablename__ = "web_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    via: Mapped[str] = mapped_column(String(16))  # "link" or "webapp"
    created_at: Mapped[utc]
    expires_at: Mapped[utc]
