"""One URL per document: fragments, case and default ports, and gov.cn's two URL forms of one content id."""

from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from crawlers.base import canonical_url
from crawlers.spiders.govcn import GovCnSpider


def test_generic_canonical_form():
    assert canonical_url("HTTP://WWW.Gov.CN:80/zhengce/a.htm#top") == "http://www.gov.cn/zhengce/a.htm"
    assert canonical_url("https://x.gov.cn:443/p?id=1") == "https://x.gov.cn/p?id=1"
    assert canonical_url("http://127.0.0.1:8080/a.html") == "http://127.0.0.1:8080/a.html"  # other ports stay
    assert canonical_url("http://x.gov.cn:abc/a.html#f") == "http://x.gov.cn:abc/a.html"  # malformed: left alone


def test_govcn_short_and_long_forms_are_one_document():
    spider = GovCnSpider(source="g")
    long = "https://www.gov.cn/zhengce/content/202411/content_6986380.htm"
    assert spider.canonical_url("https://www.gov.cn/zhengce/202411/content_6986380.htm") == long
    assert spider.canonical_url(long) == long
    older = "https://www.gov.cn/zhengce/zhengceku/2022-07/08/content_5699851.htm"
    assert spider.canonical_url(older) == older  # other forms are left alone
    html = (
        '<ul><li><a href="/zhengce/202411/content_6986380.htm">通知</a><span>2024-11-20</span></li>'
        '<li><a href="/zhengce/content/202411/content_6986380.htm#x">通知</a></li></ul>'
    )
    page = HtmlResponse("https://www.gov.cn/zhengce/zuixin/home_0.htm", body=html.encode(), encoding="utf-8")
    links = spider.listing_links(page)
    assert links == [long]
    assert spider.listing_entries(page, links) == {long: "通知 2024-11-20"}


def test_a_listing_callback_that_raises_makes_the_listing_partial():
    spider = GovCnSpider(source="g")
    page = HtmlResponse("https://www.gov.cn/zhengce/zuixin/home_0.htm", body=b"<p></p>", encoding="utf-8")
    page.request = None
    detail = HtmlResponse("https://www.gov.cn/zhengce/content/202411/content_1.htm", body=b"", encoding="utf-8")
    from scrapy import Request

    detail_req = Request(detail.url, meta={"role": "detail"})
    spider._on_callback_error(Failure(RuntimeError("parse failed")), detail.replace(request=detail_req), spider)
    assert not spider.listing_partial  # a document page's error says nothing about the listing
    listing_req = Request(page.url, meta={"role": "listing"})
    spider._on_callback_error(Failure(RuntimeError("parse failed")), page.replace(request=listing_req), spider)
    assert spider.listing_partial
