"""Organisation set-up and membership: units, people, invites, roles and bound group chats."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import Role
from bot.errors import DomainError
from bot.permissions import INVITE_ACTION, Action, can
from bot.services.unit_sheet import read_sheet
from bot.strings import shorten
from storage.db import Database
from storage.models import GroupChat, Invite, JoinFailure, Member, Unit, User
from storage.people import IDENTIFY

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    name: str
    parent_code: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who is talking: a role and unit when they have one, and their chosen language."""

    user_id: int
    role: Role | None
    unit: UnitView | None
    lang: str | None


# Quiet hours a person may choose, each wider than the default 22:00–07:30 it adds to.
QUIET_CHOICES = ("21:00-08:00", "20:00-08:30")


@dataclass(frozen=True)
class InviteView:
    code: str
    unit: UnitView
    role: Role
    expires_at: dt.datetime


@dataclass(frozen=True)
class JoinResult:
    unit: UnitView
    role: Role
    previous_unit: UnitView | None


@dataclass(frozen=True)
class ImportReport:
    created: int
    skipped: int


def _unit_view(unit: Unit) -> UnitView:
    return UnitView(unit.id, unit.code, unit.name, unit.parent.code if unit.parent else None)


class MembershipService:
    def __init__(
        self, db: Database, clock: Clock, *, office_admins: Iterable[int] = (),
        invite_days: int = 7, join_failures: int = 5,
        join_lockout: dt.timedelta = dt.timedelta(minutes=30),
    ) -> None:
        self.db = db
        self.clock = clock
        self.office_admins = frozenset(office_admins)
        self.invite_days = invite_days
        self.join_failures = join_failures
        self.join_lockout = join_lockout

    # -- units -------------------------------------------------------------------------------

    def add_unit(
        self, name: str, *, parent: str | None = None, code: str | None = None
    ) -> UnitView:
        """Create a unit under an optional parent (given by name or code)."""
        name = name.strip()
        if not name:
            raise DomainError("unit.name_empty")
        with self.db.uow() as s:
            if s.scalar(select(Unit).where(Unit.name == name)):
                raise DomainError("unit.exists", name=name)
            parent_unit = self._find_unit(s, parent) if parent else None
            if parent and parent_unit is None:
                raise DomainError("unit.unknown", code=parent)
            code = (code or "").strip() or self._next_code(s)
            if s.scalar(select(Unit).where(Unit.code == code)):
                raise DomainError("unit.code_taken", code=code)
            unit = Unit(code=code, name=name, parent=parent_unit, created_at=self.clock.now())
            s.add(unit)
            s.flush()
            return _unit_view(unit)

    def list_units(self) -> list[UnitView]:
        with self.db.uow() as s:
            return [_unit_view(u) for u in s.scalars(select(Unit).order_by(Unit.code))]

    def import_units(self, path: Path) -> ImportReport:
        """Create units from an xlsx or csv sheet with a header row (name, code, parent)."""
        rows = read_sheet(path)
        created = skipped = 0
        pending = list(rows)
        # Parents may be listed after their children; retry until a pass makes no progress.
        while pending:
            progress = False
            later = []
            for name, code, parent in pending:
                if self.find_unit(name) is not None:
                    skipped += 1
                    progress = True
                    continue
                if parent and self.find_unit(parent) is None:
                    later.append((name, code, parent))
                    continue
                self.add_unit(name, parent=parent or None, code=code or None)
                created += 1
                progress = True
            if not progress:
                raise DomainError("unit.unknown", code=later[0][2])
            pending = later
        return ImportReport(created, skipped)

    def find_unit(self, key: str) -> UnitView | None:
        with self.db.uow() as s:
            unit = self._find_unit(s, key)
            return _unit_view(unit) if unit else None

    @staticmethod
    def _find_unit(s: Session, key: str) -> Unit | None:
        key = key.strip()
        return s.scalar(select(Unit).where((Unit.code == key) | (Unit.name == key)))

    @staticmethod
    def _next_code(s: Session) -> str:
        n = (s.scalar(select(func.count()).select_from(Unit)) or 0) + 1
        while s.scalar(select(Unit.id).where(Unit.code == f"U{n:03d}")):
            n += 1
        return f"U{n:03d}"

    # -- people ------------------------------------------------------------------------------

    def identify(self, user_id: int) -> Identity:
        """Tell who a Telegram user is to the campaign (one query: it runs on every update)."""
        with self.db.read() as conn:
            row = conn.execute(IDENTIFY, {"uid": user_id}).first()
        return self.identity_from(user_id, tuple(row) if row is not None else None)

    def identity_from(self, user_id: int, row: tuple[Any, ...] | None) -> Identity:
        """Build an Identity from IDENTITY_COLUMNS read by this or another query."""
        lang, role, unit = None, None, None
        if row is not None:
            lang, role = row[0], row[1]
            if row[2] is not None:
                unit = UnitView(row[2], row[3], row[4], row[5])
        if user_id in self.office_admins:
            role = Role.OFFICE
        return Identity(user_id, role, unit, lang)

    def touch_user(self, user_id: int, display_name: str, username: str | None) -> None:
        """Record or refresh a person's Telegram name; they may be reachable again."""
        with self.db.uow() as s:
            self._touch(s, user_id, display_name, username)

    def _touch(self, s: Session, user_id: int, display_name: str, username: str | None) -> User:
        user = s.get(User, user_id)
        if user is None:
            user = User(
                id=user_id, display_name=display_name[:200], username=username,
                created_at=self.clock.now(),
            )
            s.add(user)
        else:
            user.display_name = display_name[:200]
            user.username = username
            user.reachable = True
        return user

    def set_lang(self, user_id: int, display_name: str, lang: str) -> None:
        with self.db.uow() as s:
            self._touch(s, user_id, display_name, None).lang = lang

    def set_quiet_hours(self, user_id: int, display_name: str, window: str | None) -> None:
        """Choose one of QUIET_CHOICES as one's own quiet hours (None: the deployment's)."""
        if window is not None and window not in QUIET_CHOICES:
            raise DomainError("settings.bad_quiet")
        with self.db.uow() as s:
            self._touch(s, user_id, display_name, None).quiet_hours = window

    def quiet_hours(self, user_id: int) -> tuple[str, str] | None:
        """A person's own quiet hours as (start, end), when they chose some."""
        return self.delivery_prefs(user_id)[1]

    def delivery_prefs(self, user_id: int) -> tuple[str | None, tuple[str, str] | None]:
        """What the sender needs of a person, in one read: their language and own quiet hours."""
        with self.db.read() as conn:
            row = conn.execute(select(User.lang, User.quiet_hours)
                               .where(User.id == user_id)).first()
        lang, window = (row[0], row[1]) if row is not None else (None, None)
        if not window:
            return lang, None
        start, end = window.split("-")
        return lang, (start, end)

    # -- invites -----------------------------------------------------------------------------

    def create_invite(
        self, *, unit: str | None, role: Role, by: Identity | None
    ) -> InviteView:
        """Make a one-time code; `by` None means the server's own administrator."""
        if by is not None:
            if not can(by.role, INVITE_ACTION[role]):
                raise DomainError("invite.role_denied" if by.role else "invite.denied", role=role)
            if unit is None and by.unit is None:
                raise DomainError("invite.office_usage")
        with self.db.uow() as s:
            if unit is not None:
                target = self._find_unit(s, unit)
                if target is None:
                    raise DomainError("unit.unknown", code=shorten(unit, 40))
            else:
                assert by is not None and by.unit is not None
                target = s.get_one(Unit, by.unit.id)
            foreign = by is not None and (by.unit is None or target.id != by.unit.id)
            if foreign and by is not None and not can(by.role, Action.INVITE_OTHER_UNIT):
                raise DomainError("invite.denied")
            now = self.clock.now()
            invite = Invite(
                code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
                unit=target, role=role, created_by=by.user_id if by else None,
                created_at=now, expires_at=now + dt.timedelta(days=self.invite_days),
            )
            s.add(invite)
            s.flush()
            return InviteView(invite.code, _unit_view(target), role, invite.expires_at)

    def redeem_invite(
        self, code: str, *, user_id: int, display_name: str, username: str | None
    ) -> JoinResult:
        """Join (or move to) the invite's unit with its role; each code works once.

        Wrong codes are counted per person: after join_failures of them /join is locked for
        join_lockout, so codes cannot be guessed by trying.
        """
        self._check_lockout(user_id)
        try:
            result = self._redeem(code, user_id=user_id, display_name=display_name,
                                  username=username)
        except DomainError as refusal:
            if refusal.key in ("join.invalid", "join.used", "join.expired"):
                self._count_failure(user_id)
            raise
        self._clear_failures(user_id)
        return result

    def _check_lockout(self, user_id: int) -> None:
        with self.db.read() as conn:
            locked = conn.execute(select(JoinFailure.locked_until)
                                  .where(JoinFailure.user_id == user_id)).scalar()
        now = self.clock.now()
        if locked is not None and locked > now:
            minutes = max(1, -(-int((locked - now).total_seconds()) // 60))
            raise DomainError("join.locked", minutes=minutes)

    def _count_failure(self, user_id: int) -> None:
        now = self.clock.now()
        with self.db.uow() as s:
            row = s.get(JoinFailure, user_id)
            if row is None or (row.locked_until is not None and row.locked_until <= now):
                if row is not None:
                    s.delete(row)
                    s.flush()
                row = JoinFailure(user_id=user_id, failures=0, first_at=now)
                s.add(row)
            row.failures += 1
            if row.failures >= self.join_failures:
                row.locked_until = now + self.join_lockout

    def _clear_failures(self, user_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(delete(JoinFailure).where(JoinFailure.user_id == user_id))

    def _redeem(
        self, code: str, *, user_id: int, display_name: str, username: str | None
    ) -> JoinResult:
        code = code.strip().upper()
        with self.db.uow() as s:
            invite = s.scalar(select(Invite).where(Invite.code == code).with_for_update())
            if invite is None:
                raise DomainError("join.invalid")
            if invite.used_at is not None:
                raise DomainError("join.used")
            now = self.clock.now()
            if invite.expires_at <= now:
                raise DomainError("join.expired")
            invite.used_by, invite.used_at = user_id, now
            self._touch(s, user_id, display_name, username)
            member = s.scalar(select(Member).where(Member.user_id == user_id))
            previous = None
            if member is None:
                member = Member(user_id=user_id, unit=invite.unit, role=invite.role, joined_at=now)
                s.add(member)
            else:
                if member.unit_id != invite.unit_id:
                    previous = _unit_view(member.unit)
                member.unit, member.role, member.joined_at = invite.unit, invite.role, now
            return JoinResult(_unit_view(invite.unit), invite.role, previous)

    # -- groups ------------------------------------------------------------------------------

    def bind_group(
        self, *, chat_id: int, title: str, by: Identity, unit: str | None, group_admin: bool
    ) -> UnitView:
        """Bind a group chat to a unit so that unit-wide messages go there."""
        if not can(by.role, Action.BIND_GROUP):
            raise DomainError("bind.denied")
        if not group_admin:
            raise DomainError("bind.not_group_admin")
        with self.db.uow() as s:
            if unit is not None:
                target = self._find_unit(s, unit)
                if target is None:
                    raise DomainError("unit.unknown", code=shorten(unit, 40))
            elif by.unit is not None:
                target = s.get_one(Unit, by.unit.id)
            else:
                raise DomainError("bind.office_usage")
            if (by.unit is None or target.id != by.unit.id) and not can(
                by.role, Action.BIND_OTHER_UNIT
            ):
                raise DomainError("bind.denied")
            group = s.get(GroupChat, chat_id)
            if group is None:
                group = GroupChat(chat_id=chat_id, unit=target, title=title[:255],
                                  bound_by=by.user_id, bound_at=self.clock.now())
                s.add(group)
            else:
                group.unit, group.title, group.active = target, title[:255], True
                group.bound_by, group.bound_at = by.user_id, self.clock.now()
            return _unit_view(target)

    def name_of(self, user_id: int) -> str | None:
        with self.db.read() as conn:
            return conn.execute(select(User.display_name).where(User.id == user_id)).scalar()

    def mark_unreachable(self, chat_id: int) -> list[int]:
        """Record that a chat no longer takes messages; return its unit's liaisons to tell."""
        with self.db.uow() as s:
            unit_id: int | None = None
            if chat_id < 0:
                group = s.get(GroupChat, chat_id)
                if group is not None:
                    group.active = False
                    unit_id = group.unit_id
            else:
                user = s.get(User, chat_id)
                if user is not None:
                    user.reachable = False
                unit_id = s.scalar(select(Member.unit_id).where(Member.user_id == chat_id))
            if unit_id is None:
                return []
            return list(s.scalars(select(Member.user_id).where(
                Member.unit_id == unit_id, Member.role == Role.LIAISON)))

    def unit_chats(self, unit_id: int) -> list[int]:
        """Every chat of a unit: its members' private chats and its bound groups."""
        with self.db.read() as conn:
            people = conn.execute(select(Member.user_id).where(Member.unit_id == unit_id))
            groups = conn.execute(select(GroupChat.chat_id).where(GroupChat.unit_id == unit_id))
            return [*people.scalars(), *groups.scalars()]

    def unit_groups(self, unit_id: int) -> list[int]:
        with self.db.uow() as s:
            return list(s.scalars(select(GroupChat.chat_id).where(
                GroupChat.unit_id == unit_id, GroupChat.active.is_(True))))
