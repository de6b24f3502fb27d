"""`python -m bot web`: the web dashboard alone, for a bot that runs elsewhere on the database."""

from __future__ import annotations

import asyncio
import logging

from bot.cli.common import ensure_schema
from bot.config import Config
from bot.logs import setup_logging

log = logging.getLogger(__name__)


def serve(config: Config) -> int:
    """Block until SIGINT or SIGTERM; return 0."""
    config.require_web_secret()
    setup_logging(config.token, json=config.logging.format == "json", level=config.logging.level)
    ensure_schema(config)
    from bot.bootstrap import build_services
    from web.server import serve_alone

    services = build_services(config)
    web = config.web
    log.info("web: serving on %s:%s (public address %s)", web.listen, web.port,
             web.public_url or "not set")
    try:
        asyncio.run(serve_alone(services))
    finally:
        services.db.dispose()
    return 0
