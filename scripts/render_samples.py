"""Seed a demo campaign and write every paper the office hands upward, to look at.

Run: python scripts/render_samples.py OUT_DIR [--units 6]

Writes into OUT_DIR: the city ledger workbook, the end-of-campaign workbook, a unit's and the
city's 工作简报 (.docx), and the city and unit charts (.png); with LibreOffice installed
(soffice on PATH) also a PDF of each workbook and brief. The demo database is a SQLite file
in OUT_DIR, filled on a fixed clock: problems in every status, overdue ones, long texts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)  # a Wednesday in 整改落实
PHASES = [
    {"name": "学习动员", "start": "2026-11-02", "end": "2026-11-15"},
    {"name": "查摆问题", "start": "2026-11-16", "end": "2026-12-06"},
    {"name": "整改落实", "start": "2026-12-07", "end": "2026-12-27"},
    {"name": "总结提升", "start": "2026-12-28", "end": "2027-01-10"},
]
UNITS = ("市教育局", "市卫生健康委员会（市中医药管理局）", "市财政局", "市市场监督管理局",
         "城关镇人民政府综合行政执法大队", "市审计局")
CATEGORIES = ("履职尽责缺位", "服务群众不优", "作风不严不实", "纪律规矩松弛")
LONG_MEASURES = tuple(f"对照问题清单逐项落实第{i}项整改措施，明确责任人和完成时限，按周报告进展"
                      for i in range(1, 9))


def _config(url: str):  # type: ignore[no-untyped-def]
    from bot.config import parse_config

    return parse_config({"database": {"url": url}, "office_admins": [900],
                         "campaign": {"name": "机关干部作风问题教育整顿", "phases": PHASES},
                         "papers": {"contact": "李明", "phone": "0571-87654321"}})


def seed(services, clock, units: int) -> None:  # type: ignore[no-untyped-def]
    """Units with a leader and a cadre each; the last unit files nothing (零查摆)."""
    from bot.domain import Role
    from bot.services.problem import Draft

    m, led = services.membership, services.ledger
    sources = ("self", "public", "business", "inspection", "supervision")
    levels = ("individual", "unit", "sector", None)
    for u in range(units):
        name = UNITS[u % len(UNITS)] + ("" if u < len(UNITS) else f"（{u + 1}）")
        code = f"U{u + 1:02d}"
        m.add_unit(name, code=code)
        cadre, leader = 1000 + u * 10, 1001 + u * 10
        for user, role, who in ((cadre, Role.MEMBER, f"干部{u + 1}"),
                                (leader, Role.LEADER, f"领导{u + 1}")):
            m.redeem_invite(m.create_invite(unit=code, role=role, by=None).code, user_id=user,
                            display_name=who, username=None)
        if u == units - 1:
            continue
        by, boss = m.identify(cadre), m.identify(leader)
        for n in range(3 + 2 * u):
            clock.set(dt.datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI) + dt.timedelta(days=n))
            long = n % 4 == 0
            deadline = clock.now() + dt.timedelta(days=(4 + 3 * n) % 25 + 2)
            track = ("deadline", "immediate", "ongoing")[n % 3]
            draft = Draft(
                category=CATEGORIES[n % len(CATEGORIES)], level=levels[n % 4],
                source=sources[n % 5],
                description=("窗口服务时间与群众办事需求不匹配，午休时段无人值守，群众多次反映"
                             "办事需往返多次" * (3 if long else 1)),
                measures=LONG_MEASURES if long else ("建立午间轮值制度", "公开值班电话"),
                goal="群众办事一次办成", track=track, leader_name=f"领导{u + 1}",
                owner_name=f"干部{u + 1}", owner_user_id=cadre,
                deadline=None if track == "ongoing" else deadline.isoformat(),
                checkin_days=14 if track == "ongoing" else None)
            item = led.file(draft, by=by, by_name=f"干部{u + 1}").id
            clock.set(clock.now() + dt.timedelta(days=1))
            step = n % 5
            if step >= 1:
                led.add_progress(item, by=by, by_name=f"干部{u + 1}", text="已召开专题会研究")
            if step >= 2:
                led.report_done(item, by=by, by_name=f"干部{u + 1}", completion="已完成整改")
            if step == 3:
                led.approve(item, by=boss, by_name=f"领导{u + 1}")
            if step == 4:
                led.reject(item, by=boss, by_name=f"领导{u + 1}", reason="佐证不足",
                           new_deadline=None if track == "ongoing"
                           else clock.now() + dt.timedelta(days=3))
    clock.set(NOW)


def _pdf(files: list[Path], out: Path) -> list[Path]:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        print("LibreOffice (soffice) not found: no PDFs", file=sys.stderr)
        return []
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    *map(str, files)], check=True, capture_output=True, timeout=600)
    return [out / f"{f.stem}.pdf" for f in files]


def render(out: Path, units: int) -> list[Path]:
    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.reports.brief import write_brief
    from bot.reports.digest import DigestReport
    from bot.reports.workbook import write_xlsx
    from storage.db import Database
    from storage.migrate import upgrade

    out.mkdir(parents=True, exist_ok=True)
    path = out / "demo.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    config = _config(url)
    db = Database.from_url(url)
    upgrade(db.engine)
    clock = FixedClock(NOW)
    services = build_services(config, clock=clock, database=db)
    seed(services, clock, units)
    report = DigestReport(services.digest)
    listed = [(u.code, u.name) for u in services.membership.list_units()]
    files = {
        "ledger": out / "问题台账_全市.xlsx", "end": out / "整顿总结.xlsx",
        "unit_brief": out / "工作简报_U01.docx", "city_brief": out / "工作简报_全市.docx",
        "city_chart": out / "整改进展图_全市.png", "unit_chart": out / "整改情况图_U01.png",
    }
    write_xlsx(services.ledger.iter_rows(), files["ledger"], tz=config.tz, now=NOW,
               per_unit=True, units=listed, papers=config.papers)
    files["end"].write_bytes(report.end_book())
    unit_id = services.digest.find_unit("U01")[0]
    write_brief(services.digest, files["unit_brief"], unit_id=unit_id, lang="zh")
    write_brief(services.digest, files["city_brief"], unit_id=None, lang="zh")
    files["city_chart"].write_bytes(report.city_chart("zh"))
    files["unit_chart"].write_bytes(report.unit_chart("U01", "zh"))
    db.dispose()
    paper = [files[k] for k in ("ledger", "end", "unit_brief", "city_brief")]
    return [*files.values(), *_pdf(paper, out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", metavar="OUT_DIR", type=Path)
    parser.add_argument("--units", type=int, default=6, help="demo units (the last files none)")
    args = parser.parse_args()
    for written in render(args.out, max(2, args.units)):
        print(written)


if __name__ == "__main__":
    main()
