"""The example config is the defaults, key for key; init-config, the console script, JSON logs."""

from __future__ import annotations

import json
import logging
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bot.bootstrap import Services
from bot.cli import main
from bot.config import EXAMPLE, Config, load_config
from bot.domain import Role
from bot.logs import JsonFormatter, RedactToken

ROOT = Path(__file__).resolve().parent.parent


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key of the config model, dotted; nested models opened, lists of models not."""
    found: set[str] = set()
    for attribute, field in model.model_fields.items():
        name = field.alias or attribute  # `import` in YAML, `importing` in Python
        found.add(prefix + name)
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= _keys(kind, f"{prefix}{name}.")
    return found


def _yaml_keys(data: dict[str, Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, value in data.items():
        found.add(prefix + name)
        if isinstance(value, dict):
            found |= _yaml_keys(value, f"{prefix}{name}.")
    return found


def test_the_example_equals_the_defaults_in_every_key_campaign_included() -> None:
    assert load_config(ROOT / "config.example.yaml").model_dump() == Config().model_dump()
    assert Config().campaign.phases == ()  # as the example says: no made-up campaign dates


def test_the_example_lists_every_key_the_model_has() -> None:
    written = _yaml_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    assert _keys(Config) == written


def test_the_root_example_is_the_packaged_one() -> None:
    assert (ROOT / "config.example.yaml").read_text(encoding="utf-8") == EXAMPLE.read_text(
        encoding="utf-8")


def test_init_config_writes_the_example_with_fresh_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init-config"]) == 0
    written = (tmp_path / "config.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(written)
    secret = data["telegram"]["webhook"]["secret_token"]
    assert len(secret) >= 32 and len(data["web"]["session_secret"]) >= 32
    # Only the two secrets differ from the example, comments and all.
    assert written.replace(secret, "").replace(data["web"]["session_secret"], "").replace(
        "secret_token: ", "secret_token:").replace("session_secret: ", "session_secret:") == (
        EXAMPLE.read_text(encoding="utf-8"))
    assert main(["check-config", "config.yaml"]) == 0
    assert main(["init-config"]) == 2  # never overwrites by surprise
    assert "exists" in capsys.readouterr().err
    assert main(["init-config", "config.yaml", "--force"]) == 0
    assert yaml.safe_load((tmp_path / "config.yaml").read_text())["telegram"]["webhook"][
        "secret_token"] != secret
    capsys.readouterr()
    assert main(["init-config", "-"]) == 0
    assert capsys.readouterr().out.startswith("# Configuration of the rectification-campaign")


def test_the_console_script_runs_the_same_main() -> None:
    [script] = [e for e in entry_points(group="console_scripts") if e.name == "zhenggai-bot"]
    assert script.value == "bot.cli:main"
    assert script.load() is main
    assert (Path(sys.executable).parent / "zhenggai-bot").exists()


def test_json_logs_never_carry_the_token() -> None:
    token = "123456:AAH-secret_part"
    formatter = JsonFormatter(token)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("telegram", logging.ERROR, __file__, 1,
                                   "calling %s with \"%s\"", (token, token), sys.exc_info())
    RedactToken(token).filter(record)
    line = formatter.format(record)
    entry = json.loads(line)
    assert token not in line and "secret_part" not in line
    assert entry["message"] == 'calling <token> with "<token>"'
    assert "bot<token>/getMe" in entry["exception"]
    assert entry["level"] == "ERROR" and entry["logger"] == "telegram"


def test_a_token_that_json_would_escape_is_removed_too() -> None:
    token = '123:a"b\\c'
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (token,), None)
    line = JsonFormatter(token).format(record)
    assert "a\\\"b" not in line and json.loads(line)["message"] == "<token>"


def _requirements() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"],
            *(r for extra in project["optional-dependencies"].values() for r in extra)]


def test_every_range_is_capped_and_pinned_inside_it_by_the_constraints() -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    for text in _requirements():
        req = Requirement(text)
        assert any(s.operator == "<" for s in req.specifier), f"{text}: no upper cap"
        pinned = pins.get(canonicalize_name(req.name))
        assert pinned is not None, f"{req.name} is not in constraints.txt"
        assert req.specifier.contains(pinned, prereleases=True), f"{req.name}=={pinned} vs {text}"


def test_without_phases_the_private_note_names_no_non_filers(
    services: Services,  # the built-in defaults: no campaign phases
) -> None:
    m = services.membership
    unit = m.add_unit("市教育局", code="EDU")
    m.redeem_invite(m.create_invite(unit="EDU", role=Role.MEMBER, by=None).code, user_id=41,
                    display_name="张三", username=None)
    assert services.config.campaign.phases == ()
    note = services.digest.private_note(unit.id)
    assert note.silent == ()  # before: everyone, "1月1日以来", counted from 1970
