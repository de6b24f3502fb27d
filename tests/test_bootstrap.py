"""The services run without Telegram: bootstrap with python-telegram-bot made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent('''
    import datetime as dt
    import sys

    class NoTelegram:
        """Refuse python-telegram-bot: anything that needs it fails loudly."""

        def find_spec(self, name, path=None, target=None):
            if name == "telegram" or name.startswith("telegram."):
                raise ImportError(f"telegram is not available here ({name})")
            return None

    sys.meta_path.insert(0, NoTelegram())

    from bot.bootstrap import build_services
    from bot.clock import FixedClock
    from bot.config import parse_config
    from bot.domain import Role, Status
    from bot.reports.digest import DigestReport
    from bot.services.problem import Draft
    from storage.migrate import upgrade

    url, = sys.argv[1:]
    config = parse_config({"database": {"url": url}, "office_admins": [900]})
    clock = FixedClock(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC))
    services = build_services(config, clock=clock)
    upgrade(services.db.engine)
    m = services.membership
    m.add_unit("市教育局", code="EDU")
    for user, role, name in ((1, Role.MEMBER, "张三"), (2, Role.LEADER, "李局长")):
        code = m.create_invite(unit="EDU", role=role, by=None).code
        m.redeem_invite(code, user_id=user, display_name=name, username=None)
    cadre, leader = m.identify(1), m.identify(2)
    draft = Draft(category="履职尽责缺位", source="self", description="窗口午休无人值守",
                  measures=("安排轮值",), track="deadline", owner_name="张三", owner_user_id=1,
                  deadline=(clock.now() + dt.timedelta(days=5)).isoformat())
    item = services.ledger.file(draft, by=cadre, by_name="张三")
    done = services.ledger.report_done(item.id, by=cadre, by_name="张三", completion="已改")
    assert done.reviewers == (2,)
    assert services.ledger.approve(item.id, by=leader, by_name="李局长").status == \\
        Status.SIGNED_OFF
    kinds = sorted(n.kind for n in services.notify.listing())
    assert kinds == ["signoff.approved", "signoff.remind", "signoff.request",
                     "unit.new_problems"], kinds
    text = DigestReport(services.digest).cli("EDU", send=False)
    assert "共查摆问题1个" in text, text
    assert not [n for n in sys.modules if n == "telegram" or n.startswith("telegram.")]
    assert not [n for n in sys.modules if n == "handlers" or n.startswith("handlers.")]
    print("ok", len(sys.modules))
''')


def test_the_use_cases_run_with_telegram_unimportable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bootstrap.db'}"
    done = subprocess.run([sys.executable, "-c", SCRIPT, url], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")


def test_the_guard_really_refuses_telegram(tmp_path: Path) -> None:
    # Without this the first test could pass on an import that is never reached.
    probe = SCRIPT.split("from bot.bootstrap")[0] + "import telegram\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode != 0 and "telegram is not available here" in done.stderr
