"""The tables: units and their hierarchy, people, memberships, bound group chats, invites."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain import Role
from storage.types import UTCDateTime, enum_column

# Constraint names must be stable so that Alembic migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
utc = Annotated[dt.datetime, mapped_column(UTCDateTime())]
tg_id = Annotated[int, mapped_column(BigInteger)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[utc]
    # Office-hours reminder times (HH:MM) for this unit; None: the configured default.
    office_hours: Mapped[list[str] | None] = mapped_column(JSON)
    # The last problem number handed out: raised with UPDATE … RETURNING, so two confirms at
    # once (two instances, one unit) each get their own number instead of one failing.
    problem_seq: Mapped[int] = mapped_column(default=0, server_default="0")

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")


class User(Base):
    """A Telegram account the bot has seen; exists before and apart from any membership."""

    __tablename__ = "users"
    # Names read with the id only from the index: lists of a unit's 10,000 people join on it.
    __table_args__ = (Index("ix_users_id_name", "id", "display_name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str | None] = mapped_column(String(8))
    reachable: Mapped[bool] = mapped_column(default=True)
    office_reminders: Mapped[bool] = mapped_column(default=True)
    # A person's own quiet hours, wider than the deployment's ("21:00-08:00"); None: those.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[utc]


class Member(Base):
    __tablename__ = "members"
    # A unit's people of one role (its leaders for the filing's question) without the rest.
    __table_args__ = (Index("ix_members_unit_role", "unit_id", "role", "user_id"),)

    id: Mapped[intpk]
    # One membership per person keeps "my unit" unambiguous in every command.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    joined_at: Mapped[utc]

    user: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()


class GroupChat(Base):
    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    bound_by: Mapped[int] = mapped_column(BigInteger)
    bound_at: Mapped[utc]
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship()


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[utc]
    expires_at: Mapped[utc]
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship()


class Dialog(Base):
    """A conversation in progress: which flow and step, and the draft so far.

    Kept in the database so that a restart, or another instance, continues where the person was.
    """

    __tablename__ = "dialogs"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(32))
    state: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[utc]


class JoinFailure(Base):
    """Wrong invite codes one person typed: enough of them lock that person out of /join."""

    __tablename__ = "join_failures"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    failures: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[utc]
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
