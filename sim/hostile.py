"""A hostile government site: one port serving what real portals (and attackers) do serve.

Every path under ``/doc/`` is one document URL (crawl them as a ``urls`` source, in
:data:`PATHS` order): two ordinary pages around the hostile ones, so a test sees the crawl go on.

==================  =====================================================================
``ok-first``        an ordinary policy page
``huge``            a 50 MB page (with Content-Length)
``endless``         a chunked response that never ends
``gzip-bomb``       ``Content-Encoding: gzip``: 1 MB on the wire, 1 GiB unpacked
``br-bomb``         ``Content-Encoding: br``: a few KB on the wire, 1 GiB unpacked
``deep``            10,000 nested ``<div>`` (and ``<table>``) elements around the text
``garbage``         200 KB of random bytes served as ``text/html``
``nul``             NUL bytes in the title and the text
``surrogates``      UTF-8 with encoded surrogates (``ED A0 80``) and stray continuation bytes
``mixed``           GBK paragraphs and UTF-8 paragraphs in one page declared UTF-8
``attachments``     an ordinary page linking a PDF bomb, a truncated DOCX, a DOCX zip bomb, a good PDF
``slow``            slowloris: the headers, then one byte every second, never finished
``ok-last``         an ordinary policy page
==================  =====================================================================

``/files/bomb.pdf`` is a valid PDF whose page content is a FlateDecode stream of 1 GiB;
``/files/truncated.docx`` the first half of a real DOCX; ``/files/zipbomb.docx`` a DOCX whose
``word/document.xml`` unpacks to 1 GiB. The log records ``(path, status)`` of every answer.
"""

from __future__ import annotations

import asyncio
import io
import random
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from typing import Self

import brotli
from aiohttp import web

from sim.content import generate_policy
from sim.files import make_docx, make_pdf
from sim.threaded import ThreadedSite

PATHS = (
    "ok-first", "huge", "endless", "gzip-bomb", "br-bomb", "deep", "garbage", "nul", "surrogates", "mixed",
    "attachments", "slow", "ok-last",
)  # fmt: skip
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 1024 * 1024 * 1024
DEPTH = 10_000
_WHEN = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
_MB = 1024 * 1024


def _page(title: str, paragraphs: list[str], extra: str = "", charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title></head><body>'
        f'<h1 class="title">{title}</h1><div class="TRS_Editor">{body}{extra}</div></body></html>'
    )


def policy(seed: str) -> tuple[str, list[str]]:
    """The title and paragraphs of the page named ``seed`` (what a reader of it should get)."""
    text = generate_policy(random.Random(seed), "山东省人民政府办公厅", "各市人民政府：")
    return text.title, list(text.paragraphs)


