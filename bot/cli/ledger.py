"""Reading the ledger and what it schedules: `export`, `audit`, `reminders`, `digest`, `report`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.common import plain, private_file
from bot.errors import DomainError
from bot.texts import t

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.reports.digest import DigestReport
    from bot.reports.workbook import UnitSheet


def command(args: argparse.Namespace, services: Services) -> int:
    """Run `export`, `audit`, `reminders` or `digest`."""
    if args.command == "export":
        _export(services, args)
    elif args.command == "reminders":
        _reminders(services, args)
    elif args.command == "digest":
        from bot.reports.digest import DigestReport

        report = DigestReport(services.digest)
        print(plain(report.cli(args.unit, args.send)))
        if args.chart:
            _chart(report, args.unit, Path(args.chart))
    else:
        try:
            if args.command == "report":
                _report(services, args)
            else:
                _audit(services, args)
        except DomainError as exc:
            # These refuse only their arguments (an unknown unit, an unreadable --since or --week):
            # a usage error, so 2 like argparse's.
            language = services.config.language
            print(f"error: {plain(t(language, exc.key, **exc.params))}", file=sys.stderr)
            return 2
    return 0


def _export(services: Services, args: argparse.Namespace) -> None:
    import contextlib
    import tempfile

    from bot.reports.ledger_csv import write_csv
    from bot.reports.parallel import city_sheets, default_jobs, shareable
    from bot.reports.workbook import unit_groups, write_xlsx

    unit = services.membership.find_unit(args.unit) if args.unit else None
    if args.unit and unit is None:
        raise DomainError("unit.unknown", code=args.unit)
    out = Path(args.output)
    fmt = args.format or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    unit_id = unit.id if unit else None
    count = services.ledger.count(unit_id=unit_id)
    # Streamed from the database: a 100k-row ledger never sits in memory whole.
    rows = services.ledger.iter_rows(unit_id=unit_id)
    now, tz = services.clock.now(), services.config.tz
    private_file(out)
    if fmt == "csv":
        write_csv(rows, out, tz=tz, now=now)
    else:
        units = ([(u.code, u.name) for u in services.membership.list_units()]
                 if unit is None else None)
        url = services.config.database.url
        jobs = args.jobs or default_jobs(count, url)
        parallel = unit is None and jobs > 1 and shareable(url)
        # A city's workbook takes a while: how far along, on the terminal only.
        shown = unit is None and sys.stderr.isatty()
        sizes = services.ledger.unit_sizes() if parallel or shown else []
        with contextlib.ExitStack() as stack:
            sheets = None
            if parallel:
                # A city's unit sheets, written by `jobs` processes (bot/reports/parallel.py).
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="ledger-rows-"))
                sheets = city_sheets(services, now, jobs, folder, sizes)
            if shown:
                sheets = _shown(unit_groups(rows) if sheets is None else sheets, len(sizes),
                                sys.stderr)
            write_xlsx(rows, out, tz=tz, now=now, per_unit=unit is None, units=units,
                       papers=services.config.papers, colours=services.ladder.colours,
                       sheets=sheets)
    print(f"{out}: {count} rows ({fmt})")


def _shown(sheets: Iterable[UnitSheet], total: int, to: TextIO) -> Iterator[UnitSheet]:
    """The unit sheets as write_xlsx takes them, each counted on `to` once it is written."""
    done = 0
    for sheet in sheets:
        if done:
            print(f"\r已写入 {done}/{total} 个单位 (units written)", end="", file=to, flush=True)
        yield sheet
        done += 1
    print(f"\r已写入 {done}/{total} 个单位，正在生成文件 (units written; packing the file)",
          file=to, flush=True)


def _chart(report: DigestReport, unit: str | None, out: Path) -> None:
    png = report.unit_chart(unit, report.config.language) if unit else report.city_chart(
        report.config.language)
    out.write_bytes(png)
    print(f"{out}: chart ({len(png) // 1024} KB)", file=sys.stderr)


def _report(services: Services, args: argparse.Namespace) -> None:
    from bot.reports.brief import issue_text, write_brief

    unit_id = services.digest.find_unit(args.unit)[0] if args.unit else None
    out = Path(args.output)
    lang = services.config.language
    figures = write_brief(services.digest, out, unit_id=unit_id, lang=lang, week=args.week)
    print(f"{out}: {t(lang, 'brief.masthead')} {issue_text(lang, figures)}")


def _audit(services: Services, args: argparse.Namespace) -> None:
    from bot.services.audit import AuditService, render_csv, render_text
    from bot.texts import CATALOGUES

    config = services.config
    unit = services.membership.find_unit(args.unit) if args.unit else None
    if args.unit and unit is None:
        raise DomainError("unit.unknown", code=args.unit)
    audit = AuditService(services.db, services.clock, config.tz)
    since = audit.read_since(args.since) if args.since else None
    entries = audit.entries(unit_id=unit.id if unit else None, since=since, limit=args.limit)
    labels = CATALOGUES[config.language]
    shown = 0

    def counted() -> Iterator[object]:
        nonlocal shown
        for entry in entries:
            shown += 1
            yield entry

    if args.format == "csv":
        for chunk in render_csv(counted(), config.tz, labels):  # type: ignore[arg-type]
            sys.stdout.write(chunk)
    else:
        for line in render_text(counted(), config.tz, labels):  # type: ignore[arg-type]
            print(line)
    scope = f"unit {unit.code}" if unit else "every unit"
    start = f" since {since.astimezone(config.tz):%Y-%m-%d %H:%M}" if since else ""
    print(f"({shown} changes, {scope}{start})", file=sys.stderr)


def _reminders(services: Services, args: argparse.Namespace) -> None:
    from bot.domain import NoteState

    chats = None
    if args.unit:
        unit = services.membership.find_unit(args.unit)
        if unit is None:
            raise DomainError("unit.unknown", code=args.unit)
        chats = services.membership.unit_chats(unit.id)
    due_before = services.clock.now() + args.due_within if args.due_within else None
    states = [NoteState.FAILED] if args.failed else [NoteState.PENDING, NoteState.SENDING]
    notes = services.notify.listing(chat_ids=chats, due_before=due_before, states=states,
                                    limit=10_000)
    tz = services.config.tz
    for note in notes:
        who = services.membership.name_of(note.chat_id) if note.chat_id > 0 else "(group)"
        extra = f"\t{note.last_error}" if args.failed else ""
        print(f"{note.due_at.astimezone(tz):%Y-%m-%d %H:%M}\t{note.kind}\t{note.chat_id}\t"
              f"{who or ''}\t{note.subject or ''}\t{note.state.value}{extra}")
    print(f"({len(notes)} {'failed' if args.failed else 'scheduled'})", file=sys.stderr)
