"""Quiet hours: the deployment's (reminders.quiet_hours), and a person's own wider choice
(/settings), during which nothing but urgent messages reaches them."""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Services
from bot.services.notify import Note


def in_quiet_hours(local: dt.datetime, start: str, end: str) -> bool:
    """Tell whether a local time falls in quiet hours (which may span midnight; start == end
    means none)."""
    now, a, b = local.time(), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    if a == b:
        return False
    return a <= now < b if a < b else (now >= a or now < b)


def personal_wait(svc: Services, note: Note,
                  window: tuple[str, str] | None) -> dt.timedelta | None:
    """How long a non-urgent note must wait for the end of its person's own quiet hours
    (`window`, as MembershipService.delivery_prefs reads it); None when it may go now (urgent,
    no choice made, or outside them)."""
    if note.urgent or window is None:
        return None
    start, end = window
    local = svc.clock.now().astimezone(svc.config.tz)
    if not in_quiet_hours(local, start, end):
        return None
    until = dt.datetime.combine(local.date(), dt.time.fromisoformat(end), tzinfo=local.tzinfo)
    if until <= local:
        until += dt.timedelta(days=1)
    return until - local
