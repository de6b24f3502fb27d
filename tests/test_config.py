"""Config loading: defaults, the example file, and one clear line for each kind of mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_CATEGORIES, THEMES, Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_example_file_equals_the_built_in_defaults() -> None:
    assert load_config(ROOT / "config.example.yaml").model_dump(exclude={"campaign"}) == (
        Config().model_dump(exclude={"campaign"})
    )


def test_default_categories_are_the_ten_problems_under_the_four_themes() -> None:
    assert len(DEFAULT_CATEGORIES) == 10
    assert {c.theme for c in DEFAULT_CATEGORIES} == set(THEMES)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo: 1\n", "unknown key 'foo'"),
        ("telegram: {moed: polling}\n", "unknown key 'telegram.moed'"),
        ("timezone: Mars/Base\n", "timezone: unknown time zone 'Mars/Base'"),
        ("a: [1\n", "malformed YAML at line 2"),
        ("- 1\n- 2\n", "the top level must be a mapping"),
        ("digest: {time: '25:00'}\n", "digest.time: '25:00' is not a time of day"),
        ("telegram: {mode: carrier-pigeon}\n", "telegram.mode:"),
        (
            "campaign: {phases: [{name: A, start: 2026-12-10, end: 2026-12-01}]}\n",
            "phase 'A' ends before it starts",
        ),
        (
            "campaign: {phases: [{name: A, start: 2026-12-01, end: 2026-12-10},"
            " {name: B, start: 2026-12-05, end: 2026-12-20}]}\n",
            "phase 'B' overlaps 'A'",
        ),
    ],
)
def test_bad_config_is_one_line_naming_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_token_comes_from_the_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:env")
    assert Config.model_validate({"telegram": {"token": "2:file"}}).require_token() == "1:env"
    monkeypatch.delenv("BOT_TOKEN")
    assert Config.model_validate({"telegram": {"token": "2:file"}}).require_token() == "2:file"
    with pytest.raises(ConfigError, match="no bot token"):
        Config().require_token()


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    assert Config().base_url == "http://127.0.0.1:8081/bot"


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "TELEGRAM_BASE_URL")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=full_env,
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_cli_bad_config_and_missing_token_exit_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("telegram: {tokn: x}\n", encoding="utf-8")
    result = _cli("check-config", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {bad}: unknown key 'telegram.tokn'"]

    result = _cli("run", "--config", str(ROOT / "config.example.yaml"), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no bot token" in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_sets_up_units_and_invites(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("database: {url: 'sqlite:///org.db'}\n")
    added = _cli("unit", "add", "市教育局", "--code", "EDU", "--config", "config.yaml",
                 cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    sheet = tmp_path / "units.csv"
    sheet.write_bytes("单位名称,编号,上级单位\n县教育局,X1,某县\n某县,X0,\n".encode("utf-8-sig"))
    imported = _cli("import-units", str(sheet), cwd=tmp_path)
    assert imported.stdout.strip() == "created 2 units, skipped 0 already present"
    listed = _cli("unit", "list", cwd=tmp_path).stdout.splitlines()
    assert listed == ["EDU\t市教育局\t", "X0\t某县\t", "X1\t县教育局\tX0"]
    invite = _cli("invite", "EDU", "--role", "liaison", cwd=tmp_path,
                  env={"BOT_CONFIG": str(tmp_path / "config.yaml")})
    assert invite.returncode == 0
    code = invite.stdout.splitlines()[0].removeprefix("code: ")
    assert f"?start={code}" in invite.stdout and "role: liaison" in invite.stdout
    unknown = _cli("invite", "NOPE", cwd=tmp_path)
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr


def test_import_units_names_the_row_of_a_bad_line_in_the_deployments_language(
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "units.csv"
    sheet.write_bytes("单位名称,编号\n市教育局,EDU\n\n,FIN\n".encode("utf-8-sig"))
    zh = _cli("import-units", str(sheet), cwd=tmp_path)
    assert zh.returncode == 1 and "units.csv 第4行没有单位名称" in zh.stderr
    (tmp_path / "config.yaml").write_text("language: en\n")
    en = _cli("import-units", str(sheet), "--config", "config.yaml", cwd=tmp_path)
    assert en.returncode == 1 and "units.csv row 4 has no unit name" in en.stderr
    assert _cli("unit", "list", cwd=tmp_path).stdout == ""  # nothing half-imported
