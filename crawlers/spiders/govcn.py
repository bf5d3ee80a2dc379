"""gov.cn UCAP family: 最新政策 ``home_N.htm`` listings, the ``search-gov/data`` JSON API, ``content_N.htm`` pages.

Issuer: 国务院 / 国务院办公厅 and State Council departments (中华人民共和国中央人民政府, www.gov.cn).
Listing URL: https://www.gov.cn/zhengce/zuixin/home_0.htm … home_N.htm; JSON search
  https://sousuo.www.gov.cn/search-gov/data?t=zhengcelibrary&q=&p=1&n=20&sort=pubtime
Update frequency: several documents per working day.
Caveats: the zhengceku directory page answers 403 — discover through the listing or the API;
  the API's top-level totalCount is always 0 (read per-category totals); the same document can
  appear in several categories and under two URL forms (canonicalise on the content id).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy.http import Response

from common import clock
from crawlers.base import PolicySpider, header_dict
from crawlers.items import ListingPage
from store.crawlbook import ListingRead
from store.repo import cache_validators

_HOME = re.compile(r"home_\d+\.htm$")
_SHORT_FORM = re.compile(r"^/zhengce/(\d{6})/(content_\d+\.htm)$")


class GovCnSpider(PolicySpider):
    """gov.cn UCAP templates (see module docstring)."""

    name = "govcn"
    detail_pattern = r"content_\d+\.htm$"

    async def start(self) -> AsyncIterator[Any]:
        """The listings, the JSON search API (when configured), then re-checks."""
        api = self.context.source.search_api
        async for request in super().start():
            yield request
        if api:
            yield self.listing_request(api, callback=self.parse_search)

    def canonical_url(self, url: str) -> str:
        """``/zhengce/<YYYYMM>/content_N.htm`` and ``/zhengce/content/<YYYYMM>/content_N.htm`` are one
        document (same content id): archived under the second form."""
        url = super().canonical_url(url)
        parts = urlsplit(url)
        if m := _SHORT_FORM.match(parts.path):
            return urlunsplit(parts._replace(path=f"/zhengce/content/{m.group(1)}/{m.group(2)}"))
        return url

    def next_pages(self, response: Response) -> Iterable[str]:
        """Other ``home_N.htm`` pages linked from this one."""
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip())
            if _HOME.search(url.split("?", 1)[0]):
                yield url

    def read_search(self, response: Response) -> ListingRead | None:
        """One page of the JSON search API: its document URLs and, while it returns items, the
        next page (replayed from the last read on a 304); ``None`` when unreadable."""
        if response.status == 304:
            return self.context.listings.get(response.url)
        try:
            data = json.loads(response.text)
            cats = data["searchVO"]["catMap"]
            urls = [it["url"] for cat in cats.values() for it in cat.get("listVO", []) if it.get("url")]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        urls = [u for u in dict.fromkeys(map(self.canonical_url, urls)) if self.is_detail_url(u)]
        nexts = []
        if urls:
            parts = urlsplit(response.url)
            query = dict(parse_qsl(parts.query))
            query["p"] = str(int(query.get("p", "1")) + 1)
            nexts.append(urlunsplit(parts._replace(query=urlencode(query))))
        etag, modified = cache_validators(header_dict(response.headers))
        return ListingRead(tuple(urls), {}, tuple(nexts), True, etag, modified)

    def parse_search(self, response: Response) -> Iterable[Any]:
        """Read one page of the JSON search API and ask for the next while it returns items."""
        self.listing_pages += 1
        read = self.read_search(response)
        if read is None:
            self.listing_partial = True
            yield ListingPage(response.url, response.status, [], clock.now(), complete=False)
            return
        replayed = response.status == 304
        fetched = None if replayed else self._fetched(response)
        urls = list(read.links)
        yield ListingPage(response.url, response.status, urls, clock.now(), True, {}, fetched, replayed, read)
        yield from self.detail_requests(self.to_check(urls, {}))
        for nxt in read.next_pages:
            if self.room_for_listing_page():
                yield self.listing_request(nxt, callback=self.parse_search)
