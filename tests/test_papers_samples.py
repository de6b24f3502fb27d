"""scripts/render_samples.py writes every paper from its demo campaign, each one readable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent


def test_render_samples_writes_every_paper(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("render_samples",
                                                  ROOT / "scripts" / "render_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    written = {p.name for p in module.render(tmp_path, 4)}
    assert written == {"问题台账_全市.xlsx", "整顿总结.xlsx", "工作简报_U01.docx",
                       "工作简报_全市.docx", "整改进展图_全市.png", "整改情况图_U01.png"}
    ledger = load_workbook(tmp_path / "问题台账_全市.xlsx")
    statuses = {c.value for ws in ledger.worksheets[1:] for c in ws["N"][3:] if c.value}
    assert {"待整改", "整改中", "已整改（待销号）", "已销号"} <= statuses
    assert any("已超期" in s for s in statuses)
    summary = [r[9] for r in ledger["汇总"].iter_rows(min_row=4, values_only=True)]
    assert "零查摆" in summary
    assert docx.Document(str(tmp_path / "工作简报_全市.docx")).tables
    assert (tmp_path / "整改进展图_全市.png").read_bytes().startswith(b"\x89PNG")
