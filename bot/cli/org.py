"""Setting up the organisation: `unit add|list`, `import-units` and `invite`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain import Role

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Config


def command(args: argparse.Namespace, services: Services) -> int:
    """Run `unit`, `import-units` or `invite`."""
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
    else:
        _invite(services, args)
    return 0


def _invite(services: Services, args: argparse.Namespace) -> None:
    config = services.config
    invite = services.membership.create_invite(unit=args.unit, role=Role(args.role), by=None)
    username = _bot_username(config)
    expires = invite.expires_at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")
    print(f"code: {invite.code}")
    print(f"unit: {invite.unit.name} ({invite.unit.code})  role: {invite.role.value}")
    print(f"valid until: {expires}")
    print(f"link: https://t.me/{username or '<bot>'}?start={invite.code}")
    print(f"or send in the bot's chat: /join {invite.code}")


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
