"""The command line: run, check config, migrate, set up units and invites, try it locally."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.parser import build_parser

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Config

# Commands that work on the services, by the module that runs them. Each module (and the
# services, SQLAlchemy, python-telegram-bot behind it) is imported only when its command runs,
# so that `--help` and usage errors answer at once.
_ORG = ("unit", "import-units", "invite")
_LEDGER = ("export", "reminders", "digest", "report", "audit")


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command; `clock` replaces the wall clock (tests)."""
    # Opt into python-telegram-bot's timedelta API now, so that a 429 does not log a
    # deprecation warning on every RetryAfter.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    from bot.cli.common import plain, resolve_config
    from bot.config import ConfigError, load_config
    from bot.errors import DomainError

    lang = "zh"
    try:
        if args.command == "check-config":
            config = load_config(args.file)
            note = "" if config.token else " (no token: `run` needs BOT_TOKEN or telegram.token)"
            print(f"{args.file}: ok{note}")
            return 0
        if args.command == "init-config":
            from bot.cli.health import init_config

            return init_config(args.file, force=args.force)
        config = resolve_config(args.config)
        lang = config.language  # refusals below speak the deployment's language
        code = _dispatch(args, config, clock)
        sys.stdout.flush()  # inside the try: a reader gone away is a broken pipe here
        return code
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        from bot.texts import t

        print(f"error: {plain(t(lang, exc.key, **exc.params))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: end quietly, as cat and grep do. Python
        # would otherwise complain again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE


def _calendar(args: argparse.Namespace, config: Config) -> int:
    from bot.cli.calendar import import_notice, show_year

    if args.what == "import":
        if args.file is None:
            print("error: calendar import needs the notice's text file", file=sys.stderr)
            return 2
        return import_notice(config, Path(args.file), args.year)
    if not args.what.isdigit() or not 2000 <= int(args.what) <= 2100 or args.file is not None:
        print(f"error: calendar {args.what!r}: give a year (2000-2100) or import FILE",
              file=sys.stderr)
        return 2
    return show_year(config, int(args.what))


def _dispatch(args: argparse.Namespace, config: Config, clock: Clock | None) -> int:
    if args.command == "run":
        from bot.cli.run import run

        return run(config, metrics_port=args.metrics_port, metrics_listen=args.metrics_listen)
    if args.command == "health":
        from bot.cli.health import health

        return health(config, clock)
    if args.command == "web":
        from bot.cli.web import serve

        return serve(config)
    if args.command == "shell":
        from bot.cli.shell import run_shell

        return run_shell(config, as_user=args.as_user, db_url=args.db, out_dir=Path(args.out))
    if args.command == "migrate":
        from bot.cli.data import migrate

        return migrate(config)
    if args.command == "calendar":
        return _calendar(args, config)
    if args.command in ("backup", "restore"):
        from bot.cli.data import backup_or_restore

        return backup_or_restore(config, args)

    from bot.cli.common import open_services

    with open_services(config, clock) as services:
        if args.command in _ORG:
            from bot.cli import org

            return org.command(args, services)
        if args.command == "import-ledger":
            from bot.cli.importing import import_ledger

            return import_ledger(args, services)
        if args.command in ("qr", "case"):
            from bot.cli import cases

            return cases.command(args, services)
        if args.command in _LEDGER:
            from bot.cli import ledger

            return ledger.command(args, services)
        from bot.cli.data import member

        return member(args, services)
