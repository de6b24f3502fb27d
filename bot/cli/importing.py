"""`import-ledger`: a unit's own Excel ledger into the bot, previewed, then in one transaction."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import plain, private_file
from bot.errors import DomainError
from bot.texts import t

if TYPE_CHECKING:
    from bot.bootstrap import Services


def import_ledger(args: argparse.Namespace, services: Services) -> int:
    """Preview the file, write the error list if asked, and import unless --dry-run."""
    from bot.reports.import_preview import error_book, preview_text

    lang, tz = services.config.language, services.config.tz
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    importer = services.importer
    try:
        preview = importer.preview(data, path.name, by=None, unit=args.unit, sheet=args.sheet)
    except DomainError as exc:
        if exc.key == "ledger_import.which_sheet":
            print(f"error: {plain(t(lang, exc.key, **exc.params))} (--sheet NAME)",
                  file=sys.stderr)
            return 1
        raise
    print(plain(preview_text(lang, preview, tz)))
    if args.errors and preview.error_rows:
        out = Path(args.errors)
        private_file(out)
        out.write_bytes(error_book(lang, preview))
        print(f"{out}: {len(preview.error_rows)} rows with errors")
    if args.dry_run:
        return 0
    done = importer.run(data, path.name, by=None, by_name=args.by, unit=args.unit,
                        sheet=args.sheet)
    print(plain(preview_text(lang, done, tz)))
    return 0
