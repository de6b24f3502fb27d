"""The digests in words: a unit's 公文-style summary, the private note, the city table, /stats."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from bot.config import ScoreWeights
from bot.domain import Colour, Status, Supervision, Track
from bot.reports import campaign as campaign_texts
from bot.reports.campaign import day_text
from bot.reports.summary import summary_workbook
from bot.services.digest import CITY_ROWS, PRIVATE_NAMES, DigestService, rank
from bot.services.membership import Identity
from bot.services.private_note import PRIVATE_ITEMS
from bot.services.scores import Score
from bot.services.scores import ranked as ranked_scores
from bot.services.stats import TrendPoint, UnitStats, city_totals, rate_text
from bot.strings import shorten
from bot.texts import fragment, t

_STATUS_KEYS = {Status.PENDING: "pending", Status.IN_PROGRESS: "in_progress",
                Status.AWAITING_SIGNOFF: "awaiting", Status.SIGNED_OFF: "signed"}
_TRACK_KEYS = {Track.IMMEDIATE: "immediate", Track.DEADLINE: "deadline", Track.ONGOING: "ongoing"}


class DigestReport:
    """Words for the digest service's figures, in a language; it reads nothing itself."""

    def __init__(self, service: DigestService) -> None:
        self.service = service
        self.config = service.config
        self.tz = service.tz

    def headline(self, s: UnitStats, lang: str) -> str:
        return t(lang, "digest.headline", date=day_text(lang, self.service.today()),
                 total=s.total, fixed=s.fixed, rate=s.rate, signed=s.signed, overdue=s.overdue)

    def week_label(self, lang: str, at: dt.datetime | None = None) -> str:
        year, week, _ = (at or self.service.clock.now()).astimezone(self.tz).isocalendar()
        return t(lang, "digest.week", year=year, week=week)

    def countdown(self, lang: str) -> str:
        return campaign_texts.countdown(self.service.campaign, lang, self.service.today())

    def _body(self, s: UnitStats, lang: str) -> list[str]:
        status = " · ".join(t(lang, f"stats.status.{_STATUS_KEYS[k]}", n=s.status[k])
                            for k in Status)
        track = " · ".join(t(lang, f"stats.track.{_TRACK_KEYS[k]}", n=s.track[k]) for k in Track)
        lines = [
            t(lang, "digest.by_status", counts=status),
            t(lang, "digest.by_track", counts=track),
            t(lang, "digest.this_week", filed=s.filed_week, fixed=s.fixed_week,
              signed=s.signed_week),
            t(lang, "digest.time_left", overdue=s.buckets[0], d10=s.buckets[1],
              d20=s.buckets[2], more=s.buckets[3]),
        ]
        lines += _alerts(s, lang)
        if s.meetings:
            lines.append(t(lang, "digest.meetings", meetings=s.meetings, invited=s.invited,
                           attended=s.attended, rate=rate_text(s.attended, s.invited),
                           declined=s.declined, unanswered=s.unanswered))
        else:
            lines.append(t(lang, "digest.meetings_none"))
        if s.leaves_ended:
            lines.append(t(lang, "digest.leave", ended=s.leaves_ended, late=s.leaves_late))
        else:
            lines.append(t(lang, "digest.leave_none"))
        return lines

    def unit_text(self, unit_id: int, lang: str, at: dt.datetime | None = None, *,
                  shared: bool = False) -> str:
        """The weekly digest for a unit's group: figures only, never a person's name."""
        s = self.service.unit_stats(unit_id, at, shared=shared)
        lines = [t(lang, "digest.unit_title", unit=s.name, week=self.week_label(lang, at)),
                 self.headline(s, lang)]
        countdown = self.countdown(lang)
        if countdown:
            lines.append(countdown)
        return "\n".join([*lines, "", *self._body(s, lang)])

    def unit_brief(self, unit_id: int, lang: str) -> str:
        s = self.service.unit_stats(unit_id)
        return t(lang, "digest.brief", unit=s.name, headline=self.headline(s, lang))

    def private_text(self, unit_id: int, lang: str, *, shared: bool = False) -> str | None:
        """Overdue items with their owners, and who has filed nothing this phase; None if clean.
        shared=True: from a recent pass over every unit (the sender's week of digests)."""
        note = self.service.private_note(unit_id, shared=shared)
        if note.empty:
            return None
        lines = [t(lang, "digest.private_title", unit=note.unit_name)]
        if note.overdue:
            lines.append(t(lang, "digest.private_overdue", count=note.overdue_total))
            for item in note.overdue:
                lines.append(t(lang, "digest.private_item", number=item.number,
                               owner=item.owner, what=shorten(item.what, 25, one_line=True),
                               days=item.days))
            if note.overdue_total > PRIVATE_ITEMS:
                lines.append(t(lang, "digest.more", count=note.overdue_total - PRIVATE_ITEMS))
        else:
            lines.append(t(lang, "digest.private_no_overdue"))
        if note.silent:
            names = "、".join(note.silent[:PRIVATE_NAMES])
            if len(note.silent) > PRIVATE_NAMES:
                names += t(lang, "digest.names_more", count=len(note.silent) - PRIVATE_NAMES)
            lines.append(t(lang, "digest.private_silent", since=day_text(lang, note.since),
                           count=len(note.silent), names=names))
        return "\n".join(lines)

    def city_text(self, lang: str, at: dt.datetime | None = None,
                  limit: int | None = CITY_ROWS, *, shared: bool = False) -> str:
        """The campaign office's weekly table: every unit's filed, fixed, 整改率, overdue, rank;
        shared=True: the figures of the city-wide pass the week's digests share."""
        units = self.service.city_stats(at, shared=shared)
        total = city_totals(units)
        lines = [t(lang, "digest.city_title", campaign=self.config.campaign.name,
                   week=self.week_label(lang, at)), self.headline(total, lang)]
        countdown = self.countdown(lang)
        if countdown:
            lines.append(countdown)
        lines.append(t(lang, "digest.city_units", units=len(units),
                       with_overdue=sum(1 for s in units if s.overdue), filed=total.filed_week,
                       fixed=total.fixed_week, signed=total.signed_week))
        points = self.service.city_trend(at)
        if len(points) >= 2 and points[-1].filed:
            lines.append(_trend_line(lang, points[-2], total))
        lines += _alerts(total, lang)
        lines += ["", t(lang, "digest.city_head")]
        shown, skipped = head_and_tail(rank(units), limit)
        for r in shown:
            if r is None:
                lines.append(t(lang, "digest.city_skipped", count=skipped))
                continue
            s = r.stats
            lines.append(t(lang, "digest.city_row", rank=r.rank or "—", unit=s.name,
                           total=s.total, fixed=s.fixed, rate=s.rate, overdue=s.overdue))
        return "\n".join([*lines, *_scores(units, self.config.scores.weights, lang, limit)])

    def city_chart(self, lang: str, at: dt.datetime | None = None, *,
                   shared: bool = False) -> bytes:
        """The city chart as PNG: 整改率 by unit and the week-over-week trend."""
        from bot.reports.chart import city_chart  # matplotlib loads only when a chart is drawn
        from bot.services.brief import weekly_trend

        units = self.service.city_stats(at, shared=shared)
        return city_chart(rank(units), weekly_trend(self.service, at), lang,
                          title=t(lang, "digest.chart_title", week=self.week_label(lang, at)),
                          tz=self.tz, as_of=self.service.clock.now())

    def unit_chart(self, unit_code: str, lang: str, at: dt.datetime | None = None) -> bytes:
        """A unit's chart as PNG: its items by status and its open items by time left."""
        from bot.reports.chart import unit_chart

        s = self.service.unit_stats(self.service.find_unit(unit_code)[0], at)
        return unit_chart(s, lang, title=t(lang, "chart.unit_title", unit=s.name,
                                           week=self.week_label(lang, at)),
                          tz=self.tz, as_of=self.service.clock.now())

    def announcement(self, lang: str, name: str, start: str) -> str | None:
        """A phase's opening message; None if the phase was taken out of the config."""
        phase = self.service.phase(name, start)
        if phase is None:
            return None
        return campaign_texts.announcement(self.service.campaign, lang, phase,
                                           self.config.campaign.name, self.service.today())

    def end_book(self) -> bytes:
        """The closing workbook: totals per unit and the 长期坚持 items handed over."""
        return summary_workbook(self.service.city_stats(), self.service.ongoing_items(),
                                title=self.config.campaign.name, tz=self.tz,
                                now=self.service.clock.now(), papers=self.config.papers)

    def end_text(self, lang: str) -> str:
        units = self.service.city_stats()
        total = sum(s.total for s in units)
        fixed = sum(s.fixed for s in units)
        ongoing = sum(s.track[Track.ONGOING] for s in units)
        end = self.service.campaign.end or self.service.today()
        return t(lang, "campaign.ended", campaign=self.config.campaign.name,
                 end=day_text(lang, end), units=len(units), total=total, fixed=fixed,
                 rate=rate_text(fixed, total), ongoing=ongoing)

    def on_demand(self, by: Identity, lang: str, *, unit: str | None = None,
                  group: int | None = None) -> tuple[tuple[str, ...], bool]:
        """/stats: the texts to answer with, and whether the city chart follows."""
        scope = self.service.scope(by, unit=unit, group=group)
        if scope.unit_id is None:
            return (self.city_text(lang),), scope.chart
        texts = [self.unit_text(scope.unit_id, lang)]
        if scope.private:
            private = self.private_text(scope.unit_id, lang)
            if private:
                texts.append(private)
        return tuple(texts), False

    def cli(self, unit_code: str | None, send: bool, lang: str | None = None) -> str:
        """`python -m bot digest [--unit CODE] [--print|--send]`: the text, or what was planned.

        --send plans the messages due now under one-off keys; the running bot's sender delivers
        them at its next tick (the command line never talks to Telegram itself).
        """
        lang = lang or self.config.language
        if send:
            return t(lang, "digest.cli_planned", count=self.service.send_now(unit_code))
        if unit_code is None:
            return self.city_text(lang, limit=None)
        unit_id, _ = self.service.find_unit(unit_code)
        private = self.private_text(unit_id, lang)
        return self.unit_text(unit_id, lang) + (f"\n\n{private}" if private else "")


