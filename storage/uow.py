"""The unit of work: one transaction per use case, shared by every part of that use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """One open transaction: an ORM session, and the Core connection it runs on.

    A use case opens one and hands it to every service it calls (`uow=`), so the row, its
    history, its reminders and the end of the conversation commit together or not at all.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def conn(self) -> Connection:
        """The transaction's connection, for Core statements on hot paths."""
        return self.session.connection()


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """Open a transaction that commits when the block ends and rolls back on any error."""
    with sessions() as session, session.begin():
        yield UnitOfWork(session)


@contextmanager
def joined(sessions: sessionmaker[Session], uow: UnitOfWork | None) -> Iterator[UnitOfWork]:
    """Take part in the caller's unit of work, or open one when there is none."""
    if uow is not None:
        yield uow
        return
    with unit_of_work(sessions) as own:
        yield own
