"""Updates/s and per-update latency through the whole filing conversation, against an echo bot.

Run: python bench/bench_filing.py [--filings 200]. Both bots run on the same sandbox Bot API in
this process, so the ratio says what the bot's own work costs on top of python-telegram-bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.common import make_app, median, percentile, temp_config
from bot.domain import Role
from sandbox import BotApiSandbox, SandboxRequest

# One filing: 12 updates, buttons by label, texts as a cadre types them.
SCRIPT: list[tuple[str, str]] = [
    ("send", "/file"), ("click", "履职尽责缺位"), ("click", "单位（科室）"), ("click", "群众反映"),
    ("send", "窗口工作人员午休时段无人值守"), ("send", "安排午间轮值\n公示值班电话"),
    ("click", "措施已写完 ✅"), ("click", "限期整改 — 在规定时限内改好"), ("click", "跳过"),
    ("click", "我自己"), ("send", "下周五前"), ("click", "确认"),
]


async def _timed(app: Any, sandbox: BotApiSandbox, data: dict[str, Any]) -> float:
    update = Update.de_json(data, app.bot)
    start = time.perf_counter()
    await app.process_update(update)
    return time.perf_counter() - start


async def filing(filings: int, db_url: str | None = None) -> dict[str, float]:
    """`filings` people each file one problem in unit EDU, on an empty database or on the one
    at `db_url` (which may hold EDU already, with its ledger and members)."""
    config, _ = temp_config(db_url)
    sandbox = BotApiSandbox(strict=False)
    app, _, _ = make_app(config, sandbox)
    membership = app.bot_data.services.membership
    if membership.find_unit("EDU") is None:
        membership.add_unit("市教育局", code="EDU")
    users = list(range(100_000, 100_000 + filings))
    for user in users:
        code = membership.create_invite(unit="EDU", role=Role.MEMBER, by=None).code
        membership.redeem_invite(code, user_id=user, display_name=f"干部{user}", username=None)
        sandbox.add_user(user, f"干部{user}")
    latencies: list[float] = []
    before = app.bot_data.services.ledger.count()
    async with app:
        assert app.post_init is not None
        await app.post_init(app)  # start-up as `run` does it
        for user in users:
            for kind, value in SCRIPT:
                if kind == "send":
                    data = sandbox.message(user, value)
                else:
                    message = next(m for m in reversed(sandbox.sent(user))
                                   if any(t == value for row in sandbox.buttons(m) for t, _ in row))
                    data = sandbox.click(user, message, value)
                latencies.append(await _timed(app, sandbox, data))
    saved = app.bot_data.services.ledger.count() - before
    assert saved == filings, f"{saved} of {filings} filings saved"
    return {
        "filing_updates_per_s": len(latencies) / sum(latencies),
        "latency_p50_ms": median(latencies) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        "updates": float(len(latencies)),
    }


async def echo(updates: int) -> dict[str, float]:
    """A bare python-telegram-bot echo bot on the same sandbox: the baseline."""
    sandbox = BotApiSandbox(strict=False)

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = ApplicationBuilder().token("123:echo").request(SandboxRequest(sandbox)).build()
    app.add_handler(MessageHandler(filters.TEXT, reply))
    latencies = []
    async with app:
        for i in range(updates):
            user = 200_000 + i % 50
            latencies.append(await _timed(app, sandbox, sandbox.message(user, f"消息{i}")))
    return {"echo_updates_per_s": len(latencies) / sum(latencies)}


def measure(filings: int = 200) -> dict[str, float]:
    result = asyncio.run(filing(filings))
    result.update(asyncio.run(echo(int(result["updates"]))))
    result["filing_vs_echo"] = result["filing_updates_per_s"] / result["echo_updates_per_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--filings", type=int, default=200)
    args = parser.parse_args()
    result = measure(args.filings)
    for key, value in result.items():
        print(f"{key:24s} {value:12.2f}")


if __name__ == "__main__":
    main()