def _trend_line(lang: str, before: TrendPoint, now: UnitStats) -> str:
    """The change since last week; the figures of this week are the headline's, so the city
    digest never says two numbers for one thing."""
    rate = 100.0 * now.fixed / now.total if now.total else 0.0
    return t(lang, "digest.city_trend", rate=now.rate, delta=f"{rate - before.rate_percent:+.1f}",
             filed=now.filed_week, fixed=now.fixed_week)


def _alerts(s: UnitStats, lang: str) -> list[str]:
    """The ladder's colours and the 督办 marks, when there are any."""
    if not (any(s.colours.values()) or any(s.marks.values())):
        return []
    return [t(lang, "digest.alerts", red=s.colours[Colour.RED], yellow=s.colours[Colour.YELLOW],
              blue=s.colours[Colour.BLUE], red_card=s.marks[Supervision.RED],
              yellow_card=s.marks[Supervision.YELLOW])]


SCORE_ROWS = 20
T = TypeVar("T")


def head_and_tail(rows: list[T], limit: int | None) -> tuple[list[T | None], int]:
    """Rows to show: all of them, or the first and last halves of `limit` with None between;
    and how many were left out."""
    if limit is None or len(rows) <= limit:
        return list(rows), 0
    head, skipped = limit // 2, len(rows) - limit
    return [*rows[:head], None, *rows[head + skipped:]], skipped


