"""Hanweb 大汉 JCMS family: ``/col/colN/index.html`` columns listed through the ``jpage`` XML data proxy.

Issuer: many provincial and municipal portals and bureaus (Jiangsu cities such as 苏州/无锡,
  Jiangxi, Shandong bureaus, tax and meteorological administrations).
Listing URL: the column page ``…/col/col<N>/index.html`` (the path before ``col/`` varies by
  site; ``<N>`` is the column id).
Update frequency: daily to weekly per column.
Caveats: the list is not in static ``index_N.html`` pages (those 404); the column page only
  embeds the first records and the ``jpage`` parameters (in a ``<script type="text/xml">``
  datastore's ``nextgroup`` link). The spider POSTs ``dataproxy.jsp?startrecord=&endrecord=&perpage=``
  with the form fields ``col, appid, webid, path, columnid, sourceContentType, unitid, webname,
  permissiontype`` and reads ``<record><![CDATA[<li>…]]>`` plus ``<totalrecord>``; the listing is
  complete only when every record up to the total was served. Articles at
  ``/art/YYYY/M/D/art_<col>_<id>.html`` or ``/art/YYYY/art_<32 hex>.html``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import scrapy
from scrapy.http import HtmlResponse, Response

from common import clock
from crawlers.base import HANDLED, PolicySpider
from crawlers.items import ListingPage

BATCH = 60  # records per proxy request (what jpage itself asks for: three pages of 20)
PER_PAGE = 20
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']*dataproxy\.jsp\?[^\"']*)[\"']", re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")


def jpage_form(html: str) -> tuple[str, dict[str, str]] | None:
    """The data proxy path and its form fields, from a column page's ``nextgroup`` link."""
    m = _NEXTGROUP.search(html)
    if m is None:
        return None
    path, _, query = m.group(1).replace("&amp;", "&").partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if not params.get("columnid"):
        return None
    form = {"col": "1", "sourceContentType": "1", **{k: params[k] for k in FORM_FIELDS if k in params}}
    return path, form


class HanwebSpider(PolicySpider):
    """Hanweb columns (see module docstring)."""

    name = "hanweb"
    detail_pattern = r"/art/\d{4}/(?:\d{1,2}/\d{1,2}/art_\d+_\d+|art_[0-9a-f]{32})\.html$"

    def parse_listing(self, response: Response) -> Iterable[Any]:
        """A column page: ask the data proxy for its records (a page without jpage parameters is
        read as a plain listing)."""
        found = jpage_form(response.text) if response.status == 200 and hasattr(response, "text") else None
        if found is None:
            yield from super().parse_listing(response)
            return
        self.listing_pages += 1
        path, form = found
        yield ListingPage(response.url, response.status, [], clock.now(), True, response=self._fetched(response))
        yield from self.proxy_request(response.urljoin(path), form, 1)

    def proxy_request(self, proxy: str, form: dict[str, str], start: int) -> Iterable[scrapy.Request]:
        """The POST for records ``start`` … ``start + BATCH - 1`` (within the listing page cap)."""
        url = f"{proxy}?startrecord={start}&endrecord={start + BATCH - 1}&perpage={PER_PAGE}"
        if len(self._listing_seen) >= self.max_pages:
            self.logger.warning(
                "source %s: listing page cap %d hit; crawl is partial", self.source_name, self.max_pages
            )
            self.listing_partial = True
            return
        self._listing_seen.add(url)
        meta = {"role": "listing", "handle_httpstatus_list": HANDLED, "form": form, "start": start}
        meta["jpage_proxy"] = proxy  # not "proxy": Scrapy would use it as an HTTP proxy
        meta["conditional"] = False  # a POST batch is read every run (no 304 replay for it)
        yield scrapy.FormRequest(
            url, formdata=form, callback=self.parse_proxy, errback=self.on_listing_error, meta=meta, dont_filter=True
        )

    def parse_proxy(self, response: Response) -> Iterable[Any]:
        """One batch of records: record the documents, fetch those due, ask for the next batch."""
        self.listing_pages += 1
        text = response.text if response.status == 200 else ""
        records = _RECORD.findall(text)
        total = int(m.group(1)) if (m := _TOTAL.search(text)) else None
        start = int(response.meta["start"])
        page = HtmlResponse(response.url, body=("<ul>" + "".join(records) + "</ul>").encode(), encoding="utf-8")
        links = self.listing_links(page)
        entries = self.listing_entries(page, links)
        complete = total is not None and bool(links)
        yield ListingPage(response.url, response.status, links, clock.now(), complete, entries,
                          response=self._fetched(response))  # fmt: skip
        yield from self.detail_requests(self.to_check(links, entries))
        end = start + BATCH - 1
        if not complete:  # an error, an empty batch or no total: we cannot know what exists
            self.listing_partial = True
        elif end < (total or 0):
            yield from self.proxy_request(response.meta["jpage_proxy"], response.meta["form"], end + 1)
