"""Operations: `health` against a live and a stopped bot, /healthz and /metrics, JSON logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox import BotApiSandbox, SandboxServer, serve
from tests.chat import wait_for
from tests.processes import say_start, stop
from tests.proxies import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:abcSECRETtoken"
SECRET = "s" * 32


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox(strict=False)) as running:
        yield running


def _env(server: SandboxServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_CONFIG"}
    return {**env, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": server.url}


def _config(folder: Path, **telegram: object) -> Path:
    path = folder / "config.yaml"
    path.write_text(json.dumps({
        "database": {"url": "sqlite:///bot.db"},
        "telegram": {"poll_timeout": 1, **telegram},
        "logging": {"format": "json", "level": "DEBUG"},
        "reminders": {"tick_seconds": 0.2, "lease_seconds": 2, "claim_timeout_seconds": 3},
    }), encoding="utf-8")
    return path


def _cli(*args: str, config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)],
                          cwd=config.parent, env=env, capture_output=True, text=True, timeout=60)


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the scrape")


def _json_lines(err: str) -> list[dict[str, object]]:
    assert TOKEN not in err and TOKEN.split(":")[1] not in err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    return records


def test_health_and_metrics_of_a_polling_bot_live_then_stopped(
    tmp_path: Path, server: SandboxServer
) -> None:
    config, env, port = _config(tmp_path), _env(server), free_port()
    # The log goes to a file: a pipe nobody reads until the end fills up and blocks the bot.
    log = (tmp_path / "bot.log").open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config), "--metrics-port",
         str(port)], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        wait_for(lambda: _cli("health", config=config, env=env).returncode == 0,
                 "health to pass while the bot runs", timeout=30)
        live = _cli("health", config=config, env=env).stdout
        assert "database: ok" in live and "schema: current" in live and "health: ok" in live
        assert "last tick ≤" in live
        say_start(server.sandbox)
        scrape = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert _metric(scrape, "zhenggai_updates_handled_total") >= 1
        assert _metric(scrape, "zhenggai_tick_seconds_count") >= 1
        for name in ("zhenggai_notifications_sent_total", "zhenggai_notifications_failed_total",
                     "zhenggai_notifications_retried_total", "zhenggai_telegram_429_total",
                     "zhenggai_filings_total"):
            assert _metric(scrape, name) >= 0
    finally:
        stop(proc)
        log.close()
    err = (tmp_path / "bot.log").read_text(encoding="utf-8")
    stopped = _cli("health", config=config, env=env)
    assert stopped.returncode == 1
    assert "sender: nobody holds the lease" in stopped.stdout
    assert "health: FAILING" in stopped.stdout
    records = _json_lines(err)
    assert any(r["message"] == "long polling" for r in records)


def test_webhook_mode_serves_healthz_and_metrics(tmp_path: Path, server: SandboxServer) -> None:
    port = free_port()
    config = _config(tmp_path, mode="webhook", webhook={
        "listen": "127.0.0.1", "port": port, "url_path": "hook",
        "url": "https://bot.example.invalid/hook", "secret_token": SECRET})
    log = (tmp_path / "stderr.log").open("w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            cwd=tmp_path, env=_env(server), stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, "/healthz to answer 200", timeout=30)
        body = httpx.get(f"{base}/healthz", timeout=5).json()
        assert body["ok"] is True and body["database"] == "ok" and body["holder"]
        update = {"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 501, "type": "private"},
            "from": {"id": 501, "is_bot": False, "first_name": "张三"}, "text": "/start"}}
        posted = httpx.post(f"{base}/hook", json=update, timeout=10,
                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert posted.status_code == 200
        wait_for(lambda: _metric(httpx.get(f"{base}/metrics", timeout=5).text,
                                 "zhenggai_updates_handled_total") >= 1,
                 "the update to be counted", timeout=20)
        scrape = httpx.get(f"{base}/metrics", timeout=5)
        assert scrape.headers["content-type"].startswith("text/plain")
    finally:
        stop(proc)
        log.close()
    _json_lines((tmp_path / "stderr.log").read_text(encoding="utf-8"))


def test_healthz_says_503_when_the_database_is_behind(tmp_path: Path) -> None:
    from bot.clock import SystemClock
    from bot.services.health import check_health
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    report = check_health(engine, SystemClock(), 60)
    engine.dispose()
    assert not report.ok and report.revision is None
    assert report.lines()[1].startswith("schema: empty, this version needs")


def test_an_unreachable_database_fails_health_in_one_line_each(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("database: {url: 'postgresql+psycopg://nobody@127.0.0.1:1/none'}\n",
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "health", "--config", str(config)],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("database: unreachable (") and "Traceback" not in result.stderr
