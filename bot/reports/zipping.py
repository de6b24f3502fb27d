"""Packing a workbook on every core: its sheets are deflated side by side, laid down in order.

XlsxWriter saves a workbook by writing each part to a temp file, then adding them one after
another to a `zipfile.ZipFile`, which deflates each part as it copies it. For a city's ledger
that is some 300 MB of sheet XML deflated on one core while the others wait. `DeflateAhead` is
that ZipFile with one change: `write()` of a part from disk reads it and hands it to a thread
pool (zlib and crc32 let go of the GIL), and each part goes into the archive, in the order it
was written, once it is deflated. The archive is byte for byte the one ZipFile writes: the
same deflate (level 6, raw), the same headers, the same order.

`install()` makes XlsxWriter use it; a part too large to hold in memory, a ZipFile without
the internals this relies on, or a stream that cannot seek, takes ZipFile's own path.
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from zipfile import ZIP64_LIMIT, ZIP_DEFLATED, LargeZipFile, ZipFile, ZipInfo

# A part larger than this is deflated by ZipFile itself, streaming, so memory stays flat.
HELD_MAX = 16 * 1024 * 1024
# Parts read and in flight at once, ahead of the one being laid down, and their bytes at most.
AHEAD = 8
HELD_BUDGET = 48 * 1024 * 1024
_INTERNALS = ("fp", "start_dir", "filelist", "NameToInfo", "_lock", "_seekable", "_writecheck",
              "_didModify", "_writing", "_strict_timestamps", "_allowZip64")


def _deflate(data: bytes, level: int) -> tuple[bytes, int]:
    """Raw deflate (as ZipFile's compressor) and the CRC-32 of `data`."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data)


class DeflateAhead(ZipFile):
    """A ZipFile that deflates the files written to it on a thread pool (see the module)."""

    def __init__(self, *args: Any, workers: int | None = None, **kwargs: Any) -> None:
        # Set before ZipFile opens anything: its __del__ closes, and so reaches _drain.
        self._ahead: deque[tuple[ZipInfo, Future[tuple[bytes, int]], int]] = deque()
        self._held = 0
        self._workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        super().__init__(*args, **kwargs)

    def _parallel(self, compress_type: int | None, size: int) -> bool:
        inner: Any = self  # ZipFile's own state, which its typing does not declare
        return (self.mode == "w" and self._workers > 1 and size <= HELD_MAX
                and (compress_type or self.compression) == ZIP_DEFLATED
                and all(hasattr(self, name) for name in _INTERNALS)
                and bool(inner._seekable) and not inner._writing)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        size = os.path.getsize(filename) if os.path.isfile(filename) else HELD_MAX + 1
        if not self._parallel(compress_type, size):
            self._drain()
            super().write(filename, arcname, compress_type, compresslevel)
            return
        inner: Any = self
        zinfo = ZipInfo.from_file(filename, arcname, strict_timestamps=inner._strict_timestamps)
        level = compresslevel if compresslevel is not None else self.compresslevel
        # Read now: the caller may remove the file as soon as this returns.
        with open(filename, "rb") as src:
            data = src.read()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="deflate")
        future = self._pool.submit(_deflate, data, zlib.Z_DEFAULT_COMPRESSION
                                   if level is None else level)
        self._ahead.append((zinfo, future, len(data)))
        self._held += len(data)
        while self._ahead and (len(self._ahead) > AHEAD or self._held > HELD_BUDGET
                               or self._ahead[0][1].done()):
            self._next()

    def _next(self) -> None:
        zinfo, future, size = self._ahead.popleft()
        self._held -= size
        self._lay_down(zinfo, future, size)

    def _lay_down(self, zinfo: ZipInfo, future: Future[tuple[bytes, int]], size: int) -> None:
        """Write one deflated part where ZipFile would have: header, data, directory entry."""
        inner: Any = self  # ZipFile's own state, as ZipFile.write itself leaves it
        data, crc = future.result()
        zinfo.compress_type = ZIP_DEFLATED
        zinfo.flag_bits = 0x00
        zinfo.CRC, zinfo.file_size, zinfo.compress_size = crc, size, len(data)
        if not zinfo.external_attr:
            zinfo.external_attr = 0o600 << 16
        # ZipFile decides on zip64 from the size before deflating, by the same margin.
        zip64 = size * 1.05 > ZIP64_LIMIT
        if zip64 and not inner._allowZip64:
            raise LargeZipFile("Filesize would require ZIP64 extensions")
        with inner._lock:
            inner.fp.seek(inner.start_dir)
            zinfo.header_offset = inner.fp.tell()
            inner._writecheck(zinfo)
            inner._didModify = True
            inner.fp.write(zinfo.FileHeader(zip64))
            inner.fp.write(data)
            inner.start_dir = inner.fp.tell()
            inner.filelist.append(zinfo)
            inner.NameToInfo[zinfo.filename] = zinfo

    def _drain(self) -> None:
        while self._ahead:
            self._next()

    def writestr(self, *args: Any, **kwargs: Any) -> None:
        self._drain()
        super().writestr(*args, **kwargs)

    def close(self) -> None:
        try:
            if getattr(self, "fp", None) is not None:
                self._drain()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            super().close()


def install() -> None:
    """Make XlsxWriter save workbooks through DeflateAhead (it looks ZipFile up at save time)."""
    import xlsxwriter.workbook

    xlsxwriter.workbook.ZipFile = DeflateAhead
