"""Personal reminders: read "time + what", plan, list, snooze and delete one's own."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.dates import END_OF_DAY, describe_when, extract_when, parse_when
from bot.domain import NoteKind
from bot.errors import DomainError
from bot.services.membership import Identity
from bot.services.notify import Note, NotificationService, Planned

KIND = NoteKind.REMINDER
MAX_TEXT = 500
MAX_PENDING = 50
# English phrases go through parse_when word by word; no time phrase is longer than this.
_MAX_EN_WORDS = 6
_ASK_PREFIX = re.compile(r"^\s*(?:提醒我|(?i:remind\s+me)\b)[\s,，:：]*")
Snooze = Literal["10m", "1d"]


@dataclass(frozen=True)
class Reminder:
    id: int
    due_at: dt.datetime  # aware, in the deployment's zone
    text: str


def subject_of(user_id: int) -> str:
    return f"remind:{user_id}"


def strip_ask(text: str) -> str:
    """Drop a leading 提醒我 / "remind me" so the time phrase comes first."""
    return _ASK_PREFIX.sub("", text, count=1)


class ReminderService:
    def __init__(self, notify: NotificationService, clock: Clock, tz: ZoneInfo) -> None:
        self.notify = notify
        self.clock = clock
        self.tz = tz

    # -- reading -----------------------------------------------------------------------------

    def read_when(self, text: str, lang: str) -> tuple[dt.datetime, str]:
        """Split a leading time phrase off text: (when, what), refusing unusable times."""
        now = self.clock.now().astimezone(self.tz)
        found = extract_when(text, now) or _extract_english(text, now)
        if found is None:
            raise DomainError("remind.unreadable")
        when, what = found
        if when.time() == END_OF_DAY:
            # A date without an hour means "by the end of the day" for deadlines; a reminder at
            # 23:59 would land in quiet hours and arrive the morning after. Ask for the hour.
            raise DomainError("remind.no_clock")
        self._check_future(when, lang)
        return when, what.removeprefix("的").strip()

    def read(self, text: str, lang: str) -> tuple[dt.datetime, str]:
        """Read "time what" from one message (提醒我 first or not); both parts are required."""
        when, what = self.read_when(strip_ask(text), lang)
        if not what:
            raise DomainError("remind.no_what", when=describe_when(when, lang))
        return when, what

    def _check_future(self, when: dt.datetime, lang: str) -> None:
        if when <= self.clock.now():
            raise DomainError("remind.past", when=describe_when(when.astimezone(self.tz), lang))

    # -- planning ----------------------------------------------------------------------------

    def add(self, ident: Identity, when: dt.datetime, what: str, lang: str) -> Reminder:
        """Plan a reminder to the person at `when`."""
        if ident.role is None:
            raise DomainError("remind.no_unit")
        what = what.strip()
        if not what:
            raise DomainError("remind.empty")
        if len(what) > MAX_TEXT:
            raise DomainError("remind.too_long", max=MAX_TEXT)
        self._check_future(when, lang)
        if len(self.pending(ident.user_id)) >= MAX_PENDING:
            raise DomainError("remind.too_many", max=MAX_PENDING)
        key = f"remind:{ident.user_id}:{uuid.uuid4().hex}"
        payload = {"text": what, "clock": when.astimezone(self.tz).strftime("%H:%M")}
        planned = self._plan(ident.user_id, key, when, payload)
        assert planned is not None  # a fresh random key is always new
        return planned

    def _plan(self, user_id: int, key: str, when: dt.datetime,
              payload: dict[str, str]) -> Reminder | None:
        """Plan one reminder row; None when the key was planned before."""
        # Urgent: the person chose this minute themselves, so quiet hours do not apply.
        new = self.notify.plan([Planned(key=key, chat_id=user_id, kind=KIND, due_at=when,
                                        payload=payload, subject=subject_of(user_id),
                                        urgent=True)])
        if not new:
            return None
        notes = self.notify.listing(chat_ids=[user_id], subject_prefix=subject_of(user_id))
        return next(self._view(n) for n in notes if n.key == key)

    def snooze(self, user_id: int, note_id: int, how: Snooze) -> Reminder:
        """Plan a delivered reminder again, 10 minutes or one day later; once per delivery."""
        note = self._own(user_id, note_id)
        now = self.clock.now().astimezone(self.tz)
        first = note.payload.get("clock") or f"{note.due_at.astimezone(self.tz):%H:%M}"
        payload = {"text": str(note.payload.get("text", "")), "clock": str(first)}
        if how == "10m":
            when = now + dt.timedelta(minutes=10)
        else:  # tomorrow at the time of day first chosen, whatever snoozes came between
            clock = dt.time.fromisoformat(payload["clock"])
            when = dt.datetime.combine(now.date() + dt.timedelta(days=1), clock, tzinfo=self.tz)
        # The key follows the delivered row, so a second tap (or a retried update) plans nothing.
        again = self._plan(user_id, f"remind:{user_id}:snooze:{note_id}", when, payload)
        if again is None:
            raise DomainError("remind.snoozed_already")
        return again

    # -- reading back ------------------------------------------------------------------------

    def pending(self, user_id: int) -> list[Reminder]:
        """The person's reminders still to come, soonest first."""
        notes = self.notify.listing(chat_ids=[user_id], subject_prefix=subject_of(user_id))
        return [self._view(n) for n in notes if n.subject == subject_of(user_id)]

    def owned(self, user_id: int, note_id: int) -> Reminder:
        """The person's reminder with this id, in any state; refuses anyone else's."""
        return self._view(self._own(user_id, note_id))

    def _own(self, user_id: int, note_id: int) -> Note:
        note = self.notify.get(note_id)
        if note is None or note.kind != KIND or note.subject != subject_of(user_id):
            raise DomainError("remind.not_yours")
        return note

    def _view(self, note: Note) -> Reminder:
        return Reminder(note.id, note.due_at.astimezone(self.tz), str(note.payload.get("text")))

    # -- deleting ----------------------------------------------------------------------------

    def delete(self, user_id: int, note_id: int) -> Reminder:
        """Delete one of the person's own pending reminders."""
        reminder = self.owned(user_id, note_id)
        if not self.notify.cancel(note_id):
            raise DomainError("remind.gone")
        return reminder

    def delete_all(self, user_id: int) -> int:
        """Delete every pending reminder of the person; return how many."""
        return self.notify.cancel_subject(subject_of(user_id))


def _extract_english(text: str, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """Split a leading English time phrase ("tomorrow 3pm submit it"): longest prefix first."""
    words = text.split()
    for n in range(min(len(words), _MAX_EN_WORDS), 0, -1):
        phrase = " ".join(words[:n])
        if not phrase.isascii():
            continue  # Chinese phrases were extract_when's to find
        when = parse_when(phrase, now)
        if when is not None:
            rest = " ".join(words[n:])
            return when, rest.removeprefix("to ") if rest.startswith("to ") else rest
    return None
