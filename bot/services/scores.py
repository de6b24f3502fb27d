"""Unit scores (考核): a weighted formula over named components, each kept to show why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import ScoreWeights
from bot.domain import Supervision
from bot.services.stats import UnitStats


@dataclass(frozen=True)
class Score:
    """A unit's score and what it is made of; units with no items have none."""

    unit: UnitStats
    rectification_rate: float  # 整改率, 0–1
    on_time_rate: float  # 按期整改率, 0–1 (1 when no item has a deadline)
    rework: int  # 回炉 times
    red_cards: int  # items under 红牌督办
    overdue_days: int  # days overdue, summed over open items
    missed_rounds: int  # 进展报送 reports never made (未报送)
    satisfaction: float | None  # 满意率, 0–1; None before the public rated any of its items
    points: float | None


def score(s: UnitStats, w: ScoreWeights) -> Score:
    """100 × (整改率 × w1 + 按期率 × w2 + 满意率 × w3) / (w1 + w2 + w3), less each penalty per
    item × its weight, kept within 0–100; a unit nobody rated yet is scored without 满意率."""
    red = s.marks[Supervision.RED]
    rect = s.fixed / s.total if s.total else 0.0
    timely = s.on_time / s.with_deadline if s.with_deadline else 1.0
    liked = s.satisfied / s.rated if s.rated else None
    points: float | None = None
    if s.total:
        parts = [(rect, w.rectification_rate), (timely, w.on_time_rate)]
        if liked is not None:
            parts.append((liked, w.satisfaction))
        share = sum(weight for _, weight in parts)
        base = 100 * sum(v * weight for v, weight in parts) / share if share else 100.0
        penalty = (s.rework * w.rework + red * w.red_cards + s.overdue_days * w.overdue_days
                   + s.missed_rounds * w.missed_rounds) / s.total
        points = round(min(100.0, max(0.0, base - penalty)), 1)
    return Score(s, rect, timely, s.rework, red, s.overdue_days, s.missed_rounds, liked, points)


def ranked(units: Sequence[UnitStats], w: ScoreWeights) -> list[Score]:
    """Scored units, highest first; units with no items last, by code."""
    scores = [score(s, w) for s in units]
    return sorted(scores, key=lambda x: (x.points is None, -(x.points or 0), x.unit.code))
