"""Run the bot in production: long polling by default, webhook when the config says so."""

from __future__ import annotations

import logging

from bot.app import ALL_UPDATES, build_application, start_scheduler
from bot.cli.common import ensure_schema
from bot.config import Config
from bot.logs import setup_logging

log = logging.getLogger(__name__)


def run(config: Config) -> int:
    """Block until SIGINT or SIGTERM, then shut down cleanly and return 0."""
    token = config.require_token()
    setup_logging(token)
    ensure_schema(config)
    app = build_application(config, token=token)
    start_scheduler(app)
    if config.web.enabled:
        from web.server import serve_beside

        serve_beside(app)
    tg = config.telegram
    if tg.mode == "webhook":
        hook = tg.webhook
        if not hook.url:
            from bot.config import ConfigError

            raise ConfigError("telegram.webhook.url: required when telegram.mode is webhook")
        log.info("starting webhook on %s:%s/%s", hook.listen, hook.port, hook.url_path)
        app.run_webhook(
            listen=hook.listen, port=hook.port, url_path=hook.url_path,
            webhook_url=hook.url, secret_token=hook.secret_token,
            allowed_updates=ALL_UPDATES,
        )
    else:
        log.info("starting long polling")
        app.run_polling(allowed_updates=ALL_UPDATES, timeout=int(tg.poll_timeout) or 1,
                        poll_interval=0.0)
    log.info("stopped")
    return 0
