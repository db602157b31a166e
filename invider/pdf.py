"""A small PDF writer for full-page bilevel images, one page at a time."""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from PIL import Image

DPI = 300


def png_bytes(page: Image.Image) -> bytes:
    """Return ``page`` encoded as PNG at 300 dpi."""
    buffer = BytesIO()
    page.save(buffer, "PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


class PdfWriter:
    """Write a PDF of full-page bilevel images, one page at a time.

    Each page reuses the zlib data of its PNG (PDF's Flate filter with PNG predictors
    reads it as is), so a page is encoded once, and memory holds one page, not the
    document. Pillow's own ``append=True`` re-parses the whole file at every page.
    """

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.offsets = [0, 0]  # 1: catalog and 2: page tree, written last
        self.pages: list[int] = []
        file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _object(self, body: bytes, stream: bytes | None = None, number: int = 0) -> int:
        if not number:
            self.offsets.append(0)
            number = len(self.offsets)
        self.offsets[number - 1] = self.file.tell()
        self.file.write(b"%d 0 obj\n%s\n" % (number, body))
        if stream is not None:
            self.file.write(b"stream\n%s\nendstream\n" % stream)
        self.file.write(b"endobj\n")
        return number

    def add_png(self, png: bytes) -> None:
        """Add a page showing a bilevel PNG at 300 dpi."""
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", png[16:29])
        assert (depth, colour, interlace) == (1, 0, 0), "expected a bilevel PNG"
        data, at = [], 8
        while at < len(png):
            (length,) = struct.unpack(">I", png[at : at + 4])
            if png[at + 4 : at + 8] == b"IDAT":
                data.append(png[at + 8 : at + 8 + length])
            at += length + 12
        stream = b"".join(data)
        image = self._object(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 1 /Filter /FlateDecode /DecodeParms << /Predictor 15"
            b" /Colors 1 /BitsPerComponent 1 /Columns %d >> /Length %d >>"
            % (width, height, width, len(stream)), stream)
        size = b"%.2f %.2f" % (width * 72 / DPI, height * 72 / DPI)
        draw = b"q %s 0 0 %s 0 0 cm /Im Do Q" % tuple(size.split())
        content = self._object(b"<< /Length %d >>" % len(draw), draw)
        self.pages.append(self._object(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s] /Contents %d 0 R"
            b" /Resources << /XObject << /Im %d 0 R >> >> >>" % (size, content, image)))

    def close(self, title: str) -> None:
        """Write the page tree, document title and cross-reference table."""
        kids = b" ".join(b"%d 0 R" % page for page in self.pages)
        self._object(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.pages)),
                     number=2)
        self._object(b"<< /Type /Catalog /Pages 2 0 R >>", number=1)
        encoded = ("\ufeff" + title).encode("utf-16-be").hex().encode()
        info = self._object(b"<< /Title <%s> /Producer (Invider) >>" % encoded)
        xref = self.file.tell()
        self.file.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self.offsets) + 1))
        self.file.write(b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets))
        self.file.write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n"
                        b"%%%%EOF\n" % (len(self.offsets) + 1, info, xref))


def write_pdf(path: Path, pages: Iterable[tuple[Image.Image, Path | None]], title: str,
               pool: ThreadPoolExecutor) -> int:
    """Write ``pages`` into a PDF, and each page that names a path into that PNG file."""
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "wb") as file:
            writer = PdfWriter(file)
            # PNG encoding releases the GIL: the next page is drawn while others encode.
            pending: deque[tuple[Future[bytes], Path | None]] = deque()
            for page, png_path in pages:
                pending.append((pool.submit(png_bytes, page), png_path))
                while pending and (len(pending) > 2 or pending[0][0].done()):
                    future, png_path = pending.popleft()
                    writer.add_png(save_png(future.result(), png_path))
            for future, png_path in pending:
                writer.add_png(save_png(future.result(), png_path))
            writer.close(title)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # Renamed once complete: an interrupted run never leaves a half-written PDF.
    os.replace(partial, path)
    return len(writer.pages)


def save_png(png: bytes, path: Path | None) -> bytes:
    """Write ``png`` to ``path`` when one is given, and return it."""
    if path is not None:
        path.write_bytes(png)
    return png