def _deflate_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes (a multiple of 1 MiB), made in milliseconds: after a
    full flush the compressor starts afresh, so every MiB compresses to the same block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(_MB)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * (size // _MB) + b"\x03\x00"  # an empty final block ends the stream


def gzip_zeros(size: int) -> bytes:
    """A gzip member of ``size`` zero bytes, with its true CRC-32 and length."""
    crc = 0
    zeros = bytes(_MB)
    for _ in range(size // _MB):
        crc = zlib.crc32(zeros, crc)
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return head + _deflate_zeros(size) + struct.pack("<II", crc, size & 0xFFFFFFFF)


def zlib_zeros(size: int) -> bytes:
    """A zlib stream (PDF FlateDecode) of ``size`` zero bytes, with its true Adler-32."""
    adler = ((size % 65521) << 16) | 1  # of zeros: A stays 1, B grows by 1 per byte
    return b"\x78\xda" + _deflate_zeros(size) + struct.pack(">I", adler)


def brotli_zeros(size: int) -> bytes:
    """A brotli stream of ``size`` zero bytes (quality 1: a tenth of a second per GiB)."""
    compressor, zeros = brotli.Compressor(quality=1), bytes(_MB)
    parts = [compressor.process(zeros) for _ in range(size // _MB)]
    return b"".join(parts) + compressor.finish()


def pdf_bomb() -> bytes:
    """A one-page PDF whose content stream unpacks to :data:`BOMB_BYTES` of zeros."""
    stream = zlib_zeros(BOMB_BYTES)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.7\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % off for off in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx_bomb() -> bytes:
    """A DOCX whose ``word/document.xml`` unpacks to :data:`BOMB_BYTES` (declared honestly in the zip)."""
    real = make_docx("解读", ["正文"], _WHEN)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(real)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info, src.read(info))
        with dst.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(BOMB_BYTES // _MB):
                fh.write(b" " * _MB)
    return out.getvalue()


class HostileSite(ThreadedSite):
    """The hostile site on one localhost port, served from a background thread."""

    def __init__(self, slow_seconds: float = 120.0) -> None:
        super().__init__("hostile")
        self.slow_seconds = slow_seconds
        self.log: list[tuple[str, int]] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self._pages: dict[str, tuple[bytes, dict[str, str]]] = {}

    def url(self, name: str) -> str:
        """The URL of document ``name`` (one of :data:`PATHS`)."""
        return f"{self.origin}/doc/{name}.html"

    def urls(self) -> list[str]:
        """Every document URL in :data:`PATHS` order."""
        return [self.url(name) for name in PATHS]

    def _build(self) -> None:
        html = "text/html; charset=utf-8"
        for name in ("ok-first", "ok-last"):
            title, paras = policy(name)
            self._pages[name] = (_page(title, paras).encode("utf-8"), {"Content-Type": html})
        title, paras = policy("deep")
        nested = "<div>" * DEPTH + "".join(f"<p>{p}</p>" for p in paras) + "</div>" * DEPTH
        tables = "<table><tr><td>" * (DEPTH // 10) + "表格" + "</td></tr></table>" * (DEPTH // 10)
        self._pages["deep"] = (_page(title, [], nested + tables).encode(), {"Content-Type": html})
        self._pages["garbage"] = (random.Random(7).randbytes(200 * 1024), {"Content-Type": html})
        title, paras = policy("nul")
        page = _page(title.replace("关于", "关于\x00"), [p.replace("，", "\x00，") for p in paras])
        self._pages["nul"] = (page.encode("utf-8"), {"Content-Type": html})
        title, paras = policy("surrogates")
        stop = "。".encode()
        raw = _page(title, paras).encode("utf-8").replace(stop, stop + b"\xed\xa0\x80\xed\xb0\x80\x80")
        self._pages["surrogates"] = (raw, {"Content-Type": html})
        title, paras = policy("mixed")
        head, tail = _page(title, paras[:3]).split("</div>", 1)
        mixed = head.encode() + "".join(f"<p>{p}</p>" for p in paras[3:]).encode("gbk") + b"</div>" + tail.encode()
        self._pages["mixed"] = (mixed, {"Content-Type": html})
        title, paras = policy("attachments")
        links = (
            '<p><a href="/files/bomb.pdf">附件1.pdf</a> <a href="/files/truncated.docx">附件2.docx</a> '
            '<a href="/files/zipbomb.docx">附件3.docx</a> <a href="/files/ok.pdf">附件4.pdf</a></p>'
        )
        self._pages["attachments"] = (_page(title, paras, links).encode("utf-8"), {"Content-Type": html})
        self._pages["gzip-bomb"] = (gzip_zeros(BOMB_BYTES), {"Content-Type": html, "Content-Encoding": "gzip"})
        self._pages["br-bomb"] = (brotli_zeros(BOMB_BYTES), {"Content-Type": html, "Content-Encoding": "br"})
        real = make_docx("解读", ["正文"], _WHEN)
        docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        self.files["/files/bomb.pdf"] = (pdf_bomb(), "application/pdf")
        self.files["/files/truncated.docx"] = (real[: len(real) // 2], docx_type)
        self.files["/files/zipbomb.docx"] = (docx_bomb(), docx_type)
        self.files["/files/ok.pdf"] = (make_pdf("附件", ["正文"], _WHEN), "application/pdf")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        name = path[len("/doc/") : -len(".html")] if path.startswith("/doc/") and path.endswith(".html") else ""
        if path == "/robots.txt":
            response: web.StreamResponse = web.Response(text="User-agent: *\nAllow: /\n")
        elif name in self._pages:
            body, headers = self._pages[name]
            response = web.Response(body=body, headers=headers)
        elif name == "huge":
            return await self._stream(request, path, HUGE_BYTES)
        elif name == "endless":
            return await self._stream(request, path, None)
        elif name == "slow":
            return await self._slow(request, path)
        elif path in self.files:
            body, ctype = self.files[path]
            response = web.Response(body=body, headers={"Content-Type": ctype})
        else:
            response = web.Response(status=404, text="404 Not Found")
        self.log.append((path, response.status))
        return response

    async def _stream(self, request: web.Request, path: str, size: int | None) -> web.StreamResponse:
        """``size`` bytes of a page (or without end, chunked) until the client hangs up."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        if size is not None:
            response.content_length = size
        else:
            response.enable_chunked_encoding()
        self.log.append((path, 200))
        await response.prepare(request)
        chunk = ("<p>" + "山东省人民政府办公厅关于印发政策文件的通知。" * 2000 + "</p>\n").encode()[: 64 * 1024]
        sent = 0
        try:
            while size is None or sent < size:
                part = chunk if size is None else chunk[: size - sent]
                await response.write(part)
                sent += len(part)
                if sent > 4 * BOMB_BYTES:  # a crawler that never stops reading: stop anyway
                    break
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):  # the crawler hung up: what we want
            pass
        return response

    async def _slow(self, request: web.Request, path: str) -> web.StreamResponse:
        """Slowloris: the headers, then a byte a second for :attr:`slow_seconds`."""
        response = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        response.content_length = 10 * 1024
        self.log.append((path, 200))
        await response.prepare(request)
        try:
            for _ in range(int(self.slow_seconds)):
                await response.write(b" ")
                await asyncio.sleep(1.0)
        except (ConnectionError, asyncio.CancelledError):  # the crawler hung up: what we want
            pass
        return response

    def start(self) -> Self:
        """Build the pages (a few seconds: the bombs are compressed here) and serve them."""
        self._build()
        return super().start()
