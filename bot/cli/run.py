"""Run the bot in production: long polling by default, webhook when the config says so."""

from __future__ import annotations

import logging

from telegram.error import InvalidToken

from bot.app import build_application
from bot.cli.common import ensure_schema
from bot.config import Config, ConfigError
from bot.logs import setup_logging
from bot.serving import run_until_signalled

log = logging.getLogger(__name__)


def run(config: Config, *, metrics_port: int | None = None,
        metrics_listen: str = "127.0.0.1") -> int:
    """Block until SIGINT or SIGTERM, then shut down cleanly and return 0."""
    token = config.require_token()
    setup_logging(token, json=config.logging.format == "json", level=config.logging.level)
    ensure_schema(config)
    if config.telegram.mode == "webhook" and not config.telegram.webhook.url:
        raise ConfigError("telegram.webhook.url: required when telegram.mode is webhook")
    app = build_application(config, token=token)
    if metrics_port is not None:
        try:
            app.bot_data.services.metrics.serve(metrics_port, metrics_listen)
        except OSError as exc:
            raise ConfigError(f"--metrics-port {metrics_port}: {exc.strerror or exc}") from None
        log.info("metrics on http://%s:%d/metrics", metrics_listen, metrics_port)
    if config.web.enabled:
        from web.server import serve_beside

        serve_beside(app)
    try:
        run_until_signalled(app, config)
    except InvalidToken:
        # PTB's message quotes the request URL, token and all: say it in our own words.
        raise ConfigError("the Bot API refused the bot token (401/404): check BOT_TOKEN or "
                          "telegram.token, and telegram.base_url") from None
    log.info("stopped")
    return 0
