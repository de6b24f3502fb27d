"""One message per person per wave: several items' nudges due to one person at one moment go
as one message with a button per item; alone, a nudge is sent as it always was."""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import Services
from bot.clock import FixedClock
from tests.chat import Chat
from tests.test_deadline_reminders import (
    CADRE,
    _no_daily_planners,
    file_item,
    local,
    tick_at,
    unit,
)

__all__ = ["_no_daily_planners", "unit"]


async def test_three_items_due_together_are_one_message_with_a_button_each(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    items = [file_item(unit, local(2026, 12, 4, 23, 59)) for _ in range(3)]
    numbers = [unit.ledger.peek(i).number for i in items]  # type: ignore[union-attr]
    # Tuesday 1 Dec 09:00: "3 days before" for all three at once.
    sent = await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    to_cadre = [m for m in chat.sandbox.sent(CADRE) if "整改提醒" in (m.text or "")]
    assert len(sent) == 1 and len(to_cadre) == 1
    text = to_cadre[0].text or ""
    assert "您有3条整改提醒" in text and all(n in text for n in numbers)
    labels = [label for row in chat.sandbox.buttons(to_cadre[0]) for label, _ in row]
    assert labels == numbers
    # The follow-ups of all three are planned: the next nudge comes for each again, together.
    again = await tick_at(chat, clock, local(2026, 12, 3, 9, 0))
    assert len(again) == 1 and "您有3条整改提醒" in again[0]


async def test_a_nudge_alone_keeps_its_own_buttons(
    unit: Services, chat: Chat, clock: FixedClock
) -> None:
    file_item(unit, local(2026, 12, 4, 23, 59))
    [text] = await tick_at(chat, clock, local(2026, 12, 1, 9, 0))
    assert "整改提醒，点编号" not in text
    message = chat.sandbox.sent(CADRE)[-1]
    labels = [label for row in chat.sandbox.buttons(message) for label, _ in row]
    from bot.texts import t

    assert labels == [t("zh", "nudge.btn.done"), t("zh", "nudge.btn.progress"),
                      t("zh", "nudge.btn.snooze")]


def test_a_claim_takes_the_whole_group_so_none_is_left_for_a_later_claim(
    unit: Services, clock: FixedClock
) -> None:
    """Nudges due together for one person fold into the first's message only when claimed
    with it; left to a later claim, each would be read and rendered for nothing."""
    from bot.delivery.coalesce import COALESCED
    from bot.domain import NoteKind
    from bot.services.notify import Planned

    now = clock.now()
    # Planned in this order: a nudge for each of 30 people, then the second items of 7 and 8,
    # and for 7 a nudge due an hour earlier (not its group) and a probe (not a nudge kind).
    firsts = [Planned(key=f"a{c}", chat_id=c, kind=NoteKind.DEADLINE_BEFORE, due_at=now,
                      payload={"problem_id": c}) for c in range(1, 31)]
    seconds = [Planned(key=f"b{c}", chat_id=c, kind=NoteKind.DEADLINE_TODAY, due_at=now,
                       payload={"problem_id": 100 + c}) for c in (7, 8)]
    others = [Planned(key="early", chat_id=7, kind=NoteKind.DEADLINE_OVERDUE,
                      due_at=now - timedelta(hours=1), payload={"problem_id": 200}),
              Planned(key="probe", chat_id=7, kind="chat.unreachable", due_at=now,
                      payload={"chat_id": 5})]
    unit.notify.plan([*firsts, *seconds, *others])
    claim = unit.notify.claim("t", limit=10, quiet=False, together=COALESCED)
    keys = {n.key for n in claim.fresh}
    # The first ten by due time: the early one, then a1..a9; b7 and b8 come with a7 and a8.
    assert keys == {"early", *(f"a{c}" for c in range(1, 10)), "b7", "b8"}
    rest = unit.notify.claim("t", limit=100, quiet=False, together=COALESCED)
    assert "b7" not in {n.key for n in rest.fresh}
    assert len(rest.fresh) == 30 - 9 + 1  # a10..a30 and the probe
