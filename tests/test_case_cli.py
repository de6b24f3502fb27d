"""The public's side from the shell and the scheduler: `qr`, `case purge`, the daily purge."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import segno
from PIL import Image

from bot.bootstrap import Services
from bot.cli import main
from bot.clock import FixedClock
from bot.config import Config
from bot.reports.qr import BORDER, MODULE, report_url, unit_qr_png
from tests.chat import Chat

OFFICE = 900
URL = "https://zg.example.cn"


def _cfg(tmp_path: Path, config: Config, *, public_url: str | None = URL) -> str:
    path = tmp_path / "c.yaml"
    web = f"web: {{public_url: '{public_url}', public_path: jubao}}\n" if public_url else ""
    path.write_text(f"database: {{url: '{config.database.url}'}}\n{web}", encoding="utf-8")
    return str(path)


def _qr_square(url: str) -> Image.Image:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=MODULE, border=BORDER)
    out.seek(0)
    return Image.open(out).convert("L")


def _dark(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(1 for v in image.crop(box).tobytes() if v < 128)


def test_qr_writes_the_units_report_address_with_its_name_under_it(
        services: Services, config: Config, tmp_path: Path, clock: FixedClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    services.membership.add_unit("市教育局", code="EDU")
    out = tmp_path / "edu.png"
    assert main(["qr", "EDU", "-o", str(out), "--config", _cfg(tmp_path, config)],
                clock=clock) == 0
    url = f"{URL}/jubao/report?unit=EDU"
    assert url in capsys.readouterr().out
    image = Image.open(out)
    assert image.format == "PNG"
    image = image.convert("L")
    square = _qr_square(url)
    # The top is exactly the QR code of the unit's address; the name is drawn below it.
    assert image.width == square.width and image.height > square.height + 40
    code_part = (0, 0, square.width, square.height - MODULE * BORDER)
    assert image.crop(code_part).tobytes() == square.crop(code_part).tobytes()
    below = (0, code_part[3], image.width, image.height)
    assert _dark(image, below) > 500
    other = Image.open(io.BytesIO(unit_qr_png(url, "市卫健委"))).convert("L")
    assert other.crop(code_part).tobytes() == image.crop(code_part).tobytes()
    assert other.crop(below).tobytes() != image.crop(below).tobytes()


def test_qr_refuses_an_unknown_unit_and_a_missing_address(
        services: Services, config: Config, tmp_path: Path, clock: FixedClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    services.membership.add_unit("市教育局", code="EDU")
    out = tmp_path / "x.png"
    assert main(["qr", "NOPE", "-o", str(out), "--config", _cfg(tmp_path, config)],
                clock=clock) == 1
    assert "NOPE" in capsys.readouterr().err
    assert main(["qr", "EDU", "-o", str(out), "--config",
                 _cfg(tmp_path, config, public_url=None)], clock=clock) == 2
    assert "public_url" in capsys.readouterr().err and not out.exists()
    assert report_url("https://a.cn/", "public", "U 1") == "https://a.cn/public/report?unit=U%201"


def test_case_purge_removes_the_contact_and_photo(
        services: Services, config: Config, tmp_path: Path, clock: FixedClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    unit = services.membership.add_unit("市教育局", code="EDU")
    code = services.cases.submit(unit_id=unit.id, kind="public", text="窗口排队", anonymous=False,
                                 contact_name="王小明", contact_phone="13800001111").code
    cfg = _cfg(tmp_path, config)
    assert main(["case", "purge", code.lower(), "--config", cfg], clock=clock) == 0
    assert f"{code}: personal data removed" in capsys.readouterr().out
    [case] = services.cases.pending(by=services.membership.identify(OFFICE))
    assert case.code == code and case.contact_name is None and case.contact_phone is None
    assert case.text == "窗口排队"
    assert main(["case", "purge", code, "--config", cfg], clock=clock) == 0
    assert "no personal data left" in capsys.readouterr().out
    assert main(["case", "purge", "NOSUCHCODE", "--config", cfg], clock=clock) == 1


async def test_the_scheduler_purges_expired_personal_data_once_a_day(
        chat: Chat, clock: FixedClock) -> None:
    services: Services = chat.app.bot_data.services
    unit = services.membership.add_unit("市教育局", code="EDU")
    office = services.membership.identify(OFFICE)
    code = services.cases.submit(unit_id=unit.id, kind="public", text="与本单位无关",
                                 anonymous=False, contact_phone="13800001111").code
    [case] = services.cases.pending(by=office)
    services.cases.refuse(case.id, "不属于受理范围", by=office)
    await chat.app.bot_data.sender.tick()
    assert services.cases.purge(code, by=office) is True  # was kept: too recent
    other = services.cases.submit(unit_id=unit.id, kind="public", text="另一件无关的事",
                                  anonymous=False, contact_phone="13800002222").code
    [case] = services.cases.pending(by=office)
    services.cases.refuse(case.id, "不属于受理范围", by=office)
    clock.advance(days=366)
    await chat.app.bot_data.sender.tick()
    assert services.cases.purge(other, by=office) is False  # the tick had removed it
    # Once a day: a case expiring later on a day the purge already ran waits for the next day.
    services.cases.submit(unit_id=unit.id, kind="public", text="第三件无关的事",
                          anonymous=False, contact_phone="13800003333")
    [case] = services.cases.pending(by=office)
    services.cases.refuse(case.id, "不属于受理范围", by=office)
    clock.advance(days=365, hours=-2)  # 13:00: not expired yet
    await chat.app.bot_data.sender.tick()
    clock.advance(hours=3)  # 16:00, the same day: expired, but today's purge ran
    await chat.app.bot_data.sender.tick()
    assert services.cases.purge_expired() == 1


async def test_the_scheduler_asks_a_chat_complainant_to_rate(chat: Chat,
                                                             clock: FixedClock) -> None:
    from tests.test_digest import LEADER, LIAISON, join_chats, seed, unit_id

    services: Services = chat.app.bot_data.services
    seed(services, clock)
    join_chats(chat.sandbox)
    services.cases.submit(unit_id=unit_id(services, "EDU"), kind="public", text="窗口没人",
                          channel="chat:77")
    office = services.membership.identify(OFFICE)
    [case] = services.cases.pending(by=office)
    item = services.cases.transfer(case.id, by=office, by_name="办公室",
                                   deadline=clock.now() + dt.timedelta(days=3))
    who = services.membership.identify
    services.ledger.report_done(item.id, by=who(LIAISON), by_name="王联络", completion="已改")
    services.ledger.approve(item.id, by=who(LEADER), by_name="李局长")
    await chat.app.bot_data.sender.tick()
    assert any("请评价" in (m.text or "") for m in chat.sandbox.sent(77))
