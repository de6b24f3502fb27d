"""Measure the web's server time: a unit page over 10,000 items, the city overview of 1,000 units.

Seeds temp SQLite files with bench_digest's dataset (one unit with 10k items; 1,000 units with
100k items), then times requests through the whole ASGI app in process (session check, the
services' reads, the template), as the median of several runs after one warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_digest import AT, PHASES, seed  # noqa: E402 - needs ROOT on sys.path

OFFICE = 900
RUNS = 7


def _services(url: str) -> Any:
    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.config import parse_config
    from storage.db import Database

    config = parse_config({"database": {"url": url}, "office_admins": [OFFICE],
                           "campaign": {"phases": PHASES},
                           "web": {"enabled": True, "public_url": "http://bench",
                                   "session_secret": "bench-" + "s" * 32}})
    return build_services(config, clock=FixedClock(AT), database=Database.from_url(url))


async def _timed(services: Any, paths: list[str], runs: int = RUNS) -> dict[str, float]:
    """Median milliseconds per path, each request a full trip through the app."""
    import httpx

    from web.app import build_web
    from web.context import COOKIE

    app = build_web(services)
    transport = httpx.ASGITransport(app=app)
    out: dict[str, float] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(COOKIE, services.signin.open_session(OFFICE, "link"))
        for path in paths:
            times = []
            for _ in range(runs + 1):
                start = time.perf_counter()
                answer = await client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            out[path] = statistics.median(times[1:])
    return out


def measure(units_items: int = 10_000, city_units: int = 1000,
            city_items: int = 100_000) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="web-bench-"))
    unit_url, city_url = (f"sqlite:///{folder / name}" for name in ("unit.db", "city.db"))
    seed(unit_url, 1, units_items)
    seed(city_url, city_units, city_items)
    unit = asyncio.run(_timed(_services(unit_url), [
        "/unit/1", "/unit/1?status=open&due=overdue", "/unit/1?q=问题99", "/unit/1?after=9900"]))
    city = asyncio.run(_timed(_services(city_url), ["/city", "/city?sort=overdue"]))
    return {
        "web_unit_page_10k_ms": unit["/unit/1"],
        "web_unit_filtered_10k_ms": unit["/unit/1?status=open&due=overdue"],
        "web_unit_search_10k_ms": unit["/unit/1?q=问题99"],
        "web_unit_last_page_10k_ms": unit["/unit/1?after=9900"],
        "web_city_1000_ms": city["/city"],
        "web_city_sorted_1000_ms": city["/city?sort=overdue"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    for key, value in measure(args.items, args.units, args.units * 100).items():
        print(f"{key:28s} {value:10.1f}")


if __name__ == "__main__":
    main()
