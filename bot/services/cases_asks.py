"""A complainant who came through Telegram (/complain) is asked in the chat to rate the result
once the item is signed off, once per sign-off."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import and_, select

from bot.clock import Clock
from bot.domain import NoteKind, Rating, Status
from bot.errors import DomainError
from bot.services.case_data import Rated
from bot.services.notify import NotificationService, Planned
from storage.cases import Case, CaseRating
from storage.db import Database
from storage.ledger import Problem

if TYPE_CHECKING:
    from bot.services.cases import CasesService

CHAT = "chat:"
# Sign-offs older than this are not asked about any more (a restart after a long stop).
ASK_WITHIN = dt.timedelta(days=30)


def ask_subject(case_id: int) -> str:
    return f"case-rate:{case_id}"


class CaseAsks:
    def __init__(self, db: Database, clock: Clock, notify: NotificationService,
                 cases: CasesService) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify
        self.cases = cases

    def plan(self) -> int:
        """Plan the question for every signed-off item whose case came from a chat and has no
        rating for that sign-off yet (the sender calls this every tick; keys keep it once)."""
        now = self.clock.now()
        rated = select(CaseRating.id).where(CaseRating.case_id == Case.id,
                                            CaseRating.signed_off_at == Problem.signed_off_at)
        query = (select(Case.id, Case.channel, Problem.signed_off_at)
                 .join(Problem, and_(Problem.id == Case.problem_id,
                                     Problem.status == Status.SIGNED_OFF))
                 .where(Case.channel.startswith(CHAT), Problem.signed_off_at > now - ASK_WITHIN,
                        ~rated.exists()))
        with self.db.write() as conn:
            notes = [Planned(key=f"c{case_id}:rate:{signed:%Y%m%d%H%M%S%f}",
                             chat_id=int(channel[len(CHAT):]), kind=NoteKind.CASE_RATE_ASK,
                             due_at=now, payload={"case_id": case_id},
                             subject=ask_subject(case_id))
                     for case_id, channel, signed in conn.execute(query)
                     if channel[len(CHAT):].isdigit()]
            return self.notify.plan(notes, conn=conn) if notes else 0

    def code_for(self, case_id: int, user_id: int) -> str:
        """The 查询码 of a case, for the person who sent it from this chat only."""
        with self.db.read() as conn:
            row = conn.execute(select(Case.code, Case.channel).where(Case.id == case_id)).first()
        if row is None or row.channel != f"{CHAT}{user_id}":
            raise DomainError("cases.unknown")
        return str(row.code)

    def rate(self, case_id: int, user_id: int, rating: Rating) -> Rated:
        """The rating tapped in the chat: the same as the tracking page's."""
        return self.cases.rate(self.code_for(case_id, user_id), rating.value)
