"""A city's ledger workbook with its unit sheets written by several processes at once.

The units are cut into runs of about equal rows, in the order the sheets take (unit code).
Worker processes read their runs on their own connections and write each unit's table rows
to a file of its own, with the workbook's format numbers (Styles.number); the main process
writes the first run itself meanwhile, then takes the workers' rows whole into their sheets and
writes the 汇总 and the file as ever. Its sheets are byte for byte those a single process
writes (tests/test_export_parallel.py); what differs is the time, on a machine with a second
core: the rows are most of an export's work; the packing at the end is not shared out.

Each process reads its units in its own transactions, as the single process reads one unit
after another; a change made while the export runs may show in one sheet and not another, as
it may there.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING

from sqlalchemy import make_url

from bot.reports.workbook import UnitSheet, WrittenRows, write_unit_rows

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Config

# Rows below which one process writes the workbook: a worker's start (its imports, its
# connection) costs about what a second core saves on 20,000 rows.
PARALLEL_FROM = 20_000
# Runs of units the rows are cut into: the main process writes them from the first on, the
# workers from the last back, until they meet; the finer the cut, the less either waits there.
RUNS = 40
Size = tuple[int, str, str, int]  # a unit's id, code, name and rows (LedgerService.unit_sizes)


def default_jobs(rows: int, url: str) -> int:
    """Processes for a city's workbook of `rows`: two where there are two cores and the rows
    are many, else one; one for a database only this process can open (SQLite in memory)."""
    if rows < PARALLEL_FROM or not shareable(url):
        return 1
    return min(2, os.cpu_count() or 1)


def shareable(url: str) -> bool:
    """Whether another process can open the database at `url`."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return True
    database = parsed.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in url


def runs(sizes: Sequence[Size], count: int) -> list[list[Size]]:
    """`sizes` cut into at most `count` runs in order, none empty, of about equal rows."""
    total = sum(size[3] for size in sizes)
    out: list[list[Size]] = [[]]
    done = 0
    for size in sizes:
        # A new run starts once the ones before hold their share of the rows.
        if out[-1] and len(out) < count and done >= total * len(out) / count:
            out.append([])
        out[-1].append(size)
        done += size[3]
    return out if out[0] else []


def city_sheets(services: Services, now: dt.datetime, jobs: int, folder: str,
                sizes: Sequence[Size] | None = None) -> Iterator[UnitSheet]:
    """Every unit's sheet for write_xlsx(per_unit=True, sheets=…), in order: runs of units read
    here as they are written, from the first on, while `jobs - 1` worker processes write runs
    from the last back into files under `folder` (which the caller removes). A run no worker
    has begun when this side reaches it is written here: neither side waits for the other but
    at the run where they meet, whatever each one's speed. `sizes`: the units'
    (LedgerService.unit_sizes), when the caller has read them already."""
    ledger = services.ledger
    parts = runs(ledger.unit_sizes() if sizes is None else sizes, RUNS)
    pool = None
    if jobs > 1 and len(parts) > 1:
        # spawn: a fork would copy this process's open database connections into the workers.
        pool = ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=(services.config, now))
    try:
        # Submitted last first: the workers take them in that order.
        futures: dict[int, Future[list[WrittenRows]]] = {} if pool is None else {
            i: pool.submit(write_run, [size[:3] for size in parts[i]], folder)
            for i in range(len(parts) - 1, 0, -1)}
        for i, part in enumerate(parts):
            future = futures.get(i)
            if future is None or future.cancel():
                for unit_id, code, name, _ in part:
                    yield code, name, ledger.iter_rows(unit_id=unit_id)
            else:
                yield from ((written.code, written.name, written) for written in future.result())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# A worker process's services, made once by _start for every run it writes.
_worker: tuple[Services, Config, dt.datetime] | None = None


def _start(config: Config, now: dt.datetime) -> None:
    global _worker
    from bot.bootstrap import build_services
    from bot.clock import FixedClock

    # Colours (the 预警 column) as they stand at the export's `now`, as in the main process.
    _worker = (build_services(config, clock=FixedClock(now)), config, now)


def write_run(units: Sequence[tuple[int, str, str]], folder: str) -> list[WrittenRows]:
    """In a worker process: each unit's table rows to a file under `folder`."""
    if _worker is None:
        raise RuntimeError("write_run runs in a worker process started by city_sheets")
    services, config, now = _worker
    ledger = services.ledger
    return write_unit_rows(
        ((code, name, ledger.iter_rows(unit_id=unit_id)) for unit_id, code, name in units),
        folder, tz=config.tz, now=now, papers=config.papers, colours=services.ladder.colours)
