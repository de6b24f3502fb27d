"""The campaign calendar: its phases read against local dates, and when each is announced."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import CampaignConfig, Phase
from bot.domain import NoteKind

PHASE_KIND = NoteKind.CAMPAIGN_PHASE
END_KIND = NoteKind.CAMPAIGN_END
# Announcements go out at this local time on a phase's first day; the end book the day after.
ANNOUNCE_AT = dt.time(9, 0)
# After downtime a missed announcement still goes out this many days into its phase, not later.
ANNOUNCE_CATCH_UP = dt.timedelta(days=3)



@dataclass(frozen=True)
class Campaign:
    """The configured phases read against local dates."""

    config: CampaignConfig
    tz: ZoneInfo

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self.config.phases

    @property
    def end(self) -> dt.date | None:
        return self.phases[-1].end if self.phases else None

    def current(self, day: dt.date) -> Phase | None:
        return next((p for p in self.phases if p.start <= day <= p.end), None)

    def upcoming(self, day: dt.date) -> Phase | None:
        return next((p for p in self.phases if p.start > day), None)

    def filing_window(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        """The dates "the current phase" means for non-filers: the phase, else the campaign."""
        phase = self.current(day)
        if phase is not None:
            return phase.start, phase.end
        if self.phases:
            return self.phases[0].start, self.phases[-1].end
        return None

    def at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, ANNOUNCE_AT, tzinfo=self.tz)

    def announcements_due(self, now: dt.datetime) -> list[Phase]:
        """Phases whose announcement time has come, still early in the phase (catch-up safe)."""
        local = now.astimezone(self.tz)
        return [p for p in self.phases if self.at(p.start) <= local
                and local.date() <= min(p.end, p.start + ANNOUNCE_CATCH_UP)]

    def end_due(self, now: dt.datetime) -> bool:
        """The end-of-campaign book is due from 09:00 the day after the last phase."""
        return self.end is not None and now >= self.at(self.end + dt.timedelta(days=1))
