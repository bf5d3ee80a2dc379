"""A listing page (or search API) may only send the crawler to official hosts: the source's own
site or a gov.cn host — never an intranet address, a cloud metadata service or a look-alike domain
(server-side request forgery, whose answer anyone could then download from the archive)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from sqlalchemy import select

from common.settings import SourceConfig
from crawlers.politeness import OfficialHostMiddleware
from crawlers.spiders.hanweb import HanwebSpider, jpage_form
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.trs import TrsSpider
from sim.bulk import BulkSite
from sim.templates import trs
from store.models import Capture
from tests.crawlers.one_source import one_source_archive
from tests.test_e2e_scenario import _cli

START = "http://www.sd.gov.cn/xxgk/zcwj/index.html"
HOSTILE = (
    "http://169.254.169.254/xxgk/zcwj/202405/t20240501_1.html",  # cloud metadata service
    "http://10.0.0.5/xxgk/zcwj/202405/t20240501_2.html",  # intranet
    "http://localhost/xxgk/zcwj/202405/t20240501_3.html",
    "http://www.sd.gov.cn.evil.example/xxgk/zcwj/202405/t20240501_4.html",  # look-alike
    "ftp://www.sd.gov.cn/xxgk/zcwj/202405/t20240501_5.html",
    "file:///etc/t20240501_6.html",
)
OFFICIAL = (
    "http://www.sd.gov.cn/xxgk/zcwj/202405/t20240501_7.html",
    "https://sd.gov.cn/xxgk/zcwj/202405/t20240501_8.html",  # same registrable domain
    "http://www.shandong.gov.cn/art/202405/t20240501_9.html",  # another gov.cn host (转发)
)


def _with_source(spider, **selectors):
    spider.context = SimpleNamespace(source=SourceConfig("sd", "trs", (START,), selectors=selectors))
    return spider


def _listing(*urls: str) -> HtmlResponse:
    body = "".join(f'<li><a href="{u}">通知</a></li>' for u in urls)
    return HtmlResponse(START, body=f"<ul>{body}</ul>".encode(), encoding="utf-8")


def test_listing_links_keep_official_hosts_only():
    page = _listing(*HOSTILE, *OFFICIAL, "./202405/t20240501_10.html")
    assert _with_source(TrsSpider(source="sd")).listing_links(page) == [
        *OFFICIAL, "http://www.sd.gov.cn/xxgk/zcwj/202405/t20240501_10.html"
    ]  # fmt: skip
    configured = _with_source(ListingSpider(source="sd"), links="a", detail_pattern=r"t\d{8}_\d+\.html$")
    assert configured.listing_links(page)[:3] == list(OFFICIAL)
    assert not set(HOSTILE) & set(configured.listing_links(page))


def test_no_request_of_any_kind_leaves_the_official_hosts():
    """The downloader middleware every request passes: pagination, documents, attachments, a data proxy."""
    guard = OfficialHostMiddleware(cast(Any, SimpleNamespace(spider=_with_source(TrsSpider(source="sd")))))
    for url in HOSTILE:
        with pytest.raises(IgnoreRequest, match="not on an official host"):
            guard.process_request(Request(url))
    for url in (*OFFICIAL, "http://www.sd.gov.cn/robots.txt", "http://www.sd.gov.cn/xxgk/zcwj/index_1.html"):
        guard.process_request(Request(url))  # passes: no IgnoreRequest


def test_a_hanweb_data_proxy_off_the_site_is_not_asked():
    spider = _with_source(HanwebSpider(source="hw"))
    guard = OfficialHostMiddleware(cast(Any, SimpleNamespace(spider=spider)))
    query = "appid=1&webid=1&path=/&columnid=7&unitid=1&webname=x&permissiontype=0"
    html = f'<nextgroup><![CDATA[<a href="http://10.0.0.5/module/web/jpage/dataproxy.jsp?{query}"></a>]]></nextgroup>'
    url = "http://www.sd.gov.cn/col/col7/index.html"
    page = HtmlResponse(url, body=html.encode(), encoding="utf-8", request=Request(url, meta={"role": "listing"}))
    found = jpage_form(page.text)  # the page names where to POST its records
    assert found is not None and page.urljoin(found[0]).startswith("http://10.0.0.5/")
    with pytest.raises(IgnoreRequest):
        guard.process_request(Request(page.urljoin(found[0]), method="POST"))


def test_a_crawl_never_requests_a_hostile_listing_link(tmp_path):
    site = BulkSite(2).start()
    try:
        hostile = [u.replace("www.sd.gov.cn", "169.254.169.254") for u in OFFICIAL[:1]]
        real = site.document_urls()[0]
        site.special[trs.LISTING] = [(200, {"Content-Type": "text/html; charset=utf-8"})]
        site.special_body[trs.LISTING] = _listing(*hostile, real).body
        config, sessions = one_source_archive(tmp_path, "bulk", "trs", [site.listing_url], extra="download_timeout = 2")
        _cli(config, "crawl", "bulk", "--now", datetime(2025, 6, 1, tzinfo=UTC).isoformat())
    finally:
        site.stop()
    with sessions() as s:
        urls = set(s.scalars(select(Capture.url)))
    assert real in urls and not [u for u in urls if "169.254" in u]
