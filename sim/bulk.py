"""A large static TRS-style site for the crawl benchmark: N documents, nothing changes.

``BulkSite(n).start()`` serves, on one localhost port, ``/robots.txt``, the 政策文件 column
``/xxgk/zcwj/index.html`` … ``index_{P-1}.html`` (50 entries per page, ``createPageHTML``
pagination) and N TRS detail pages with the xxgk metadata block, each with a strong ETag and
Last-Modified (a conditional GET answers 304). Pages are rendered once, lazily, from seeded
generated policy text. ``bytes_sent`` counts status line, headers and body of every response;
``special[path]`` queues answers (status, headers) given before the normal one (429s, redirects).
With ``attachments=k`` the k newest documents link a PDF and a DOCX (text: the document's), served
from ``files`` (path → (bytes, content type)); a test changes or deletes entries there to revise
or remove a file.
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web

from sim.content import generate_policy
from sim.files import make_docx, make_pdf
from sim.model import Attachment, DocState, Document, Version
from sim.templates import trs
from sim.threaded import ThreadedSite

PER_PAGE = 50
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# characters for the names of projects, places and firms that make each document its own
_HANZI = (
    "安北本昌成城川春达大道德东都发丰福富港广国海韩和河恒弘鸿湖华淮黄惠吉济嘉建江金津锦京景静九康兰乐利莲良"
    "林临龙隆鲁罗马茂美民明南宁平浦齐琪启泉荣瑞山善上绍胜石时寿舒顺泗松台太泰滕天通同桐万威潍文武西溪祥新信兴"
    "秀旭烟阳扬耀沂益银永佑禹玉裕源远岳云长章昭肇浙振正郑之志中舟州珠庄卓子宗"
)
_UNITS = ("项目", "园区", "工程", "中心", "基地", "示范区", "产业园", "服务站")


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_HANZI) for _ in range(rng.randint(2, 4)))


def _specifics(rng: random.Random, n: int) -> list[str]:
    """Paragraphs naming projects, amounts and dates, as real notices do: unrelated bulk documents
    then have a MinHash Jaccard of ~0.12 (real regulations ~0.05), not the bare template's ~0.4."""
    out = []
    for _ in range(n):
        parts = [
            f"{_name(rng)}{rng.choice(_UNITS)}由{_name(rng)}县（市、区）负责，计划投资{rng.randint(100, 99999)}万元，"
            f"于{rng.randint(2024, 2027)}年{rng.randint(1, 12)}月底前完成{_name(rng)}{rng.choice(_UNITS)}建设"
            for _ in range(rng.randint(2, 4))
        ]
        out.append("；".join(parts) + "。")
    return out


_EPOCH = datetime(2025, 6, 1, 1, 0, tzinfo=UTC)


