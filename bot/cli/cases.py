"""The public's side from the shell: `qr UNIT -o FILE.png` and `case purge CODE`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError
from bot.domain import Role
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.bootstrap import Services

# Who the shell acts as: the server's own administrator, with the office's rights.
ADMIN = 0


def command(args: argparse.Namespace, services: Services) -> int:
    """Run `qr` or `case purge`."""
    if args.command == "qr":
        return _qr(args, services)
    from bot.services.membership import Identity

    admin = Identity(user_id=ADMIN, role=Role.OFFICE, unit=None, lang=None)
    removed = services.cases.purge(args.code, by=admin)
    code = args.code.strip().upper()
    print(f"{code}: personal data removed" if removed else f"{code}: no personal data left")
    return 0


def _qr(args: argparse.Namespace, services: Services) -> int:
    from bot.reports.qr import report_url, unit_qr_png
    from bot.texts import t

    web = services.config.web
    if not web.public_url:
        raise ConfigError("web.public_url is not set: the QR code needs the address people open")
    unit = services.membership.find_unit(args.unit)
    if unit is None:
        raise DomainError("unit.unknown", code=args.unit)
    url = report_url(web.public_url, web.public_path, unit.code)
    caption = t(services.config.language, "public.qr.caption")
    Path(args.output).write_bytes(unit_qr_png(url, unit.name, caption=caption))
    print(f"{unit.code}\t{unit.name}\t{url}\t{args.output}")
    return 0
