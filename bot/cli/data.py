"""The database as a whole and one person's data: `migrate`, `backup`, `restore`, `member`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Config


def migrate(config: Config) -> int:
    """Upgrade the configured database to this version's schema."""
    from storage.db import make_engine
    from storage.migrate import current_revision, upgrade

    engine = make_engine(config.database.url)
    before = current_revision(engine)
    upgrade(engine)
    print(f"database {config.database.url}: {before or 'empty'} -> {current_revision(engine)}")
    engine.dispose()
    return 0


def backup_or_restore(config: Config, args: argparse.Namespace) -> int:
    """Run `backup` or `restore` on the database as it is: no schema check, no services."""
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


def member(args: argparse.Namespace, services: Services) -> int:
    """Run `member export` or `member remove`."""
    from bot.services.privacy import SYSTEM_ACTOR

    privacy = services.privacy
    if args.member_command == "export":
        data = privacy.export_json(args.user_id)
        if args.output:
            from bot.cli.common import private_file

            out = private_file(Path(args.output))
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
    from bot.texts import t

    report = privacy.remove(args.user_id, by_name=args.by or SYSTEM_ACTOR,
                            note=t(services.config.language, "privacy.event_note"))
    mode = services.config.privacy.ledger_names
    print(f"removed user {args.user_id}: deleted " + (", ".join(
        f"{k} {v}" for k, v in report.deleted.items()) or "nothing") + "; ledger kept ("
        + mode + "): " + (", ".join(f"{k} {v}" for k, v in report.anonymised.items()) or "none"))
    if report.office_admin:
        print(f"note: {args.user_id} is listed in office_admins in the config: remove it there "
              "too", file=sys.stderr)
    return 0
