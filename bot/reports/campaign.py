"""The campaign calendar in words: the countdown line of digests and the phase announcements."""

from __future__ import annotations

import datetime as dt

from bot.config import Phase
from bot.services.campaign import Campaign
from bot.texts import t


def day_text(lang: str, day: dt.date) -> str:
    return t(lang, "digest.date", month=day.month, day=day.day)


def _left(lang: str, days: int) -> str:
    return t(lang, "campaign.left_today") if days <= 0 else t(lang, "campaign.left_days",
                                                               days=days)


def countdown(campaign: Campaign, lang: str, day: dt.date) -> str:
    """One line for digests: where the campaign stands on `day` ("" with no phases)."""
    end = campaign.end
    if end is None:
        return ""
    phase = campaign.current(day)
    if phase is not None:
        return t(lang, "campaign.countdown", phase=phase.name,
                 start=day_text(lang, phase.start), end=day_text(lang, phase.end),
                 phase_left=_left(lang, (phase.end - day).days),
                 campaign_left=_left(lang, (end - day).days))
    coming = campaign.upcoming(day)
    if coming is None:
        return t(lang, "campaign.over", end=day_text(lang, end))
    if coming is campaign.phases[0]:
        return t(lang, "campaign.before", phase=coming.name,
                 start=day_text(lang, coming.start), days=(coming.start - day).days)
    return t(lang, "campaign.between", phase=coming.name, start=day_text(lang, coming.start),
             end=day_text(lang, coming.end), days=(coming.start - day).days,
             campaign_left=_left(lang, (end - day).days))


def announcement(campaign: Campaign, lang: str, phase: Phase, campaign_name: str,
                 day: dt.date | None = None) -> str:
    """The message that opens a phase; its countdown is the one for `day`, the day it is sent
    (a late announcement, after downtime, must say what /stats says that day)."""
    index = campaign.phases.index(phase) + 1 if phase in campaign.phases else 0
    return t(lang, "campaign.phase_started", campaign=campaign_name, phase=phase.name,
             index=index, count=len(campaign.phases), start=day_text(lang, phase.start),
             end=day_text(lang, phase.end), days=(phase.end - phase.start).days + 1,
             countdown=countdown(campaign, lang, phase.start if day is None else day))
