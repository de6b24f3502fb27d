"""The web's downloads are the same papers: the real 简报 and the office's workbook."""

from __future__ import annotations

import io

import docx
import httpx
import pytest
from openpyxl import load_workbook

from bot.bootstrap import Services
from tests.test_digest import unit_id
from tests.web_fixtures import LEADER, OFFICE, config, seeded, signed_in, web  # noqa: F401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_web_serves_the_real_brief_and_the_office_workbook(
        seeded: Services, web: httpx.AsyncClient) -> None:
    edu = unit_id(seeded, "EDU")
    signed_in(seeded, web, LEADER)
    got = await web.get(f"/export/unit/{edu}.docx")
    assert got.status_code == 200
    brief = docx.Document(io.BytesIO(got.content))
    assert "市教育局作风问题整改进展情况" in [p.text for p in brief.paragraphs]
    assert brief.inline_shapes and round(brief.sections[0].top_margin.mm) == 37
    seeded.membership.add_unit("市审计局", code="AUDIT")
    signed_in(seeded, web, OFFICE)
    got = await web.get("/export/city.xlsx")
    assert got.status_code == 200
    summary = load_workbook(io.BytesIO(got.content))["汇总"]
    assert summary.page_setup.paperSize == 9
    codes = [r[0] for r in summary.iter_rows(min_row=4, values_only=True) if r[0]]
    assert codes[:-2] == ["AUDIT", "EDU", "HEALTH"] and codes[-2:] == ["合计", "图例"]
    assert [r[-1] for r in summary.iter_rows(min_row=4, max_row=4, values_only=True)] == [
        "零查摆"]
