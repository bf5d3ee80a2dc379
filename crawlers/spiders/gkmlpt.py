"""Guangdong ``gkmlpt`` family (政府信息公开目录管理平台): columns listed by a JSON API.

Issuer: Guangdong provincial departments and cities (广州, 深圳, 珠海 …): every
  ``<site>/<dept>/gkmlpt/`` directory.
Listing URL: the platform's index with the column id as fragment,
  ``https://<site>/<dept>/gkmlpt/index#<col>`` (configure it exactly like that).
Update frequency: daily to weekly per column.
Caveats: the page is rendered by JavaScript; the spider reads ``SID`` from ``window._CONFIG`` and
  pages through ``/<dept>/gkmlpt/api/all/<col>?page=N&sid=SID`` (100 items a page: ``title, url,
  create_time`` (Unix seconds, publication), ``date`` (成文日期), ``document_number``). Declared totals
  can exceed what the API serves (Zhaoqing: 221 of 726): a column whose pages run out before the
  total is a partial listing, never a sign that documents vanished. Articles at ``…/post_<id>.html``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from common import clock
from crawlers.base import HANDLED, PolicySpider
from crawlers.items import ListingPage

PER_PAGE = 100
_SID = re.compile(r"SID\s*[:=]\s*[\"']?([\w-]+)")
_BEIJING = timezone(timedelta(hours=8))


def entry_text(article: dict[str, Any]) -> str:
    """A listing entry like a page would show it: title, 文号 and publication date."""
    try:
        when = datetime.fromtimestamp(int(article["create_time"]), UTC)
        day = when.astimezone(_BEIJING).strftime("%Y-%m-%d")
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        day = ""
    parts = [str(article.get("title") or ""), str(article.get("document_number") or ""), day]
    return " ".join(p for p in parts if p)[:500]


class GkmlptSpider(PolicySpider):
    """gkmlpt columns (see module docstring)."""

    name = "gkmlpt"
    detail_pattern = r"/post_\d+\.html$"

    def parse_listing(self, response: Response) -> Iterable[Any]:
        """The platform index: read ``SID`` and the column id, then page through the API."""
        request_url = response.request.url if response.request else response.url
        column = urlsplit(request_url).fragment
        sid = _SID.search(response.text) if response.status == 200 and hasattr(response, "text") else None
        if not column or sid is None:
            self.logger.warning("source %s: %s gives no gkmlpt SID or column id", self.source_name, request_url)
            yield from super().parse_listing(response)
            return
        self.listing_pages += 1
        yield ListingPage(response.url, response.status, [], clock.now(), True, response=self._fetched(response))
        base = response.urljoin("api/all/" + column)
        yield from self.api_request(base, sid.group(1), 1)

    def api_request(self, base: str, sid: str, page: int) -> Iterable[scrapy.Request]:
        """One API page (within the listing page cap)."""
        if len(self._listing_seen) >= self.max_pages:
            self.logger.warning(
                "source %s: listing page cap %d hit; crawl is partial", self.source_name, self.max_pages
            )
            self.listing_partial = True
            return
        url = f"{base}?page={page}&sid={sid}"
        self._listing_seen.add(url)
        meta = {"role": "listing", "handle_httpstatus_list": HANDLED, "base": base, "sid": sid, "page": page}
        meta["conditional"] = False  # an API page is read every run (no 304 replay for it)
        yield scrapy.Request(url, callback=self.parse_api, errback=self.on_listing_error, meta=meta, dont_filter=True)

    def parse_api(self, response: Response) -> Iterable[Any]:
        """One API page: record the documents, fetch those due, ask for the next page."""
        self.listing_pages += 1
        try:
            data = json.loads(response.text) if response.status == 200 else {}
            articles = [a for a in data.get("articles") or [] if isinstance(a, dict) and a.get("url")]
            total = int(data["total"])
        except (ValueError, KeyError, TypeError, AttributeError):
            articles, total = [], -1
        urls = {self.canonical_url(response.urljoin(str(a["url"]))): a for a in articles}
        links = [u for u in urls if self.is_detail_url(u)]
        entries = {u: entry_text(urls[u]) for u in links}
        yield ListingPage(response.url, response.status, links, clock.now(), bool(links), entries,
                          response=self._fetched(response))  # fmt: skip
        yield from self.detail_requests(self.to_check(links, entries))
        page = int(response.meta["page"])
        if total <= 0 or not links:  # unreadable, empty, or the pages ran out before the declared total
            if total <= 0 or page == 1 or (page - 1) * PER_PAGE < total:
                self.listing_partial = True
        elif page * PER_PAGE < total:
            yield from self.api_request(response.meta["base"], response.meta["sid"], page + 1)
