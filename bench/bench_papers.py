"""Measure the papers: the city 工作简报 (.docx) of 1,000 units and a unit's, on the digest data.

Seeds the digest benchmark's dataset (1,000 units, 100k problems) in one subprocess, then
writes the briefs in a fresh one, so the figures are the brief's alone.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_digest  # noqa: E402 - needs ROOT on sys.path
from bench.common import peak_rss_mb  # noqa: E402


def measure(url: str) -> dict[str, float]:
    """Time the city brief (1,000-row table, chart) and one unit's, each written to memory."""
    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.reports.brief import write_brief
    from storage.db import Database

    config = bench_digest._config(url)
    services = build_services(config, clock=FixedClock(bench_digest.AT),
                              database=Database.from_url(url))
    digest = services.digest
    result: dict[str, float] = {}
    for name, unit_id in (("city", None), ("unit", digest.find_unit("U0001")[0])):
        out = io.BytesIO()
        start = time.perf_counter()
        write_brief(digest, out, unit_id=unit_id, lang="zh")
        result[f"{name}_s"] = time.perf_counter() - start
        result[f"{name}_kb"] = len(out.getvalue()) / 1024
    result["units"] = len(digest.city_stats())
    result["maxrss_mb"] = peak_rss_mb()
    return result


def _child(*args: str) -> str:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    return out.stdout


def run(units: int = 1000, problems: int = 100_000, url: str | None = None) -> dict[str, float]:
    """Seed (unless `url` already holds the data) and measure; the figures bench/run.py shows."""
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='papers-bench-')) / 'b.db'}"
        bench_digest._child("--child", "seed", "--db", url, "--units", str(units),
                            "--problems", str(problems))
    r: dict[str, float] = json.loads(_child("--child", "--db", url))
    return {"report_docx_1000_units_s": r["city_s"], "report_docx_unit_s": r["unit_s"],
            "report_docx_city_kb": r["city_kb"], "report_docx_peak_rss_mb": r["maxrss_mb"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--db", help="a database the digest benchmark seeded (default: seed one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.db)))
        return
    for key, value in run(args.units, args.problems, args.db).items():
        print(f"{key:28s} {value:10.3f}")


if __name__ == "__main__":
    main()
