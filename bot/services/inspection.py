"""暗访监督: the 督导组 files findings into any unit's ledger; the unit sees the finding, and
who made it only when `cases.show_inspector` says so."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update

from bot.config import Config
from bot.domain import DialogRef, Role, Source, Track
from bot.errors import DomainError
from bot.permissions import Action, can
from bot.quickfile import MAX_TEXT
from bot.services.ledger import LedgerService
from bot.services.membership import Identity, UnitView
from bot.services.problem import Draft, ProblemView
from storage.db import Database
from storage.dialogs import end_dialog
from storage.ledger import Problem
from storage.models import Member, Unit, User

MAX_PHOTOS = 10


class InspectionService:
    def __init__(self, db: Database, config: Config, ledger: LedgerService) -> None:
        self.db = db
        self.config = config
        self.ledger = ledger

    def check(self, by: Identity) -> None:
        """Refuse anyone who is not of the 督导组 (or the office)."""
        if not can(by.role, Action.INSPECT):
            raise DomainError("inspect.denied")

    def file_finding(
        self, unit_id: int, *, by: Identity, by_name: str, description: str, category: str,
        deadline: dt.datetime, photos: Sequence[str] = (), dialog: DialogRef | None = None,
    ) -> ProblemView:
        """File a finding (问题来源 暗访监督) into the unit's ledger, photos as its evidence;
        the liaison works on it and the leader signs it off, as for any item of the unit."""
        self.check(by)
        description = description.strip()
        if not description:
            raise DomainError("item.need_text")
        if len(description) > MAX_TEXT:  # the chat and the web form check it too; any caller
            raise DomainError("file.bad_length", max=MAX_TEXT)
        shown = by_name if self.config.cases.show_inspector else self.config.cases.inspector_name
        with self.db.unit() as uow:
            end_dialog(uow, dialog)
            s = uow.session
            unit = s.get(Unit, unit_id)
            if unit is None:
                raise DomainError("cases.unknown_unit")
            people = {role: s.execute(select(User.id, User.display_name).join(
                Member, Member.user_id == User.id).where(
                Member.unit_id == unit.id, Member.role == role).order_by(Member.id)).first()
                for role in (Role.LIAISON, Role.LEADER)}
            owner = people[Role.LIAISON] or people[Role.LEADER]
            leader = people[Role.LEADER]
            draft = Draft(
                category=category, source=Source.INSPECTION.value, description=description,
                measures=(self.config.cases.measures,), track=Track.DEADLINE.value,
                owner_name=owner.display_name if owner else unit.name,
                owner_user_id=owner.id if owner else None,
                leader_name=leader.display_name if leader else None,
                leader_user_id=leader.id if leader else None, deadline=deadline.isoformat())
            filer = Identity(user_id=by.user_id, role=by.role, lang=by.lang,
                             unit=UnitView(id=unit.id, code=unit.code, name=unit.name))
            problem = self.ledger.file(draft, by=filer, by_name=shown, uow=uow)
            evidence = list(photos[:MAX_PHOTOS])
            if evidence:
                uow.conn.execute(update(Problem).where(Problem.id == problem.id)
                                 .values(evidence=evidence))
            return dataclasses.replace(problem, evidence=tuple(evidence))
