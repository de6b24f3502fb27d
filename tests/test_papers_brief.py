"""The 工作简报 in Word: reopened with python-docx and checked against GB/T 9704 and the digest."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.shared import Mm, Pt

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import Status
from bot.errors import DomainError
from bot.reports.brief import write_brief
from bot.reports.digest import DigestReport
from tests.chat import Chat
from tests.conftest import SHANGHAI
from tests.test_digest import LEADER, OFFICE, PEOPLE, PHASES, seed

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def config(db_url: str) -> Config:
    limits = {"overall_per_second": 0, "group_per_minute": 0, "per_chat_per_second": 0,
              "max_retries": 0}
    return parse_config({"database": {"url": db_url}, "office_admins": [OFFICE],
                         "telegram": {"rate_limit": limits}, "campaign": {"phases": PHASES},
                         "papers": {"contact": "办公室", "phone": "0571-1234"}})


def _brief(services: Services, unit: str | None = None, **kw: Any) -> Any:
    unit_id = services.digest.find_unit(unit)[0] if unit else None
    out = io.BytesIO()
    write_brief(services.digest, out, unit_id=unit_id, lang="zh", **kw)
    out.seek(0)
    return docx.Document(out)


def _texts(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _all_text(doc: Any) -> str:
    # Every text node of the body, tables included, and of the footers.
    body = "".join(node.text or "" for node in doc.element.body.iter(f"{W}t"))
    return body + "".join(p.text for s in doc.sections for p in s.footer.paragraphs)


def _east_asia(style: Any) -> str | None:
    fonts = style.element.rPr.find(f"{W}rFonts")
    return fonts.get(f"{W}eastAsia")


def test_page_size_margins_fonts_and_page_numbers(services: Services,
                                                  clock: FixedClock) -> None:
    seed(services, clock)
    doc = _brief(services, "EDU")
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [round(m.mm) for m in (section.top_margin, section.bottom_margin,
                                     section.left_margin, section.right_margin)]
    assert margins == [37, 35, 28, 26]
    styles = doc.styles
    assert _east_asia(styles["Title"]) == "方正小标宋简体" and styles["Title"].font.size == Pt(22)
    assert _east_asia(styles["Normal"]) == "仿宋_GB2312" and styles["Normal"].font.size == Pt(16)
    assert _east_asia(styles["Heading 1"]) == "黑体"
    # Each named font has its named fallback in the font table.
    table = next(p for p in doc.part.package.iter_parts()
                 if str(p.partname) == "/word/fontTable.xml").blob.decode()
    for name, alt in (("方正小标宋简体", "华文中宋"), ("仿宋_GB2312", "仿宋")):
        assert re.search(f'w:name="{name}"><w:altName w:val="{alt}"/>', table)
    # — 1 —: a PAGE field between dashes, odd pages right and even pages left.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        p = footer.paragraphs[0]
        fields = p._p.findall(f"{W}fldSimple")
        assert [f.get(f"{W}instr").strip() for f in fields] == ["PAGE"]
        shown = "".join(node.text or "" for node in p._p.iter(f"{W}t"))
        assert shown == "— 1 —" and p.alignment == (2 if side == "right" else 0)


def test_headings_numbering_and_issue(services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    doc = _brief(services, "EDU")
    heads = {1: [], 2: [], 3: []}  # type: dict[int, list[str]]
    for p in doc.paragraphs:
        if p.style.name.startswith("Heading "):
            heads[int(p.style.name[-1])].append(p.text)
    assert heads[1] == ["一、总体情况", "二、本期进展", "三、逾期情况", "四、下期到期事项",
                        "五、整改进展图"]
    assert heads[2][:2] == ["（一）按整改状态", "（二）按整改类型"]
    assert heads[3][0].startswith("1. 逾期7天以内")
    texts = _texts(doc)
    # The campaign's first phase starts 2026-11-02 (week 45); now is week 49: the 5th issue.
    assert texts[0] == "工作简报" and texts[1] == "第5期"
    assert texts[2].startswith("市教育局\t2026年11月30日")
    assert "市教育局作风问题整改进展情况" in texts and "（2026年第49周）" in texts
    assert texts[-1] == "（联系人：办公室，电话：0571-1234）"


def test_the_numbers_are_the_digests_and_no_name_appears(services: Services,
                                                         clock: FixedClock) -> None:
    seed(services, clock)
    report = DigestReport(services.digest)
    edu, _ = services.digest.find_unit("EDU")
    stats = services.digest.unit_stats(edu)
    doc = _brief(services, "EDU")
    texts = _texts(doc)
    headline = report.headline(stats, "zh")
    assert headline in texts and headline in report.unit_text(edu, "zh")
    assert "待整改4个，整改中1个，已整改待销号1个，已销号1个。" in texts
    assert stats.status[Status.PENDING] == 4
    progress = next(x for x in texts if x.startswith("本期"))
    assert (f"新查摆问题{stats.filed_week}个，新整改{stats.fixed_week}个，"
            f"新销号{stats.signed_week}个") in progress
    assert f"目前逾期未整改问题共{stats.overdue}个。" in texts
    everything = _all_text(doc) + _all_text(_brief(services))
    for name in PEOPLE.values():
        assert name not in everything, name


def test_the_chart_is_embedded(services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    for unit in ("EDU", None):
        doc = _brief(services, unit)
        [shape] = doc.inline_shapes
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = doc.part.related_parts[blip.embed]
        assert image.content_type == "image/png" and image.blob.startswith(b"\x89PNG")
        assert shape.width == Mm(156)


def test_the_city_brief_has_every_unit_ranked(services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    services.membership.add_unit("市审计局", code="AUDIT")
    doc = _brief(services)
    texts = _texts(doc)
    city = DigestReport(services.digest).city_text("zh").split("\n")
    assert city[1] in texts  # the city headline, word for word
    assert "参与单位3个，其中有逾期事项的单位1个。" in texts
    assert any(x.startswith("整改率居前的单位：市卫健委（50.0%）") for x in texts)
    assert "尚未查摆问题的单位1个：市审计局。" in texts
    [table] = doc.tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["排名", "单位", "查摆", "整改", "整改率", "逾期"]
    assert [r[1] for r in rows[1:]] == ["市卫健委", "市教育局", "市审计局"]
    assert rows[2] == ["2", "市教育局", "7", "2", "28.6%", "1"] and rows[3][0] == "—"
    assert "六、整改进展图" in texts and "五、各单位整改情况及排名" in texts


def test_a_week_before_now_and_a_bad_week(services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    doc = _brief(services, "EDU", week="2026-W48")
    texts = _texts(doc)
    assert texts[1] == "第4期" and "（2026年第48周）" in texts
    # The week's own figures, as the digest computes them for a digest sent at its end.
    edu, _ = services.digest.find_unit("EDU")
    week = services.digest.unit_stats(edu, dt.datetime(2026, 11, 30, tzinfo=SHANGHAI))
    assert (week.filed_week, week.fixed_week, week.signed_week) == (5, 2, 1)
    assert "本期（11月23日至11月29日）新查摆问题5个，新整改2个，新销号1个。" in texts
    with pytest.raises(DomainError):
        _brief(services, "EDU", week="2026-49")


async def test_report_in_chat_for_a_leader_and_the_office(chat: Chat, services: Services,
                                                          clock: FixedClock) -> None:
    seed(services, clock)
    replies = await chat.send(LEADER, "/report")
    [document] = [m.document for m in replies if m.document]
    name, data = document
    assert name == "工作简报_EDU_20261130.docx"
    assert "市教育局作风问题整改进展情况" in _texts(docx.Document(io.BytesIO(data)))
    replies = await chat.send(OFFICE, "/report")
    [(name, data)] = [m.document for m in replies if m.document]
    assert name == "工作简报_全市_20261130.docx"
    assert docx.Document(io.BytesIO(data)).tables
    [denied] = await chat.send(41, "/report")  # a cadre
    assert "只有责任领导、联络员" in (denied.text or "")


def test_report_and_digest_chart_from_the_command_line(
        services: Services, clock: FixedClock, config: Config, tmp_path: Path) -> None:
    seed(services, clock)
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: {config.database.url}\n"
                    "campaign:\n  phases:\n" + "".join(
                        f"    - {{name: {p['name']}, start: {p['start']}, end: {p['end']}}}\n"
                        for p in PHASES), encoding="utf-8")
    out = tmp_path / "brief.docx"
    chart = tmp_path / "chart.png"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    done = run("report", "--unit", "EDU", "--week", "2026-W48", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "第4期" in done.stdout and "市教育局作风问题整改进展情况" in _texts(docx.Document(out))
    done = run("digest", "--unit", "EDU", "--chart", str(chart))
    assert done.returncode == 0, done.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")
    bad = run("report", "--week", "49", "-o", str(out))
    assert bad.returncode == 2 and "2026-W49" in bad.stderr
