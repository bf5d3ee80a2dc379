"""What each site answers for a path on a day, independent of any HTTP server.

:class:`SiteRenderer` turns (site, path, query, day) into a :class:`Page` (status, bytes,
headers, last-modified). Request-dependent behaviour (outage, conditional GET, the
intermittent 500, the slow sleep) is applied by :mod:`sim.server`.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sim.content import gbk_safe
from sim.files import make_docx, make_pdf
from sim.model import LAST_DAY, DocState, Document, day_time
from sim.scenario import Scenario
from sim.templates import credit, govcn, trs, wenming

UTF8_HTML = "text/html; charset=utf-8"
GBK_HTML = "text/html; charset=gb2312"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
DISALLOWED: dict[str, str] = {
    "govcn": "/zhengce/internal/",
    "trs": "/xxgk/nbgl/",
    "wenming": "/admin/",
    "credit": "/api/",
}
"""The one robots-disallowed path per site that its listing links to (plus ``/_sim/``)."""
PAGE_SIZE = {"govcn": 10, "trs": 8}
GOVCN_JSON = "/search-gov/data"


@dataclass(frozen=True)
class Page:
    """A response before the server adds ETag, Last-Modified and conditional handling."""

    status: int
    body: bytes
    content_type: str = UTF8_HTML
    last_modified: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    quirk: str | None = None


def robots_txt(site: str) -> str:
    """The robots.txt of ``site``."""
    return f"User-agent: *\nDisallow: {DISALLOWED[site]}\nDisallow: /_sim/\n"


def _deleted_since(doc: Document, day: int) -> int:
    start = day
    while start > 0 and doc.state(start - 1).gone == doc.state(day).gone:
        start -= 1
    return start


class SiteRenderer:
    """Renders every page of the four sites for a scenario (pure and cached per day)."""

    def __init__(self, scenario: Scenario, origins: Mapping[str, str], slow_seconds: float = 1.5) -> None:
        """``origins`` maps site keys to ``http://127.0.0.1:PORT`` (used in redirects and JSON)."""
        self.scenario = scenario
        self.origins = dict(origins)
        self.slow_seconds = slow_seconds
        self._cache: dict[tuple[str, str, tuple[tuple[str, str], ...], int], Page] = {}

    def resolve(self, site: str, path: str, query: Mapping[str, str], day: int) -> Page:
        """The page at ``path`` on ``day``, with Last-Modified filled in for every 200."""
        day = max(0, min(day, LAST_DAY))
        q = tuple(sorted(query.items())) if path == GOVCN_JSON else ()  # HTML pages ignore the query
        page = self._render(site, path, q, day)
        if page.status == 200 and page.last_modified is None:
            since = day
            while since > 0 and self._render(site, path, q, since - 1).body == page.body:
                since -= 1
            page = replace(page, last_modified=day_time(since))
        return page

    def _render(self, site: str, path: str, q: tuple[tuple[str, str], ...], day: int) -> Page:
        key = (site, path, q, day)
        page = self._cache.get(key)
        if page is None:
            page = self._route(site, path, dict(q), day)
            self._cache[key] = page
        return page

    # -- routing ---------------------------------------------------------------------------

    def _html(self, site: str, text: str, status: int = 200, **extra: Any) -> Page:
        if site == "wenming":
            return Page(status, gbk_safe(text).encode("gbk"), GBK_HTML, **extra)
        return Page(status, text.encode("utf-8"), UTF8_HTML, **extra)

    def _route(self, site: str, path: str, query: dict[str, str], day: int) -> Page:
        module: Any = {"govcn": govcn, "trs": trs, "wenming": wenming, "credit": credit}[site]
        listed = self.scenario.listed(site, day)
        if path == "/robots.txt":
            return Page(200, robots_txt(site).encode("ascii"), "text/plain; charset=utf-8")
        if path == "/":
            return self._html(site, module.home(listed[:6]))
        if path in module.STUBS:
            return self._html(site, module.stub(module.STUBS[path]))
        if path.startswith(DISALLOWED[site]):
            if site == "credit":
                return Page(200, b'{"code":0,"msg":"ok","data":[]}', "application/json; charset=utf-8")
            return self._html(site, module.internal())
        listing = self._listing(site, path, listed)
        if listing is not None:
            return listing
        if site == "govcn" and path == GOVCN_JSON:
            return self._search_json(listed, query)
        hit = self.scenario.lookup(site, path, day)
        if hit is not None and not hit.moved_away:
            return self._document(site, hit.doc, hit.state, day)
        found = self.scenario.attachment(site, path, day)
        if found is not None:
            doc, state, att = found
            v = state.version
            maker = make_pdf if att.kind == "pdf" else make_docx
            body = maker(v.title, (doc.doc_number, *v.paragraphs), v.modified)
            return Page(200, body, CONTENT_TYPES[att.kind], last_modified=v.modified)
        return self._html(site, module.not_found(), 404)

    def _listing(self, site: str, path: str, listed: list[tuple[Document, DocState]]) -> Page | None:
        if site == "wenming" and path == wenming.LISTING:
            return self._html(site, wenming.listing(listed))
        if site == "credit" and path == credit.LISTING:
            return self._html(site, credit.listing(listed))
        if site not in PAGE_SIZE:
            return None
        size = PAGE_SIZE[site]
        total = max(1, math.ceil(len(listed) / size))
        if site == "govcn":
            names = {f"/zhengce/zuixin/home_{i}.htm": i for i in range(total)}
        else:
            names = {trs.LISTING: 0, **{f"{trs.COLUMN}index_{i}.html": i for i in range(1, total)}}
        if path not in names:
            return None
        page = names[path]
        items = listed[page * size : (page + 1) * size]
        text = govcn.listing(items, page, total) if site == "govcn" else trs.listing(items, page, total)
        return self._html(site, text)

    def _document(self, site: str, doc: Document, state: DocState, day: int) -> Page:
        module: Any = {"govcn": govcn, "trs": trs, "wenming": wenming}.get(site)
        if site == "credit":
            rng = random.Random(f"{self.scenario.seed}:ruishu:{state.path}")
            body, cookies = credit.challenge(rng)
            return Page(412, body.encode("utf-8"), UTF8_HTML, headers=tuple(cookies))
        if state.gone == "http_404":
            return self._html(site, module.not_found(), 404)
        if state.gone == "http_410":
            return Page(410, trs.gone().encode("utf-8"), UTF8_HTML)
        if state.gone == "redirect_home":
            return Page(302, b"", UTF8_HTML, headers=(("Location", self.origins[site] + "/"),))
        if state.gone == "soft_404":
            since = day_time(_deleted_since(doc, day))
            return self._html(
                site, wenming.soft_404() if site == "wenming" else module.not_found(), last_modified=since
            )
        page = self._html(site, module.detail(doc, state), last_modified=state.version.modified, quirk=doc.quirk)
        if doc.quirk == "slow":
            page = replace(page, delay=self.slow_seconds)
        elif doc.quirk == "no_charset":
            page = replace(page, content_type="text/html")
        elif doc.quirk == "wrong_charset":
            page = replace(page, content_type=UTF8_HTML)
        return page

    def _search_json(self, listed: list[tuple[Document, DocState]], query: Mapping[str, str]) -> Page:
        def number(name: str, default: int, cap: int) -> int:
            """A positive integer query parameter, clamped to ``cap``."""
            try:
                return max(1, min(int(query.get(name, default)), cap))
            except ValueError:
                return default

        p, n = number("p", 1, 10_000), number("n", 20, 100)
        q = query.get("q", "").strip()
        hits = [(d, s) for d, s in listed if not q or q in s.version.title or q in d.doc_number]
        origin = self.origins["govcn"]
        items = [
            {
                "title": s.version.title,
                "url": origin + s.path,
                "pcode": d.doc_number,
                "puborg": d.agency,
                "pubtimeStr": d.published.strftime("%Y.%m.%d"),
                "ptime": int(d.published.timestamp() * 1000),
                "childtype": d.topic,
                "index": d.index_no,
                "summary": (s.version.paragraphs[0] if s.version.paragraphs else "")[:100],
                "id": d.doc_id,
            }
            for d, s in hits[(p - 1) * n : p * n]
        ]
        payload = {
            "code": 200,
            "msg": "操作成功",
            "searchVO": {
                "totalCount": 0,
                "catMap": {
                    "gongwen": {"totalCount": len(hits), "listVO": items},
                    "bumenfile": {"totalCount": 0, "listVO": []},
                    "otherfile": {"totalCount": 0, "listVO": []},
                },
            },
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Page(200, body, "application/json; charset=utf-8")
