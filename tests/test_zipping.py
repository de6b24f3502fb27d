"""DeflateAhead packs on a thread pool and writes the very archive zipfile.ZipFile writes."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter.workbook

from bot.reports import paper, zipping
from bot.reports.zipping import DeflateAhead

# XlsxWriter's own timestamp for the parts it writes (see Workbook._store_workbook).
STAMP = time.mktime((1980, 1, 31, 0, 0, 0, 0, 0, -1))


def _parts(folder: Path, sizes: list[int]) -> list[Path]:
    """Sheet-like XML files of about `sizes` rows each, as XlsxWriter leaves them on disk."""
    rnd = random.Random(len(sizes))
    paths = []
    for i, rows in enumerate(sizes):
        path = folder / f"sheet{i}.xml"
        path.write_text("".join(f'<row r="{r}"><c t="s"><v>{rnd.randint(0, 10**6)}</v></c>'
                                f"<is>问题描述{r * i}</is></row>" for r in range(rows)),
                        encoding="utf-8")
        os.utime(path, (STAMP, STAMP))
        paths.append(path)
    return paths


def _archive(cls: type[zipfile.ZipFile], paths: list[Path], target: Any = None,
             **options: Any) -> bytes:
    buffer = target if target is not None else io.BytesIO()
    with cls(buffer, "w", compression=zipfile.ZIP_DEFLATED, **options) as archive:
        for i, path in enumerate(paths):
            archive.write(path, f"xl/worksheets/sheet{i}.xml")
            if i == 2:  # a part from memory between parts from disk keeps its place
                fixed = zipfile.ZipInfo("xl/workbook.xml", (1980, 1, 1, 0, 0, 0))
                fixed.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(fixed, "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize("budget", [zipping.HELD_BUDGET, 1])
def test_the_archive_is_byte_for_byte_the_one_zipfile_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    # With a budget of one byte, each part is laid down before the next one is read.
    monkeypatch.setattr(zipping, "HELD_BUDGET", budget)
    paths = _parts(tmp_path, [3000 + 97 * i for i in range(20)] + [0, 1])
    ahead = _archive(DeflateAhead, paths, workers=4)
    assert ahead == _archive(zipfile.ZipFile, paths)
    with zipfile.ZipFile(io.BytesIO(ahead)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[:4] == ["xl/worksheets/sheet0.xml", "xl/worksheets/sheet1.xml",
                             "xl/worksheets/sheet2.xml", "xl/workbook.xml"]
        assert archive.read("xl/worksheets/sheet7.xml") == paths[7].read_bytes()
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def test_each_part_is_deflated_on_the_pool_and_read_before_write_returns(
        tmp_path: Path) -> None:
    paths = _parts(tmp_path, [2000, 2500, 3000])
    buffer = io.BytesIO()
    with DeflateAhead(buffer, "w", compression=zipfile.ZIP_DEFLATED, workers=2) as archive:
        for i, path in enumerate(paths):
            archive.write(path, f"p{i}.xml")
            path.unlink()  # as XlsxWriter does, right after write() returns
        assert archive._pool is not None
    with zipfile.ZipFile(buffer) as done:
        assert done.testzip() is None and done.namelist() == ["p0.xml", "p1.xml", "p2.xml"]


def test_a_part_too_large_to_hold_is_deflated_by_zipfile_streaming(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _parts(tmp_path, [500, 4000, 600])
    monkeypatch.setattr(zipping, "HELD_MAX", paths[1].stat().st_size - 1)
    calls: list[int] = []
    real = zipping._deflate

    def counted(data: bytes, level: int) -> tuple[bytes, int]:
        calls.append(len(data))
        return real(data, level)

    monkeypatch.setattr(zipping, "_deflate", counted)
    assert _archive(DeflateAhead, paths, workers=2) == _archive(zipfile.ZipFile, paths)
    assert calls == [paths[0].stat().st_size, paths[2].stat().st_size]


class _Unseekable(io.RawIOBase):
    """A pipe-like sink: ZipFile then writes data descriptors after each part."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)

    def getvalue(self) -> bytes:
        return bytes(self.data)


def test_a_stream_that_cannot_seek_and_one_worker_take_zipfiles_own_path(
        tmp_path: Path) -> None:
    paths = _parts(tmp_path, [800, 900, 1000])
    assert _archive(DeflateAhead, paths, _Unseekable(), workers=4) == \
        _archive(zipfile.ZipFile, paths, _Unseekable())
    assert _archive(DeflateAhead, paths, workers=1) == _archive(zipfile.ZipFile, paths)


def test_a_failed_deflate_is_raised_and_the_archive_closed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, level: int) -> tuple[bytes, int]:
        raise MemoryError("no room")

    monkeypatch.setattr(zipping, "_deflate", broken)
    archive = DeflateAhead(io.BytesIO(), "w", compression=zipfile.ZIP_DEFLATED, workers=2)
    with pytest.raises(MemoryError, match="no room"):  # when the part is laid down
        archive.write(_parts(tmp_path, [100])[0], "p.xml")
        archive.close()
    archive.close()
    assert archive.fp is None and archive._pool is None and archive.namelist() == []


def _workbook(path: Path) -> bytes:
    wb = paper.new_workbook(str(path), str(path.parent))
    wb.set_properties({"created": dt.datetime(2026, 12, 3, 1, 0, tzinfo=dt.UTC)})
    for s in range(6):
        ws = wb.add_worksheet(f"单位{s}")
        for r in range(1500):
            ws.write_string(r, 0, f"问题{s}-{r}")
            ws.write_number(r, 1, r * s)
    wb.close()
    return path.read_bytes()


def test_xlsxwriter_saves_through_it_and_writes_the_same_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = _workbook(tmp_path / "ahead.xlsx")
    assert xlsxwriter.workbook.ZipFile is DeflateAhead  # installed by paper.new_workbook
    monkeypatch.setattr(zipping, "install", lambda: None)
    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", zipfile.ZipFile)
    assert ahead == _workbook(tmp_path / "plain.xlsx")
    assert len(zipfile.ZipFile(io.BytesIO(ahead)).namelist()) > 6
