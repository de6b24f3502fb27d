"""Measure bot.dates: median µs per parse, Chinese grammar vs dateparser, and cold start."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.calendar import WorkCalendar  # noqa: E402 - needs ROOT on sys.path first
from bot.dates import parse_when, warm_up  # noqa: E402

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

CHINESE = [
    "明天", "后天", "大后天", "今晚8点", "下午3点半", "下周五", "本周五", "下下周一", "周五前",
    "3天后", "三天后", "两周内", "一个月内", "半小时后", "一个半小时后", "月底", "下月底", "年底前",
    "12月31日前", "15号", "2026年12月31日", "2026-12-31", "2026/12/31", "十二月三十一日",
    "１２月３１日", "明天下午3点", "下周五上午10点", "12月31日18:00", "2026-12-31 18:00",
    "后天 9:30", "截止：12月31日", "3天后下午3点", "15:30", "三点一刻", "2月30日", "随便什么",
    "明天 blah",
]  # fmt: skip
# The forms offices write in 整改时限; the last ones need the working-day calendar.
OFFICE = [
    "2027年1月底前", "明年3月底前", "于2026年12月31日前", "最晚下周五", "截至12月31日为止",
    "12月上旬", "明年1月下旬", "下月中旬", "三个工作日内", "春节前", "国庆节后", "节后",
]  # fmt: skip
ENGLISH = [
    "tomorrow 3pm", "next friday", "in 3 days", "Dec 31", "friday 5pm", "in 2 hours",
    "3pm tomorrow", "by friday", "today 9pm", "31 December 2026", "noon", "tomorrow blah",
    "a",
]  # fmt: skip

COLD = """
import time
t0 = time.perf_counter()
from datetime import datetime, timezone
from bot.dates import parse_when
t1 = time.perf_counter()
now = datetime(2026, 11, 28, 15, tzinfo=timezone.utc)
parse_when({first!r}, now)
t2 = time.perf_counter()
parse_when({second!r}, now)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def per_call_us(phrase: str, rounds: int, calendar: WorkCalendar | None = None) -> float:
    """Best of 5 timings of `rounds` calls, per call: the least disturbed estimate."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            parse_when(phrase, NOW, calendar=calendar)
        best = min(best, (time.perf_counter() - start) / rounds)
    return best * 1e6


def cold(first: str, second: str) -> tuple[float, float, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = COLD.format(first=first, second=second)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    a, b, c = (float(x) for x in out.stdout.split())
    return a, b, c


def main() -> None:
    print(
        f"phrases: {len(CHINESE)} Chinese grammar, {len(OFFICE)} office forms,"
        f" {len(ENGLISH)} English (dateparser)"
    )
    print("cold start, fresh process each (import bot.dates / first parse / second parse):")
    runs = [cold("明天下午3点", "下周五") for _ in range(3)]
    for label, values in zip(("import", "1st", "2nd"), zip(*runs, strict=True), strict=True):
        print(f"  Chinese  {label:6} median of 3: {statistics.median(values) * 1e3:9.2f} ms")
    runs = [cold("tomorrow 3pm", "next friday") for _ in range(3)]
    for label, values in zip(("import", "1st", "2nd"), zip(*runs, strict=True), strict=True):
        print(f"  English  {label:6} median of 3: {statistics.median(values) * 1e3:9.2f} ms")

    start = time.perf_counter()
    warm_up()
    print(f"warm_up() in this process: {(time.perf_counter() - start) * 1e3:.1f} ms")

    zh = [per_call_us(p, 2000) for p in CHINESE]
    calendar = WorkCalendar()
    office = [per_call_us(p, 2000, calendar) for p in OFFICE]
    en = [per_call_us(p, 50) for p in ENGLISH]
    print("warm, median over phrases of per-phrase µs/parse:")
    print(f"  Chinese grammar : median {statistics.median(zh):8.1f} µs  max {max(zh):8.1f} µs")
    print(
        f"  office forms    : median {statistics.median(office):8.1f} µs"
        f"  max {max(office):8.1f} µs  ({len(OFFICE)}, with the calendar)"
    )
    print(f"  dateparser (en) : median {statistics.median(en):8.1f} µs  max {max(en):8.1f} µs")
    print(f"  all {len(zh) + len(en)} phrases  : median {statistics.median(zh + en):8.1f} µs")
    slowest = sorted(zip(zh, CHINESE, strict=True), reverse=True)[:3]
    print("  slowest Chinese :", ", ".join(f"{p} {us:.1f} µs" for us, p in slowest))


if __name__ == "__main__":
    main()