class BulkSite(ThreadedSite):
    """``n`` unchanging TRS documents on one port (see module docstring)."""

    def __init__(self, n: int, seed: int = 7, attachments: int = 0) -> None:
        super().__init__(type(self).__name__)
        self.n = n
        self.seed = seed
        self.attachments = attachments
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests = 0
        self.bytes_sent = 0
        self.log: list[tuple[str, int]] = []  # (path, status) of every response
        self.times: list[tuple[str, int, float]] = []  # (path, status, monotonic time) of every response
        self.special: dict[str, list[tuple[int, dict[str, str]]]] = {}  # path -> answers to give first
        self.special_body: dict[str, bytes] = {}  # body of the special answers of a path
        self._cache: dict[str, tuple[bytes, str, str]] = {}
        self._docs: list[Document] = [self._doc(i) for i in range(n)]
        self._by_path = {d.path: d for d in self._docs}

    @property
    def listing_url(self) -> str:
        """The first page of the column."""
        return self.origin + trs.LISTING

    def document_urls(self) -> list[str]:
        """Every document URL, newest first (listing order)."""
        return [self.origin + d.path for d in self._docs]

    def doc_path(self, when: datetime, doc_id: int) -> str:
        """Where document ``doc_id`` published at ``when`` lives (a TRS article path)."""
        return f"{trs.COLUMN}{when:%Y%m}/t{when:%Y%m%d}_{doc_id}.html"

    def _doc(self, i: int) -> Document:
        when = _EPOCH - timedelta(hours=3 * i)
        doc_id = 9_000_000 + self.n - i
        path = self.doc_path(when, doc_id)
        # text generated lazily in _render; the title is cheap and needed by the listing
        title = f"山东省人民政府办公厅关于做好第{self.n - i}批政策文件的通知"
        version = Version(title, (), "有效", when)
        state = DocState(exists=True, path=path, listed=True, gone=None, version=version)
        files: tuple[Attachment, ...] = ()
        if i < self.attachments:
            stamp = f"{when:%Y%m%d}{doc_id}"
            files = (
                Attachment(f"P0{stamp}.pdf", "pdf", f"{title}.pdf"),
                Attachment(f"W0{stamp}.docx", "docx", "解读.docx"),
            )
        return Document(
            site="trs", key=f"b{i}", doc_id=str(doc_id), path=path, title=title, agency="山东省人民政府办公厅",
            doc_number=f"鲁政办字〔{when.year}〕{i + 1}号", index_no=f"11370000MB28476123/{when.year}-{i + 1:05d}",
            topic="综合政务", written=date(when.year, when.month, when.day), published=when, source="省政府办公厅",
            editor="王", first_day=0, states=[state], attachments=files,
        )  # fmt: skip

    def _render(self, path: str) -> tuple[bytes, str, str] | None:
        if path in self._cache:
            return self._cache[path]
        html = self.family_page(path)
        if html is not None:
            return self._cached(path, html, _EPOCH)
        pages = max(1, -(-self.n // PER_PAGE))
        if path == "/robots.txt":
            html = f"User-agent: *\nDisallow: {trs.INTERNAL}\n"
            modified = _EPOCH
        elif path == trs.LISTING or (path.startswith(trs.COLUMN + "index_") and path.endswith(".html")):
            page = 0 if path == trs.LISTING else int(path[len(trs.COLUMN + "index_") : -5])
            if not 0 <= page < pages:
                return None
            items = [(d, d.states[0]) for d in self._docs[page * PER_PAGE : (page + 1) * PER_PAGE]]
            html, modified = trs.listing(items, page, pages), _EPOCH
        elif path in self._by_path:
            doc = self._by_path[path]
            rng = random.Random(f"{self.seed}:{doc.key}")
            text = generate_policy(rng, doc.agency, "各市人民政府：")
            paragraphs = (*text.paragraphs[:5], *_specifics(rng, rng.randint(6, 10)), text.paragraphs[-1])
            state = doc.states[0]
            full = DocState(True, state.path, True, None, Version(doc.title, paragraphs, "有效", doc.published))
            html, modified = trs.detail(doc, full), doc.published
            folder = path.rsplit("/", 1)[0] + "/"
            for att in doc.attachments:
                maker, ctype = (make_pdf, PDF) if att.kind == "pdf" else (make_docx, DOCX)
                self.files[folder + att.name] = (maker(doc.title, (doc.doc_number, *paragraphs), doc.published), ctype)
        else:
            return None
        return self._cached(path, html, modified)

    def _cached(self, path: str, html: str, modified: datetime) -> tuple[bytes, str, str]:
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'  # noqa: S324 - an ETag, not security
        self._cache[path] = (body, etag, format_datetime(modified, usegmt=True))
        return self._cache[path]

    def family_page(self, path: str) -> str | None:
        """A page only this CMS family serves (its column page); ``None`` for the shared ones."""
        return None

    async def family_answer(self, request: web.Request) -> web.Response | None:
        """A family's dynamic answer (a list API), or ``None`` to serve the path as a page."""
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        found = self._render(request.path)
        queued = self.special.get(request.path)
        answer = None if queued else await self.family_answer(request)
        file = self.files.get(request.path)
        if file is not None and not queued:
            etag = '"' + hashlib.sha1(file[0]).hexdigest() + '"'  # noqa: S324 - an ETag, not security
            if request.headers.get("If-None-Match") == etag:
                response = web.Response(status=304, headers={"ETag": etag})
            else:
                response = web.Response(status=200, body=file[0], headers={"ETag": etag, "Content-Type": file[1]})
        elif queued:
            status, headers = queued.pop(0)
            response = web.Response(status=status, headers=headers, body=self.special_body.get(request.path))
        elif answer is not None:
            response = answer
        elif found is None:
            response = web.Response(status=404, text="404 Not Found")
        else:
            body, etag, modified = found
            headers = {"ETag": etag, "Last-Modified": modified}
            if request.headers.get("If-None-Match") == etag:
                response = web.Response(status=304, headers=headers)
            else:
                ctype = "text/plain" if request.path == "/robots.txt" else "text/html; charset=utf-8"
                response = web.Response(status=200, body=body, headers={**headers, "Content-Type": ctype})
        self.requests += 1
        self.log.append((request.path, response.status))
        self.times.append((request.path, response.status, time.monotonic()))
        head = sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 80  # + status line, Date, Server
        self.bytes_sent += head + (response.content_length or 0)
        return response

    def reset_counters(self) -> None:
        """Zero the request and byte counters and the log (between benchmark phases)."""
        self.requests = self.bytes_sent = 0
        self.log, self.times = [], []