def _scores(units: list[UnitStats], w: ScoreWeights, lang: str, limit: int | None,
            ) -> list[str]:
    """考核: each unit's score with its components, highest first, and how it is worked out."""
    scored = ranked_scores(units, w)
    if not any(x.points is not None for x in scored):
        return []
    lines = ["", t(lang, "digest.scores_head", w_rect=f"{w.rectification_rate:g}",
                   w_time=f"{w.on_time_rate:g}", w_rework=f"{w.rework:g}",
                   w_red=f"{w.red_cards:g}", w_days=f"{w.overdue_days:g}",
                   w_liked=f"{w.satisfaction:g}", w_missed=f"{w.missed_rounds:g}")]
    # A score row is twice a table row: fewer of them keep the message within Telegram's 4096.
    shown, skipped = head_and_tail(list(enumerate(scored, 1)),
                                   None if limit is None else min(limit, SCORE_ROWS))
    for row in shown:
        if row is None:
            lines.append(t(lang, "digest.city_skipped", count=skipped))
            continue
        place, x = row
        lines.append(t(lang, "digest.score_row", rank=place if x.points is not None else "—",
                       unit=x.unit.name,
                       points="—" if x.points is None else f"{x.points:.1f}",
                       rect=rate_text(x.unit.fixed, x.unit.total),
                       timely=rate_text(x.unit.on_time, x.unit.with_deadline)
                       if x.unit.with_deadline else "—",
                       rework=x.rework, red=x.red_cards, days=x.overdue_days,
                       extra=_score_extra(x, w, lang)))
    return lines


def _score_extra(x: Score, w: ScoreWeights, lang: str) -> str:
    """满意率 and 未报送, shown where they count (weighted, and there is something to show)."""
    parts = []
    if w.satisfaction and x.satisfaction is not None:
        parts.append(fragment(lang, "digest.score_liked",
                              rate=rate_text(x.unit.satisfied, x.unit.rated)))
    if w.missed_rounds and x.missed_rounds:
        parts.append(fragment(lang, "digest.score_missed", n=x.missed_rounds))
    return "".join(parts)
