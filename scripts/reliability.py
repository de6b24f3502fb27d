"""Run the fault, fuzz, permission, audit, backup and privacy suites; write docs/reliability.md.

Run: python scripts/reliability.py [--scale 20] [--out docs/reliability.md]

Every figure in the document comes from this run: the suites count what they injected, fed and
checked (tests/figures.py) and this script renders the totals with the test outcome. --scale
multiplies every fuzz budget (1 is what CI runs; 20 is the documented long run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUITES = (
    "tests/test_faults_telegram.py",
    "tests/test_faults_replies.py",
    "tests/test_faults_db.py",
    "tests/test_hostile_input.py",
    "tests/test_forged_updates.py",
    "tests/test_forged_context.py",
    "tests/test_permission_matrix.py",
    "tests/test_audit.py",
    "tests/test_backup.py",
    "tests/test_privacy.py",
    "tests/test_inbox_processes.py",
    "tests/test_scheduler_processes.py",
    "tests/test_postgres_restart.py",
    "tests/test_webhook_instances.py",
    "tests/test_storage_edges.py",
)

# Section title, key prefix, and what the counted things are.
SECTIONS = (
    ("Telegram faults injected", "faults.telegram.",
     "Faults the fake Bot API returned instead of an answer, by kind (HTTP status or failure)."),
    ("Database faults injected", "faults.db.",
     "A SQLite file locked past the busy timeout, PostgreSQL connections terminated under load "
     "(as a restart does), a full disk (SQLite max_page_count)."),
    ("Hostile input fed to text steps", "fuzz.",
     "Generated messages (10,000 characters, control characters, bidi marks, HTML and Markdown, "
     "emoji, blank) fed to every step that reads text; `refused` counts those the bot turned down "
     "with an explanation."),
    ("Forged, replayed and stray updates", "forged.",
     "Callback data naming another unit's ids, malformed or stale buttons, commands from unknown "
     "people and unbound groups, edited messages, channel posts, the bot added to an unknown "
     "group. Each is refused cleanly and the database is compared before and after."),
    ("Kills with updates in hand, repeated and forged posts", "inbox.",
     "Real `python -m bot run` processes: kill -9 with updates queued and not yet answered, then "
     "a restart: every update is answered, and only those being handled at the instant of the "
     "kill (at most the 32 the processor runs at once, never the queue behind them) may be "
     "answered again, counted in `repeated_after_kill`; the same webhook update posted twice; a "
     "forged private-chat update (its chat not its sender's)."),
    ("Kills during a fan-out", "fanout.",
     "A real process killed while a send hangs mid-wave, then restarted. What may go twice is "
     "what Telegram had accepted and the database had not recorded: the requests in flight "
     "(`telegram.rate_limit.in_flight`) and the batch of outcomes being written. "
     "`unrecorded_at_kill` counts those notes, `sent_twice` the ones that did go twice."),
    ("PostgreSQL restarted during a fan-out", "postgres.",
     "A private PostgreSQL server (initdb, pg_ctl on a free port) restarted while the sender "
     "works; every note checked for being sent exactly once."),
    ("Per-person limits", "limits.",
     "One person floods the bot; `flood_other_answer_ms` is how long another person's answer "
     "took meanwhile (the promise: a couple of seconds at most)."),
    ("Audit trail", "audit.", "Ledger changes checked for an actor and a time."),
    ("Backups", "backup.", "Backups restored into a fresh database and compared row by row."),
    ("Privacy", "privacy.", "A member's export and removal checked."),
)
FAULT_TOTALS = ("faults.notifications_checked", "faults.lost", "faults.duplicated")
MARKS = {"allow": "✅ allow", "deny": "— deny"}


def run_suites(scale: float, figures: Path, junit: Path) -> int:
    env = {**os.environ, "RELIABILITY_FIGURES": str(figures), "FUZZ_SCALE": str(scale)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--junitxml={junit}", *SUITES]
    print("$", " ".join(command[2:]), f"(FUZZ_SCALE={scale:g})", file=sys.stderr)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def outcome(junit: Path) -> dict[str, Any]:
    suite = ET.parse(junit).getroot()
    if suite.tag == "testsuites":
        suite = suite[0]
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    return {"tests": total, "passed": total - failed - skipped, "failed": failed,
            "skipped": skipped, "seconds": float(suite.get("time", 0))}


def postgres_version() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=2) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return f"PostgreSQL {row[0] if row else '?'}"
    except Exception as exc:  # reported, not fatal: the SQLite half still ran
        return f"PostgreSQL not reachable ({type(exc).__name__}): its half of the suites skipped"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _n(value: int) -> str:
    return f"{value:,}"


def _section_table(found: list[tuple[str, int]]) -> list[str]:
    """One row per counted thing; `step.metric` keys become one row per step, a column each."""
    if not all("." in key for key, _ in found):
        rows = [[f"`{key}`", _n(v)] for key, v in found]
        return [*_table(["what", "count"], rows),
                f"| **total** | **{_n(sum(v for _, v in found))}** |"]
    metrics = sorted({key.rsplit(".", 1)[1] for key, _ in found})
    steps: dict[str, dict[str, int]] = {}
    for key, value in found:
        step, metric = key.rsplit(".", 1)
        steps.setdefault(step, {})[metric] = value
    rows = [[f"`{step}`", *(_n(cells.get(m, 0)) for m in metrics)]
            for step, cells in sorted(steps.items())]
    totals = [f"**{_n(sum(c.get(m, 0) for c in steps.values()))}**" for m in metrics]
    return [*_table(["step", *metrics], rows), "| **total** | " + " | ".join(totals) + " |"]


def permission_section(cells: dict[str, dict[str, str]], checked: int) -> list[str]:
    from tests.permission_matrix import MATRIX, ROLE_NAMES, ROLES

    header = ["action", *(f"{ROLE_NAMES[r][0]}<br>({ROLE_NAMES[r][1]})" for r in ROLES)]
    rows = []
    for row in MATRIX:
        seen = cells.get(row.id, {})
        marks = []
        for role in ROLES:
            observed = seen.get(role)
            mark = MARKS.get(observed or "", "not run")
            if observed is not None and observed != row.expected(role):
                mark += " (expected " + row.expected(role) + ")"
            marks.append(mark)
        rows.append([f"{row.zh}<br>{row.en}", *marks])
    pairs = len(MATRIX) * len(ROLES)
    intro = [
        f"Every chat action × every role, driven through the real bot: {_n(pairs)} pairs in the "
        f"table, {_n(checked)} checked in this run. A cell is what the bot did; the test fails "
        "when it differs from the expected table in `tests/permission_matrix.py`, and where an "
        "action has a rule in `bot/permissions.py` the two must agree.",
        "",
    ]
    return intro + _table(header, rows)


def render(data: dict[str, Any], result: dict[str, Any], scale: float, command: str) -> str:
    counts: dict[str, int] = data.get("counts", {})
    lines = [
        "# Reliability",
        "",
        f"Generated by `{command}`; do not edit by hand. Run on "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {postgres_version()}.",
        "",
        f"Suites: {_n(result['tests'])} tests, {_n(result['passed'])} passed, "
        f"{_n(result['failed'])} failed, {_n(result['skipped'])} skipped, "
        f"{result['seconds']:.0f} s. Fuzz budget ×{scale:g} (CI runs ×1 as part of "
        "`python -m pytest`; the long run is `python scripts/reliability.py --scale 20`).",
        "",
        "## Nothing lost, nothing sent twice",
        "",
    ]
    lines += _table(["figure", "count"], [
        ["scheduled notifications checked under faults", _n(counts.get(FAULT_TOTALS[0], 0))],
        ["lost", _n(counts.get(FAULT_TOTALS[1], 0))],
        ["sent twice", _n(counts.get(FAULT_TOTALS[2], 0))],
    ])
    lines += ["", "Every deliverable notification ends delivered exactly once; one that cannot "
              "be delivered ends failed with its reason (shown by `python -m bot reminders "
              "--failed`), or its chat is marked unreachable and the liaison told."]
    for title, prefix, about in SECTIONS:
        found = sorted((k, v) for k, v in counts.items()
                       if k.startswith(prefix) and k not in FAULT_TOTALS)
        lines += ["", f"## {title}", "", about, ""]
        if not found:
            lines.append("(nothing counted in this run)")
            continue
        lines += _section_table([(k[len(prefix):], v) for k, v in found])
    lines += ["", "## Permission matrix", ""]
    lines += permission_section(data.get("tables", {}).get("permissions", {}),
                                counts.get("permissions.pairs_checked", 0))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fuzz budget multiplier")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    args = parser.parse_args()
    command = "python scripts/reliability.py" + (f" --scale {args.scale:g}"
                                                 if args.scale != 1 else "")
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        figures, junit = Path(tmp) / "figures.json", Path(tmp) / "junit.xml"
        start = time.perf_counter()
        code = run_suites(args.scale, figures, junit)
        result = outcome(junit)
        data = json.loads(figures.read_text(encoding="utf-8")) if figures.exists() else {}
    if code != 0:
        print(f"suites failed (exit {code}); {args.out} left as it was", file=sys.stderr)
        return code
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(data, result, args.scale, command), encoding="utf-8")
    print(f"wrote {args.out} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
