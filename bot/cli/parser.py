"""The argument tree of `python -m bot`; stdlib only, so `--help` and usage errors stay fast."""

from __future__ import annotations

import argparse
import datetime as dt

# storage.models.Role's values, in its order; spelled out so that parsing never loads
# SQLAlchemy (tests/test_cli_imports.py checks they agree).
ROLES = ("office", "leader", "liaison", "member", "inspector")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="作风问题教育整顿助手 · rectification-campaign Telegram bot",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--config", metavar="FILE", help="YAML config (default: ./config.yaml)")
        return p

    run = command("run", "run the bot (long polling, or webhook when configured)")
    run.add_argument("--metrics-port", type=_positive, metavar="N", default=None,
                     help="serve Prometheus metrics at http://127.0.0.1:N/metrics (polling; "
                          "webhook mode serves /metrics and /healthz on its own port)")
    run.add_argument("--metrics-listen", metavar="ADDR", default="127.0.0.1",
                     help="the address --metrics-port binds to (default 127.0.0.1)")
    command("health", "check the database, the schema and the sender's last tick; exit 0 or 1")
    init = sub.add_parser("init-config", help="write the commented example config",
                          description="write the commented example config, with fresh secrets")
    init.add_argument("file", metavar="FILE", nargs="?", default=None,
                      help="where (default ./config.yaml; - for stdout)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    command("web", "serve the web dashboard alone (the bot may run elsewhere on the database)")
    check = sub.add_parser("check-config", help="validate a config file without starting")
    check.add_argument("file", metavar="FILE")
    command("migrate", "upgrade the database schema to this version")
    cal = command("calendar", "print a year's working-day calendar, or read a holiday notice: "
                              "calendar YEAR | calendar import NOTICE.txt")
    cal.add_argument("what", metavar="YEAR|import", help="a year (2027), or the word import")
    cal.add_argument("file", metavar="NOTICE.txt", nargs="?",
                     help="with import: the text of the State Council's notice")
    cal.add_argument("--year", type=int, default=None,
                     help="with import: the notice's year when its title is missing")

    unit = command("unit", "add or list units")
    unit_sub = unit.add_subparsers(dest="unit_command", required=True, metavar="ACTION")
    # --config may also come after the action: `unit add NAME --config FILE`.
    leaf = argparse.ArgumentParser(add_help=False)
    leaf.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                      help="YAML config (default: ./config.yaml)")
    add = unit_sub.add_parser("add", help="add a unit", parents=[leaf])
    add.add_argument("name")
    add.add_argument("--parent", help="name or code of the parent unit")
    add.add_argument("--code", help="short unique code (default: U001, U002, …)")
    unit_sub.add_parser("list", help="list units", parents=[leaf])

    imp = command("import-units", "create units from an xlsx or csv sheet (name, code, parent)")
    imp.add_argument("file", metavar="FILE")

    led = command("import-ledger", "import a unit's own ledger from an .xlsx or .csv sheet")
    led.add_argument("file", metavar="FILE")
    led.add_argument("--unit", metavar="CODE",
                     help="the unit the rows belong to (default: each row's 责任单位)")
    led.add_argument("--dry-run", action="store_true",
                     help="only show what would be added, updated and refused")
    led.add_argument("--errors", metavar="OUT.xlsx",
                     help="write the rows that cannot be imported here, with 错误原因")
    led.add_argument("--sheet", metavar="NAME", help="the sheet to read, when there are several")
    led.add_argument("--by", metavar="NAME", default="命令行导入",
                     help="who imports it, for the ledger history")

    inv = command("invite", "print a one-time invite code and deep link for a unit")
    inv.add_argument("unit", metavar="UNIT", help="unit code or name")
    inv.add_argument("--role", default="member", choices=ROLES)

    exp = command("export", "write the ledger to an .xlsx or .csv file")
    exp.add_argument("--unit", metavar="CODE", help="one unit (default: every unit)")
    exp.add_argument("--format", choices=["xlsx", "csv"], default=None,
                     help="default: from the file name, else xlsx")
    exp.add_argument("-o", "--output", metavar="FILE", required=True)
    exp.add_argument("--jobs", metavar="N", type=_jobs, default=None,
                     help="processes writing a city's unit sheets (default: 2 from 20,000 "
                          "rows on a machine with two cores, else 1)")

    rem = command("reminders", "list what the scheduler will send (pending notifications)")
    rem.add_argument("--unit", metavar="CODE", help="only this unit's people and groups")
    rem.add_argument("--due-within", metavar="SPAN", type=_span,
                     help="only what falls due within e.g. 30m, 12h, 1d, 2w")
    rem.add_argument("--failed", action="store_true", help="list failed messages instead")

    dig = command("digest", "render a weekly digest now (city-wide, or one unit's)")
    dig.add_argument("--unit", metavar="CODE", help="one unit (default: the city digest)")
    how = dig.add_mutually_exclusive_group()
    how.add_argument("--print", dest="send", action="store_false", default=False,
                     help="print it to stdout (default)")
    how.add_argument("--send", dest="send", action="store_true",
                     help="queue it for the running bot to send now")
    dig.add_argument("--chart", metavar="FILE",
                     help="also save the chart as PNG (the city's, or the unit's with --unit)")

    rep = command("report", "write the 工作简报 (Word, GB/T 9704 layout) of the city or a unit")
    rep.add_argument("--unit", metavar="CODE", help="one unit (default: the city)")
    rep.add_argument("--week", metavar="YYYY-Www", help="a finished ISO week, e.g. 2026-W49 "
                     "(default: the seven days up to now)")
    rep.add_argument("-o", "--output", metavar="FILE", required=True, help="the .docx to write")

    aud = command("audit", "print every recorded change to the ledger, oldest first")
    aud.add_argument("--unit", metavar="CODE", help="one unit (default: every unit)")
    aud.add_argument("--since", metavar="DATE",
                     help="from this time on: an ISO date (2026-11-01) or a phrase (上周一, 昨天)")
    aud.add_argument("--format", choices=["text", "csv"], default="text",
                     help="text: readable columns (default); csv: every field, notes in full")
    aud.add_argument("--limit", type=_positive, metavar="N", help="at most N changes")

    qr = command("qr", "write a unit's QR code (its public report page) with its name, as PNG")
    qr.add_argument("unit", metavar="UNIT", help="unit code or name")
    qr.add_argument("-o", "--output", metavar="FILE.png", required=True)
    case = command("case", "the public's cases: purge CODE removes a case's personal data")
    case_sub = case.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    purge = case_sub.add_parser("purge", parents=[leaf],
                                help="remove a case's contact and photo (its text stays)")
    purge.add_argument("code", metavar="CODE", help="the case's 查询码")

    bak = command("backup", "write a consistent copy of the database to FILE (while the bot runs)")
    bak.add_argument("file", metavar="FILE")
    res = command("restore", "load a backup FILE into the configured database")
    res.add_argument("file", metavar="FILE")
    res.add_argument("--force", action="store_true",
                     help="replace a database that already holds data")

    mem = command("member", "a member's personal data: export it, or remove it")
    mem_sub = mem.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    mexp = mem_sub.add_parser("export", help="everything stored about a person, as JSON",
                              parents=[leaf])
    mexp.add_argument("user_id", type=int, metavar="USER_ID")
    mexp.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    mrem = mem_sub.add_parser(
        "remove", parents=[leaf],
        help="delete a person's personal rows; ledger rows stay, renamed as configured")
    mrem.add_argument("user_id", type=int, metavar="USER_ID")
    mrem.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    mrem.add_argument("--by", metavar="NAME", default=None,
                      help="who removes it, for the ledger history (default: 系统管理员)")

    shell = command("shell", "talk to the bot in this terminal, without Telegram or a token")
    shell.add_argument("--as", dest="as_user", type=int, metavar="USER_ID",
                       help="start as this Telegram user id (default 10001)")
    shell.add_argument("--db", metavar="URL",
                       help="database URL (default: the config's, as for every other command)")
    shell.add_argument("--out", metavar="DIR", default="data/shell-files",
                       help="where documents and photos the bot sends are saved")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of 1 or more")
    return int(text)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"not a number of processes from 1 to 64: {text!r}")
    return int(text)


def _span(text: str) -> dt.timedelta:
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and m, h, d or w, e.g. 1d")
    return dt.timedelta(**{units[unit]: int(number)})
