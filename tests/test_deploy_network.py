"""The real `python -m bot run` through loopback HTTP and SOCKS5 proxies; bad network settings."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import ConfigError, parse_config
from sandbox import BotApiSandbox, SandboxServer, serve
from tests.processes import say_start, stop
from tests.proxies import LoopbackProxy, free_port, loopback_proxy

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123:abc"
_PROXY_VARS = ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    with serve(BotApiSandbox(strict=False)) as running:
        yield running


def _env(tmp_path: Path, server_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in _PROXY_VARS and k != "BOT_CONFIG"}
    return {**env, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": server_url,
            **extra}


def _config(tmp_path: Path, telegram: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("database: {url: 'sqlite:///bot.db'}\n"
                    f"telegram: {{poll_timeout: 1, {telegram}}}\n", encoding="utf-8")
    return path


def _start(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            cwd=config.parent, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _talk_and_stop(proc: subprocess.Popen[str], sandbox: BotApiSandbox) -> str:
    """Say /start, wait for the answer, stop the bot with SIGTERM; return its stderr."""
    try:
        say_start(sandbox)
    finally:
        err = stop(proc)
    return err


def _methods(sandbox: BotApiSandbox) -> collections.Counter[str]:
    return collections.Counter(call.method for call in sandbox.calls)


def _through(*proxies: LoopbackProxy) -> collections.Counter[str]:
    return collections.Counter(m for p in proxies for m in p.methods())


@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_every_request_goes_through_the_proxy(
    kind: str, tmp_path: Path, server: SandboxServer
) -> None:
    with loopback_proxy(kind) as proxy:  # type: ignore[arg-type]
        config = _config(tmp_path, f"proxy: '{proxy.url}'")
        err = _talk_and_stop(_start(config, _env(tmp_path, server.url)), server.sandbox)
        seen = _methods(server.sandbox)
        assert seen["getMe"] >= 1 and seen["getUpdates"] >= 1 and seen["sendMessage"] == 1
        assert _through(proxy) == seen, err  # each call the Bot API saw came by the proxy
    assert "Traceback" not in err


def test_get_updates_can_take_its_own_proxy(tmp_path: Path, server: SandboxServer) -> None:
    with loopback_proxy("http") as every, loopback_proxy("socks5") as polling:
        config = _config(tmp_path, f"proxy: '{every.url}', get_updates_proxy: '{polling.url}'")
        _talk_and_stop(_start(config, _env(tmp_path, server.url)), server.sandbox)
        seen = _methods(server.sandbox)
        assert set(polling.methods()) == {"getUpdates"}
        assert "getUpdates" not in every.methods()
        assert _through(every, polling) == seen


def test_start_up_keeps_trying_until_the_proxy_answers(
    tmp_path: Path, server: SandboxServer
) -> None:
    port = free_port()
    config = _config(tmp_path, f"proxy: 'socks5://127.0.0.1:{port}'")
    proc = _start(config, _env(tmp_path, server.url))
    assert proc.stderr is not None
    early: list[str] = []
    failed = threading.Event()

    def read_until_failed() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            early.append(line)
            if "getMe failed" in line:
                failed.set()
                return

    reader = threading.Thread(target=read_until_failed, daemon=True)
    reader.start()
    assert failed.wait(timeout=30), "".join(early)
    reader.join()
    with loopback_proxy("socks5", port) as proxy:  # up only once the bot has failed once
        err = "".join(early) + _talk_and_stop(proc, server.sandbox)
        assert _through(proxy) == _methods(server.sandbox)
    assert "attempt 2" in err
    assert "Traceback" not in err and TOKEN not in err


def _run_once(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert TOKEN not in result.stderr
    return lines[0]


@pytest.mark.parametrize(("telegram", "said"), [
    ("proxy: 'ftp://127.0.0.1:21'", "telegram.proxy"),
    ("proxy: '127.0.0.1:7890'", "telegram.proxy"),
    ("get_updates_proxy: 'socks4://127.0.0.1:1080'", "telegram.get_updates_proxy"),
    ("bootstrap_retries: -2", "telegram.bootstrap_retries"),
    ("proxi: 'http://127.0.0.1:7890'", "unknown key 'telegram.proxi'"),
])
def test_a_bad_network_setting_is_one_line_and_exit_2(
    telegram: str, said: str, tmp_path: Path, server: SandboxServer
) -> None:
    config = _config(tmp_path, telegram)
    assert said in _error_line(_run_once(tmp_path, _env(tmp_path, server.url,
                                                        BOT_CONFIG=str(config))))


def test_an_unreachable_proxy_is_one_line_and_exit_2(
    tmp_path: Path, server: SandboxServer
) -> None:
    for scheme in ("http", "socks5"):
        url = f"{scheme}://127.0.0.1:{free_port()}"
        config = _config(tmp_path, f"proxy: '{url}', bootstrap_retries: 0")
        line = _error_line(_run_once(tmp_path, _env(tmp_path, server.url,
                                                    BOT_CONFIG=str(config))))
        assert line.startswith("error: cannot reach the Bot API at") and url in line


def test_a_proxy_password_stays_out_of_the_error(tmp_path: Path, server: SandboxServer) -> None:
    url = f"socks5://office:hunter2@127.0.0.1:{free_port()}"
    config = _config(tmp_path, f"proxy: '{url}', bootstrap_retries: 0")
    result = _run_once(tmp_path, _env(tmp_path, server.url, BOT_CONFIG=str(config)))
    assert "socks5://office:***@127.0.0.1:" in _error_line(result)
    assert "hunter2" not in result.stderr


def test_an_unreachable_bot_api_after_its_retries_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/bot"
    config = _config(tmp_path, "bootstrap_retries: 1")
    result = _run_once(tmp_path, _env(tmp_path, url, BOT_CONFIG=str(config)))
    line = _error_line(result)
    assert line.startswith(f"error: cannot reach the Bot API at {url}")
    assert "attempt 2" in result.stderr  # one retry, logged, then the one line


def test_socks_without_its_extra_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.app.socks_installed", lambda: False)
    for env, config in (({}, {"proxy": "socks5://127.0.0.1:1080"}),
                        ({"ALL_PROXY": "socks5://127.0.0.1:1080"}, {})):
        for key in _PROXY_VARS:
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        with pytest.raises(ConfigError, match=r"socks extra: pip install 'zhenggai-bot\[socks\]'"):
            build_application(parse_config({"database": {"url": "sqlite://"},
                                             "telegram": config}), token=TOKEN)


async def test_the_web_alone_fetches_evidence_through_the_proxy(server: SandboxServer) -> None:
    from web.evidence import EvidenceFiles

    data = server.sandbox.message(501, photo=b"\xff\xd8evidence\xff\xd9")
    file_id = data["message"]["photo"][0]["file_id"]
    with loopback_proxy("http") as proxy:
        config = parse_config({"telegram": {
            "token": TOKEN, "base_url": server.url, "base_file_url": server.file_url,
            "proxy": proxy.url}})
        evidence = EvidenceFiles.from_config(config)
        try:
            assert await evidence.fetch(file_id) == b"\xff\xd8evidence\xff\xd9"
        finally:
            await evidence.close()
        assert "getFile" in proxy.methods()
        assert proxy.connections >= 1
