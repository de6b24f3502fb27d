"""A person's own quiet hours, chosen in /settings: wider than the deployment's, they hold back
what is not urgent until they end."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.services.notify import Planned
from tests.chat import Chat, local
from tests.test_forged_updates import MEMBER, OWNER, build_org


def _probe(key: str, chat: int, clock: FixedClock, *, urgent: bool) -> Planned:
    return Planned(key=key, chat_id=chat, kind="chat.unreachable", due_at=clock.now(),
                   payload={"chat_id": 5}, urgent=urgent)


async def test_quiet_hours_are_chosen_in_settings(chat: Chat) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    [card] = await chat.send(OWNER, "/settings")
    labels = [label for row in chat.sandbox.buttons(card) for label, _ in row]
    assert "✓ 默认免打扰" in labels and "21:00–08:00" in labels and "20:00–08:30" in labels
    [again] = await chat.click(OWNER, "21:00–08:00", message=card)
    assert "免打扰时段：21:00–08:00" in (again.text or "")
    assert services.membership.quiet_hours(OWNER) == ("21:00", "08:00")
    await chat.click(OWNER, "默认免打扰", message=again)
    assert services.membership.quiet_hours(OWNER) is None


async def test_a_persons_own_quiet_hours_hold_back_what_is_not_urgent(
    chat: Chat, clock: FixedClock
) -> None:
    services: Services = chat.app.bot_data.services
    build_org(services, chat)
    services.membership.set_quiet_hours(OWNER, "张三", "21:00-08:00")
    clock.set(local(2026, 12, 1, 21, 30))  # after the person's 21:00, before the city's 22:00
    services.notify.plan([_probe("quiet", OWNER, clock, urgent=False),
                          _probe("urgent", OWNER, clock, urgent=True),
                          _probe("other", MEMBER, clock, urgent=False)])
    await chat.app.bot_data.sender.tick()
    assert len(chat.sandbox.sent(OWNER)) == 1  # the urgent one only
    assert len(chat.sandbox.sent(MEMBER)) == 1  # someone who chose nothing: not held
    [held] = [n for n in services.notify.listing() if n.key == "quiet"]
    assert held.due_at == local(2026, 12, 2, 8, 0)
    clock.set(local(2026, 12, 2, 8, 1))
    await chat.app.bot_data.sender.tick()
    assert len(chat.sandbox.sent(OWNER)) == 2
