"""Confirming a filing dies between any two of its statements: the problem exists once or not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select

from bot.bootstrap import Services
from storage.ledger import Problem, ProblemEvent
from storage.models import Dialog
from storage.notify import Notification
from tests.chat import Chat
from tests.test_filing import (
    CADRE,
    _setup,
    walk_from_description_to_confirm,
    walk_to_description,
)


class Killed(Exception):
    """The process died here: nothing after this statement ran, nothing uncommitted stays."""


def _count(services: Services, table: Any) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _state(services: Services) -> tuple[int, int, int, int]:
    return (_count(services, Problem), _count(services, ProblemEvent),
            _count(services, Notification), _count(services, Dialog))


async def _walk(chat: Chat) -> None:
    await walk_to_description(chat)
    await chat.send(CADRE, "窗口工作人员午休时段无人值守")
    await walk_from_description_to_confirm(chat)


async def test_a_death_at_any_statement_of_confirming_files_once_or_not_at_all(
    chat: Chat, services: Services,
) -> None:
    _setup(services, chat.sandbox)
    engine = services.db.engine
    # First a clean confirm, to learn how many statements it takes and what it leaves.
    await _walk(chat)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    base = _state(services)
    await chat.click(CADRE, "确认")
    event.remove(engine, "before_cursor_execute", record)
    filed = _state(services)
    assert filed[0] == base[0] + 1 and filed[3] == base[3] - 1
    per_filing = tuple(after - before for after, before in zip(filed, base, strict=True))
    assert len(statements) >= 5  # read and take the conversation, row, event, plan, …

    for n in range(len(statements)):
        await _walk(chat)
        before = _state(services)
        seen = 0

        def die(conn: Any, cursor: Any, statement: str, *args: Any, at: int = n) -> None:
            nonlocal seen
            seen += 1
            if seen == at + 1:
                raise Killed(statement)

        event.listen(engine, "before_cursor_execute", die)
        try:
            await chat.click(CADRE, "确认")
        finally:
            event.remove(engine, "before_cursor_execute", die)
        after = _state(services)
        # All of the filing or none of it: row, history, plan and the end of the conversation.
        assert after in (before, tuple(b + d for b, d in zip(before, per_filing, strict=True))), n
        # Tapping again files it if it was not filed, and files nothing twice if it was.
        await chat.click(CADRE, "确认")
        again = _state(services)
        assert again == tuple(b + d for b, d in zip(before, per_filing, strict=True)), n
    numbers = [p.number for p in services.ledger.rows()]
    assert len(numbers) == len(set(numbers)) == len(statements) + 1
