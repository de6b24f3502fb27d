"""The campaign calendar: phases, countdown, phase announcements and the closing workbook."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from bot.config import CampaignConfig, Phase
from bot.domain import NoteKind, Status, Track
from bot.services.export import STATUS_NAMES, SUMMARY_SHEET
from bot.services.problem import ProblemView
from bot.services.stats import UnitStats
from bot.texts import t

PHASE_KIND = NoteKind.CAMPAIGN_PHASE
END_KIND = NoteKind.CAMPAIGN_END
# Announcements go out at this local time on a phase's first day; the end book the day after.
ANNOUNCE_AT = dt.time(9, 0)
# After downtime a missed announcement still goes out this many days into its phase, not later.
ANNOUNCE_CATCH_UP = dt.timedelta(days=3)
ONGOING_SHEET = "长期坚持"
HANDED_OVER = "转入常态化监督"
SUMMARY_HEAD = ("单位编号", "单位", "问题总数", "待整改", "整改中", "待销号", "已销号", "逾期",
                "整改率", "立行立改", "限期整改", "长期坚持")
ONGOING_HEAD = ("序号", "问题编号", "责任单位", "问题类别", "问题描述", "整改措施", "责任人",
                "检查周期", "整改状态", "整改进展", "移交去向")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BOLD = Font(bold=True)
_FILL = PatternFill(fill_type="solid", fgColor="D9E1F2")


def day_text(lang: str, day: dt.date) -> str:
    return t(lang, "digest.date", month=day.month, day=day.day)


def _left(lang: str, days: int) -> str:
    return t(lang, "campaign.left_today") if days <= 0 else t(lang, "campaign.left_days",
                                                               days=days)


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

    def countdown(self, lang: str, day: dt.date) -> str:
        """One line for digests: where the campaign stands on `day` ("" with no phases)."""
        end = self.end
        if end is None:
            return ""
        phase = self.current(day)
        if phase is not None:
            return t(lang, "campaign.countdown", phase=phase.name,
                     start=day_text(lang, phase.start), end=day_text(lang, phase.end),
                     phase_left=_left(lang, (phase.end - day).days),
                     campaign_left=_left(lang, (end - day).days))
        coming = self.upcoming(day)
        if coming is None:
            return t(lang, "campaign.over", end=day_text(lang, end))
        if coming is self.phases[0]:
            return t(lang, "campaign.before", phase=coming.name,
                     start=day_text(lang, coming.start), days=(coming.start - day).days)
        return t(lang, "campaign.between", phase=coming.name, start=day_text(lang, coming.start),
                 end=day_text(lang, coming.end), days=(coming.start - day).days,
                 campaign_left=_left(lang, (end - day).days))

    def announcement(self, lang: str, phase: Phase, campaign_name: str) -> str:
        index = self.phases.index(phase) + 1 if phase in self.phases else 0
        return t(lang, "campaign.phase_started", campaign=campaign_name, phase=phase.name,
                 index=index, count=len(self.phases), start=day_text(lang, phase.start),
                 end=day_text(lang, phase.end), days=(phase.end - phase.start).days + 1,
                 countdown=self.countdown(lang, phase.start))


# -- the end-of-campaign workbook ----------------------------------------------------------------


def _clean(value: str | None) -> str:
    return _ILLEGAL.sub("", value) if value else ""


def _header(ws: object, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = _BOLD, _FILL
        cells.append(cell)
    return cells


def _text_cell(ws: object, value: str) -> WriteOnlyCell | str:
    # User text such as "=SUM(…)" must stay text, not become a formula.
    if value.startswith(("=", "#")):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _summary_row(s: UnitStats) -> list[str | int]:
    c = s.status
    return [s.code, s.name, s.total, c[Status.PENDING], c[Status.IN_PROGRESS],
            c[Status.AWAITING_SIGNOFF], c[Status.SIGNED_OFF], s.overdue, s.rate,
            s.track[Track.IMMEDIATE], s.track[Track.DEADLINE], s.track[Track.ONGOING]]


def _totals(units: Sequence[UnitStats]) -> UnitStats:
    total = UnitStats(0, "合计", "")
    for s in units:
        for status, n in s.status.items():
            total.status[status] += n
        for track, n in s.track.items():
            total.track[track] += n
        total.buckets[0] += s.overdue
    return total


def summary_workbook(units: Sequence[UnitStats], ongoing: Iterable[ProblemView],
                     *, title: str) -> bytes:
    """The campaign's closing book: totals per unit (汇总) and the 长期坚持 items handed over."""
    wb = Workbook(write_only=True)
    wb.properties.title = title
    ws = wb.create_sheet(SUMMARY_SHEET)
    ws.freeze_panes = "A2"
    ws.append(_header(ws, SUMMARY_HEAD))
    for s in units:
        ws.append([_text_cell(ws, _clean(v)) if isinstance(v, str) else v
                   for v in _summary_row(s)])
    bold_total = []
    for v in _summary_row(_totals(units)):
        cell = WriteOnlyCell(ws, value=v)
        cell.font = _BOLD
        bold_total.append(cell)
    ws.append(bold_total)
    sheet = wb.create_sheet(ONGOING_SHEET)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, ONGOING_HEAD))
    for n, row in enumerate(ongoing, 1):
        period = f"每{row.checkin_days}天" if row.checkin_days else ""
        texts = (row.number, row.unit_name, row.category, row.description,
                 "\n".join(f"{i}. {m}" for i, m in enumerate(row.measures, 1)), row.owner_name,
                 period, STATUS_NAMES[row.status], row.progress, HANDED_OVER)
        sheet.append([n, *(_text_cell(sheet, _clean(v)) for v in texts)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
