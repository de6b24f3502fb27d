"""The command line: run, check config, migrate, set up units and invites, try it locally."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.cli.common import open_services, plain, resolve_config
from bot.clock import Clock
from bot.config import Config, ConfigError, load_config
from bot.context import Services
from bot.errors import DomainError
from bot.texts import t
from storage.models import Role

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="作风问题教育整顿助手 · rectification-campaign Telegram bot",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", metavar="FILE", help="YAML config (default: ./config.yaml)")
        return p

    command("run", "run the bot (long polling, or webhook when configured)")
    check = sub.add_parser("check-config", help="validate a config file without starting")
    check.add_argument("file", metavar="FILE")
    command("migrate", "upgrade the database schema to this version")

    unit = command("unit", "add or list units")
    unit_sub = unit.add_subparsers(dest="unit_command", required=True, metavar="ACTION")
    # --config may also come after the action: `unit add NAME --config FILE`.
    leaf = argparse.ArgumentParser(add_help=False)
    leaf.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                      help="YAML config (default: ./config.yaml)")
    add = unit_sub.add_parser("add", help="add a unit", parents=[leaf])
    add.add_argument("name")
    add.add_argument("--parent", help="name or code of the parent unit")
    add.add_argument("--code", help="short unique code (default: U001, U002, …)")
    unit_sub.add_parser("list", help="list units", parents=[leaf])

    imp = command("import-units", "create units from an xlsx or csv sheet (name, code, parent)")
    imp.add_argument("file", metavar="FILE")

    inv = command("invite", "print a one-time invite code and deep link for a unit")
    inv.add_argument("unit", metavar="UNIT", help="unit code or name")
    inv.add_argument("--role", default="member", choices=[r.value for r in Role])

    exp = command("export", "write the ledger to an .xlsx or .csv file")
    exp.add_argument("--unit", metavar="CODE", help="one unit (default: every unit)")
    exp.add_argument("--format", choices=["xlsx", "csv"], default=None,
                     help="default: from the file name, else xlsx")
    exp.add_argument("-o", "--output", metavar="FILE", required=True)

    rem = command("reminders", "list what the scheduler will send (pending notifications)")
    rem.add_argument("--unit", metavar="CODE", help="only this unit's people and groups")
    rem.add_argument("--due-within", metavar="SPAN", type=_span,
                     help="only what falls due within e.g. 30m, 12h, 1d, 2w")
    rem.add_argument("--failed", action="store_true", help="list failed messages instead")

    dig = command("digest", "render a weekly digest now (city-wide, or one unit's)")
    dig.add_argument("--unit", metavar="CODE", help="one unit (default: the city digest)")
    how = dig.add_mutually_exclusive_group()
    how.add_argument("--print", dest="send", action="store_false", default=False,
                     help="print it to stdout (default)")
    how.add_argument("--send", dest="send", action="store_true",
                     help="queue it for the running bot to send now")

    aud = command("audit", "print every recorded change to the ledger, oldest first")
    aud.add_argument("--unit", metavar="CODE", help="one unit (default: every unit)")
    aud.add_argument("--since", metavar="DATE",
                     help="from this time on: an ISO date (2026-11-01) or a phrase (上周一, 昨天)")
    aud.add_argument("--format", choices=["text", "csv"], default="text",
                     help="text: readable columns (default); csv: every field, notes in full")
    aud.add_argument("--limit", type=_positive, metavar="N", help="at most N changes")

    bak = command("backup", "write a consistent copy of the database to FILE (while the bot runs)")
    bak.add_argument("file", metavar="FILE")
    res = command("restore", "load a backup FILE into the configured database")
    res.add_argument("file", metavar="FILE")
    res.add_argument("--force", action="store_true",
                     help="replace a database that already holds data")

    mem = command("member", "a member's personal data: export it, or remove it")
    mem_sub = mem.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    mexp = mem_sub.add_parser("export", help="everything stored about a person, as JSON",
                              parents=[leaf])
    mexp.add_argument("user_id", type=int, metavar="USER_ID")
    mexp.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    mrem = mem_sub.add_parser(
        "remove", parents=[leaf],
        help="delete a person's personal rows; ledger rows stay, renamed as configured")
    mrem.add_argument("user_id", type=int, metavar="USER_ID")
    mrem.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    mrem.add_argument("--by", metavar="NAME", default=None,
                      help="who removes it, for the ledger history (default: 系统管理员)")

    shell = command("shell", "talk to the bot in this terminal, without Telegram or a token")
    shell.add_argument("--as", dest="as_user", type=int, metavar="USER_ID",
                       help="start as this Telegram user id (default 10001)")
    shell.add_argument("--db", metavar="URL", help="database URL (default sqlite:///data/shell.db)")
    shell.add_argument("--out", metavar="DIR", default="data/shell-files",
                       help="where documents and photos the bot sends are saved")
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command; `clock` replaces the wall clock (tests)."""
    # Opt into python-telegram-bot's timedelta API now, so that a 429 does not log a
    # deprecation warning on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-config":
            config = load_config(args.file)
            note = "" if config.token else " (no token: `run` needs BOT_TOKEN or telegram.token)"
            print(f"{args.file}: ok{note}")
            return 0
        config = resolve_config(args.config)
        return _dispatch(args, config, clock)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        lang = "zh"
        print(f"error: {plain(t(lang, exc.key, **exc.params))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, config: Config, clock: Clock | None = None) -> int:
    if args.command == "run":
        from bot.cli.run import run

        return run(config)
    if args.command == "shell":
        from bot.cli.shell import run_shell

        return run_shell(config, as_user=args.as_user, db_url=args.db, out_dir=Path(args.out))
    if args.command == "migrate":
        from storage.db import make_engine
        from storage.migrate import current_revision, upgrade

        engine = make_engine(config.database.url)
        before = current_revision(engine)
        upgrade(engine)
        print(f"database {config.database.url}: {before or 'empty'} -> {current_revision(engine)}")
        engine.dispose()
        return 0

    if args.command in ("backup", "restore"):
        return _backup_or_restore(config, args)

    with open_services(config, clock) as services:
        return _command(args, config, services)


def _command(args: argparse.Namespace, config: Config, services: Services) -> int:
    membership = services.membership
    if args.command == "unit" and args.unit_command == "add":
        unit = membership.add_unit(args.name, parent=args.parent, code=args.code)
        print(f"{unit.code}\t{unit.name}\t{unit.parent_code or ''}")
    elif args.command == "unit":
        units = membership.list_units()
        for unit in units:
            print(f"{unit.code}\t{unit.name}\t{unit.parent_code or ''}")
        print(f"({len(units)} units)", file=sys.stderr)
    elif args.command == "import-units":
        report = membership.import_units(Path(args.file))
        print(f"created {report.created} units, skipped {report.skipped} already present")
    elif args.command == "invite":
        invite = membership.create_invite(unit=args.unit, role=Role(args.role), by=None)
        username = _bot_username(config)
        expires = invite.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
        print(f"code: {invite.code}")
        print(f"unit: {invite.unit.name} ({invite.unit.code})  role: {invite.role.value}")
        print(f"valid until: {expires}")
        print(f"link: https://t.me/{username or '<bot>'}?start={invite.code}")
        print(f"or send in the bot's chat: /join {invite.code}")
    elif args.command == "export":
        _export(services, args)
    elif args.command == "reminders":
        _reminders(services, args)
    elif args.command == "digest":
        from bot.services.digest import cli_digest

        print(plain(cli_digest(services.digest, args.unit, args.send)))
    elif args.command == "audit":
        try:
            _audit(services, args)
        except DomainError as exc:
            print(f"error: {plain(t(config.language, exc.key, **exc.params))}", file=sys.stderr)
            return 2
    elif args.command == "member":
        return _member(services, args)
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of 1 or more")
    return int(text)


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


def _backup_or_restore(config: Config, args: argparse.Namespace) -> int:
    from bot.services.backup import BackupError, backup, restore

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    path = Path(args.file)
    try:
        if args.command == "backup":
            report = backup(config.database.url, path, say=say)
            say(f"wrote {report.path}: {report.size:,} bytes, schema revision "
                f"{report.revision or '?'}")
        else:
            from storage.migrate import head_revision

            report = restore(config.database.url, path, force=args.force, say=say)
            say(f"restored {path} ({report.size:,} bytes), schema revision {report.revision}")
            if report.revision != head_revision():
                say(f"note: this version needs schema revision {head_revision()}: "
                    "run `python -m bot migrate`")
    except BackupError as exc:
        say(f"error: {exc}")
        return 2 if exc.refused else 1
    total = sum(report.rows.values())
    say(f"{total:,} rows in {len(report.rows)} tables: " + ", ".join(
        f"{name} {n:,}" for name, n in sorted(report.rows.items()) if n))
    return 0


def _member(services: Services, args: argparse.Namespace) -> int:
    from bot.services.privacy import SYSTEM_ACTOR

    privacy = services.privacy
    if args.member_command == "export":
        data = privacy.export_json(args.user_id)
        if args.output:
            out = Path(args.output)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            print(f"{out}: {len(data):,} bytes", file=sys.stderr)
        else:
            sys.stdout.write(data.decode("utf-8") + "\n")
        return 0
    found = privacy.export(args.user_id)
    name = (found["user"] or {}).get("display_name") or "?"
    summary = ", ".join(f"{key} {len(rows)}" for key, rows in found.items()
                        if isinstance(rows, list) and rows)
    print(f"user {args.user_id} ({name}): {summary}", file=sys.stderr)
    if not args.yes:
        try:
            answer = input("remove this person's personal data? type yes: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("nothing removed", file=sys.stderr)
            return 1
    report = privacy.remove(args.user_id, by_name=args.by or SYSTEM_ACTOR)
    mode = services.config.privacy.ledger_names
    print(f"removed user {args.user_id}: deleted " + (", ".join(
        f"{k} {v}" for k, v in report.deleted.items()) or "nothing") + "; ledger kept ("
        + mode + "): " + (", ".join(f"{k} {v}" for k, v in report.anonymised.items()) or "none"))
    if report.office_admin:
        print(f"note: {args.user_id} is listed in office_admins in the config: remove it there "
              "too", file=sys.stderr)
    return 0


def _span(text: str) -> dt.timedelta:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and m, h, d or w, e.g. 1d")
    return dt.timedelta(**{units[unit]: int(number)})


def _reminders(services: Services, args: argparse.Namespace) -> None:
    from storage.notify import NoteState

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


def _export(services: Services, args: argparse.Namespace) -> None:
    from bot.services.export import write_csv, write_xlsx

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
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_csv(rows, out, tz=tz, now=now)
    else:
        write_xlsx(rows, out, tz=tz, now=now, per_unit=unit is None)
    print(f"{out}: {count} rows ({fmt})")


def _bot_username(config: Config) -> str | None:
    """Ask the Bot API for the bot's username when a token is set; the link needs it."""
    if config.telegram.bot_username:
        return config.telegram.bot_username
    if not config.token:
        return None
    import asyncio

    from telegram import Bot
    from telegram.error import TelegramError

    async def get_me() -> str | None:
        base_url = config.base_url or "https://api.telegram.org/bot"
        async with Bot(config.require_token(), base_url=base_url) as bot:
            return bot.username

    try:
        return asyncio.run(get_me())
    except (TelegramError, OSError) as exc:
        print(f"note: could not ask Telegram for the bot's name ({exc})", file=sys.stderr)
        return None
