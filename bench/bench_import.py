"""Measure the ledger import: a 10,000-row office sheet previewed, then imported, on SQLite.

Run: python bench/bench_import.py [--rows 10000]
Prints import_10k_s (preview plus import), and each part, as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from bench.common import T0, temp_config  # noqa: E402
from bot.bootstrap import build_services  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

HEADERS = ("序号", "存在问题", "整改举措", "具体责任人", "分管领导", "完成时限", "完成情况",
           "问题类型", "备注")
DEADLINES = ("2026年12月31日前", "12月底前", "长期坚持", "立行立改", "2027-01-15")


def office_sheet(rows: int) -> bytes:
    """An office's ledger: a title, a 填报 line, then `rows` rows of realistic text."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["某某局作风问题教育整顿问题清单"])
    ws.append(["填报单位：某某局    填报日期：2026年11月20日"])
    ws.append(list(HEADERS))
    for i in range(rows):
        deadline: object = DEADLINES[i % 5] if i % 7 else dt.datetime(2027, 2, 1)  # noqa: DTZ001
        ws.append([i + 1, f"第{i}号问题：窗口服务态度生硬，群众办事多次往返，" * 2,
                   "1、开展专题教育\n2、建立首问负责制台账\n3、纳入年度考核",
                   f"责任人{i % 40}", "李副局长", deadline, ("整改中", "未完成", "已完成")[i % 3],
                   "服务群众不优", ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def measure(rows: int = 10_000) -> dict[str, float]:
    config, _ = temp_config()
    database = Database.from_url(config.database.url)
    upgrade(database.engine)
    services = build_services(config, clock=FixedClock(T0), database=database)
    services.membership.add_unit("某某局", code="MJ")
    data = office_sheet(rows)
    start = time.perf_counter()
    preview = services.importer.preview(data, "台账.xlsx", by=None, unit="MJ")
    previewed = time.perf_counter()
    done = services.importer.run(data, "台账.xlsx", by=None, by_name="bench", unit="MJ")
    imported = time.perf_counter()
    again = services.importer.preview(data, "台账.xlsx", by=None, unit="MJ")
    repeated = time.perf_counter()
    assert preview.added == rows and done.added == rows and again.unchanged == rows
    database.dispose()
    return {"import_10k_s": imported - start, "import_preview_s": previewed - start,
            "import_write_s": imported - previewed, "import_repeat_preview_s": repeated - imported}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(measure(args.rows), indent=2))


if __name__ == "__main__":
    main()
