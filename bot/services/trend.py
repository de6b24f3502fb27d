"""The city's weekly trend: problems filed and fixed up to each week's end, from the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from bot.domain import EventKind
from storage.ledger import ProblemEvent


@dataclass(frozen=True)
class TrendPoint:
    """The city at one week's end: problems filed and fixed so far, and the week's new ones."""

    end: dt.datetime
    filed: int
    fixed: int
    filed_week: int
    fixed_week: int

    @property
    def rate_percent(self) -> float:
        return 100.0 * self.fixed / self.filed if self.filed else 0.0


def trend(conn: Connection, ends: Sequence[dt.datetime]) -> list[TrendPoint]:
    """Cumulative filed/fixed at each end, rebuilt from the event history in one pass.

    Fixed so far = 完成 events − 驳回 events (each rejection takes one 完成 back); 销号 keeps an
    item fixed. Weekly figures are differences between consecutive ends.
    """
    kinds = (EventKind.FILED, EventKind.DONE, EventKind.REJECTED)
    # One end more, a week before the first, so the first week has its own new figures too.
    cuts = [ends[0] - dt.timedelta(days=7), *ends] if ends else []
    if not cuts:
        return []
    # Everything before the first cut is one count per kind, read off the (kind, at) index;
    # only the weeks between the cuts are told apart, row by row.
    first, last = min(cuts), max(cuts)
    is_kind = ProblemEvent.kind.in_(kinds)
    before = {kind: int(n) for kind, n in conn.execute(
        select(ProblemEvent.kind, func.count()).where(is_kind, ProblemEvent.at < first)
        .group_by(ProblemEvent.kind))}
    columns = [func.sum(case((ProblemEvent.at < cut, 1), else_=0)) for cut in cuts]
    rows = conn.execute(select(ProblemEvent.kind, *columns)
                        .where(is_kind, ProblemEvent.at >= first, ProblemEvent.at < last)
                        .group_by(ProblemEvent.kind)).all()
    by_kind = {kind: [n] * len(cuts) for kind, n in before.items()}
    for kind, *values in rows:
        by_kind[kind] = [before.get(kind, 0) + int(v or 0) for v in values]
    zero = [0] * len(cuts)
    filed = by_kind.get(EventKind.FILED, zero)
    fixed = [d - r for d, r in zip(by_kind.get(EventKind.DONE, zero),
                                   by_kind.get(EventKind.REJECTED, zero), strict=True)]
    return [TrendPoint(end, filed[i + 1], fixed[i + 1], filed[i + 1] - filed[i],
                       fixed[i + 1] - fixed[i]) for i, end in enumerate(ends)]
