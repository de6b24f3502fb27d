"""Conversations in progress, kept in the database so a restart or another instance resumes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from bot.clock import Clock
from bot.domain import DialogRef, DialogState
from storage.db import Database
from storage.hot import HotPath
from storage.models import Dialog
from storage.people import IDENTITY_COLUMNS, join_identity
from storage.uow import UnitOfWork

_WHERE = (Dialog.chat_id == bindparam("chat"), Dialog.user_id == bindparam("user"))
_GET = select(Dialog.flow, Dialog.state, Dialog.data).where(*_WHERE)
_DELETE = delete(Dialog).where(*_WHERE)
_DELETE_AT = delete(Dialog).where(*_WHERE, Dialog.flow == bindparam("flow"),
                                  Dialog.state == bindparam("state"))
_DELETE_IN = delete(Dialog).where(*_WHERE, Dialog.flow == bindparam("flow"))
# The step and who is talking in one round trip: both are needed on every step of a flow.
_GET_WITH_IDENTITY = join_identity(
    select(Dialog.flow, Dialog.state, Dialog.data, *IDENTITY_COLUMNS).select_from(Dialog),
    Dialog.user_id,
).where(*_WHERE)


_VALUES = {"flow": bindparam("p_flow"), "state": bindparam("p_state"),
           "data": bindparam("p_data", type_=Dialog.data.type),
           "updated_at": bindparam("p_at", type_=Dialog.updated_at.type)}
_UPDATE = update(Dialog).where(
    Dialog.chat_id == bindparam("chat"), Dialog.user_id == bindparam("user")).values(_VALUES)
_INSERT = insert(Dialog).values(chat_id=bindparam("chat"), user_id=bindparam("user"), **_VALUES)


class DialogStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.hot = HotPath(db.engine)

    # Core statements, not ORM loads: these run on every update of a private chat, the read
    # and the save straight on the driver (storage.hot).

    def get(self, chat_id: int, user_id: int) -> DialogState | None:
        with self.db.read() as conn:
            row = conn.execute(_GET, {"chat": chat_id, "user": user_id}).first()
        return DialogState(row[0], row[1], dict(row[2])) if row else None

    def get_with_identity(
        self, chat_id: int, user_id: int,
    ) -> tuple[DialogState, tuple[Any, ...]] | None:
        """Read a conversation and its person's IDENTITY_COLUMNS together; None when there is
        no conversation."""
        with self.hot.reading() as run:
            row = run.first(_GET_WITH_IDENTITY, {"chat": chat_id, "user": user_id})
        if row is None:
            return None
        return DialogState(row[0], row[1], dict(row[2])), tuple(row[3:])

    def save(self, chat_id: int, user_id: int, dialog: DialogState) -> None:
        params = {"chat": chat_id, "user": user_id, "p_flow": dialog.flow,
                  "p_state": int(dialog.state), "p_data": dict(dialog.data),
                  "p_at": self.clock.now()}
        with self.hot.writing() as run:
            if not run.rowcount(_UPDATE, params):
                run.rowcount(_INSERT, params)

    def clear(self, chat_id: int, user_id: int) -> bool:
        """End a conversation; tell whether there was one."""
        with self.db.write() as conn:
            result = conn.execute(_DELETE, {"chat": chat_id, "user": user_id})
            return bool(result.rowcount)


def end_dialog(uow: UnitOfWork, ref: DialogRef | None) -> bool:
    """End the named conversation inside a use case's transaction, if it is (still) there at
    that step; tell whether it was. None names no conversation."""
    if ref is None:
        return False
    params = {"chat": ref.chat_id, "user": ref.user_id, "flow": ref.flow, "state": ref.state}
    statement = _DELETE_IN if ref.state is None else _DELETE_AT
    return bool(uow.conn.execute(statement, params).rowcount)


def take_dialog(uow: UnitOfWork, ref: DialogRef) -> DialogState | None:
    """Read and end the named conversation in the caller's transaction; None when it is no
    longer there or has moved to another step (someone got there first)."""
    row = uow.conn.execute(_GET, {"chat": ref.chat_id, "user": ref.user_id}).first()
    if row is None or row[0] != ref.flow or (ref.state is not None and row[1] != ref.state):
        return None
    # The delete decides: of two transactions that read the row, one deletes it and the other
    # deletes nothing (it waited for the first, or SQLite ran them one at a time).
    if not end_dialog(uow, DialogRef(ref.chat_id, ref.user_id, row[0], row[1])):
        return None
    return DialogState(row[0], row[1], dict(row[2]))
