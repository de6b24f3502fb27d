"""Measure bot.reports.workbook: seconds, rows/s and peak memory for xlsx and CSV at N rows."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import peak_rss_mb  # noqa: E402 - needs ROOT on sys.path
from bot.domain import Level, Source, Status, Track  # noqa: E402
from bot.reports.ledger_csv import write_csv  # noqa: E402
from bot.reports.workbook import write_xlsx  # noqa: E402
from bot.services.problem import ProblemView  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)
UNITS = 100
STATUSES = list(Status)
TRACKS = list(Track)
SOURCES = list(Source)
LEVELS = [None, *Level]
CATEGORIES = ["大局意识淡漠", "履职尽责缺位", "执行落实漂浮", "群众观念不牢", "服务基层不优"]
OPERATIONS = ("xlsx", "xlsx_per_unit", "csv")


def synthetic(n: int) -> list[ProblemView]:
    """N rows spread over 100 units, realistic text lengths, ~1/4 overdue, in unit order."""
    rows = []
    for i in range(n):
        unit = i % UNITS
        track = TRACKS[i % 3]
        status = STATUSES[(i // 3) % 4]
        ongoing = track == Track.ONGOING
        deadline = None if ongoing else NOW + dt.timedelta(days=(i % 60) - 20, hours=i % 24)
        rows.append(ProblemView(
            id=i + 1, number=f"U{unit:03d}-{i // UNITS + 1:04d}", unit_id=unit + 1,
            unit_code=f"U{unit:03d}", unit_name=f"某某县第{unit + 1}号单位（机关党委）",
            level=LEVELS[i % 4], source=SOURCES[i % 5], category=CATEGORIES[i % 5],
            description=f"第{i}号问题：窗口单位工作人员服务态度生硬，群众办事多次往返，" * 2,
            measures=("开展专题教育", "建立首问负责制台账并每周通报", "纳入年度考核"),
            goal="群众满意度明显提升", track=track, leader_name="李副局长", leader_user_id=None,
            owner_name="张某某", owner_user_id=None, deadline=deadline,
            checkin_days=14 if ongoing else None, status=status,
            progress="已召开专题会议，制定整改方案" if status != Status.PENDING else None,
            completion="已完成整改，群众反映良好" if status in (Status.AWAITING_SIGNOFF,
                                                      Status.SIGNED_OFF) else None,
            evidence=("AgACAgUAAxkBAAIB",) * (i % 3), rework_count=i % 2,
            signed_off_at=NOW if status == Status.SIGNED_OFF else None,
            reviewer_name="王局长" if status == Status.SIGNED_OFF else None,
            remarks=None if i % 4 else "需协调市直部门", created_by=1,
            created_at=NOW, updated_at=NOW,
        ))
    rows.sort(key=lambda r: (r.unit_code, r.number))
    return rows


def _runner(op: str, rows: Sequence[ProblemView], folder: Path) -> Callable[[], None]:
    if op == "csv":
        return lambda: write_csv(rows, folder / "ledger.csv", tz=SHANGHAI, now=NOW)
    per_unit = op == "xlsx_per_unit"
    return lambda: write_xlsx(rows, folder / f"{op}.xlsx", tz=SHANGHAI, now=NOW,
                              per_unit=per_unit)


def measure(rows: int, *, trace: bool = True) -> dict[str, float]:
    """Time each export untraced, then rerun it under tracemalloc for the peak it allocates.

    Tracing slows the export several-fold: trace=False skips the rerun (peak reported as 0).
    cpu is the process CPU time of the timed run, steadier than wall time on a shared host.
    """
    data = synthetic(rows)
    result: dict[str, float] = {"rows": float(rows)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for op in OPERATIONS:
            run = _runner(op, data, folder)
            gc.collect()
            start, cpu_start = time.perf_counter(), time.process_time()
            run()
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            peak = _traced_peak(run) if trace else 0
            size = (folder / ("ledger.csv" if op == "csv" else f"{op}.xlsx")).stat().st_size
            result[f"{op}_s"] = seconds
            result[f"{op}_cpu_s"] = cpu
            result[f"{op}_rows_per_s"] = rows / seconds
            result[f"{op}_peak_mb"] = peak / 2**20
            result[f"{op}_file_mb"] = size / 2**20
    result["maxrss_mb"] = peak_rss_mb()  # the whole process, input rows included
    return result


def _traced_peak(run: Callable[[], None]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _in_subprocess(rows: int, trace: bool) -> dict[str, float]:
    flags = [] if trace else ["--no-trace"]
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(rows), *flags], check=True,
        capture_output=True, text=True,
    )
    values: dict[str, float] = json.loads(out.stdout)
    return values


def _baseline_rss_mb(rows: int) -> float:
    """maxrss of a process that only builds the rows, to tell input from export memory."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"sys.path.insert(0, {str(ROOT / 'bench')!r}); import bench_export as b; "
            f"from bench.common import peak_rss_mb; rows = b.synthetic({rows}); "
            "print(peak_rss_mb())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--no-trace", action="store_true",
                        help="skip the tracemalloc rerun (several-fold slower); peak MB shows 0")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, trace=not args.no_trace)))
        return
    print(f"{'rows':>8} {'export':>14} {'seconds':>8} {'cpu s':>8} {'rows/s':>9} "
          f"{'peak MB':>8} {'file MB':>8}")
    for size in (int(s) for s in args.rows.split(",")):
        r = _in_subprocess(size, not args.no_trace)
        for op in OPERATIONS:
            print(f"{size:>8} {op:>14} {r[f'{op}_s']:>8.2f} {r[f'{op}_cpu_s']:>8.2f} "
                  f"{r[f'{op}_rows_per_s']:>9.0f} {r[f'{op}_peak_mb']:>8.1f} "
                  f"{r[f'{op}_file_mb']:>8.1f}")
        base = _baseline_rss_mb(size)
        print(f"{size:>8} {'process maxrss':>14} {r['maxrss_mb']:.0f} MB "
              f"(rows alone: {base:.0f} MB)")
    if not args.no_trace:
        print("peak MB: tracemalloc peak of the export itself, input rows excluded")


if __name__ == "__main__":
    main()
