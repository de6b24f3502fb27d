"""`python -m bot import-ledger`: dry run, error list, import, a repeat and refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bootstrap import Services
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config
from tests.import_sheets import OFFICE_ROWS, office_book


def _config_file(tmp_path: Path, config: Config) -> str:
    path = tmp_path / "import.yaml"
    path.write_text(f"database: {{url: '{config.database.url}'}}\n", encoding="utf-8")
    return str(path)


def test_dry_run_then_import_then_again(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.membership.add_unit("市教育局", code="EDU")
    rows = [list(r) for r in OFFICE_ROWS]
    rows[0][5] = "等领导定"
    sheet = tmp_path / "台账.xlsx"
    sheet.write_bytes(office_book(rows))
    errors = tmp_path / "错误.xlsx"
    cfg = _config_file(tmp_path, config)
    args = ["import-ledger", str(sheet), "--unit", "EDU", "--config", cfg]
    assert main([*args, "--dry-run", "--errors", str(errors)], clock=clock) == 0
    out = capsys.readouterr().out
    assert "将新增 4 条" in out and "第 4 行 完成时限：看不懂的时限“等领导定”" in out
    assert services.ledger.count(unit_id=None) == 0
    book = load_workbook(io.BytesIO(errors.read_bytes()))
    assert book.worksheets[0].cell(1, 10).value == "错误原因"
    assert main(args, clock=clock) == 0
    assert "导入完成：新增 4 条" in capsys.readouterr().out
    assert services.ledger.count(unit_id=None) == 4
    assert main(args, clock=clock) == 0
    assert "导入完成：新增 0 条，更新 0 条，无变化 4 条" in capsys.readouterr().out


def test_an_old_xls_is_refused_with_a_hint(
    services: Services, clock: FixedClock, config: Config, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services.membership.add_unit("市教育局", code="EDU")
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    cfg = _config_file(tmp_path, config)
    assert main(["import-ledger", str(old), "--unit", "EDU", "--config", cfg], clock=clock) == 1
    assert "另存为" in capsys.readouterr().err
