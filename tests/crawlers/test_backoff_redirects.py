"""Politeness under pressure, for real against the bulk sim site: a 429 slows the host down
(Retry-After honoured before the retry), and a redirect leaving the official domain is recorded,
not followed, while one within it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crawlers.politeness import is_official_redirect, registrable_domain, retry_after
from sim.bulk import BulkSite
from store.models import Capture, Event
from tests.crawlers.one_source import one_source_archive
from tests.test_e2e_scenario import _cli

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_official_domains():
    assert registrable_domain("www.beijing.gov.cn:8080") == "beijing.gov.cn"
    assert registrable_domain("www.wenming.cn") == "wenming.cn"
    assert registrable_domain("127.0.0.1:5000") == "127.0.0.1"
    assert is_official_redirect("http://www.beijing.gov.cn/a", "https://banshi.beijing.gov.cn/b")
    assert is_official_redirect("http://www.wenming.cn/a", "http://www.gov.cn/b")  # gov.cn is official
    assert is_official_redirect("http://www.wenming.cn/a", "/relative.html")
    assert not is_official_redirect("http://www.tj.gov.cn/a", "http://mp.weixin.qq.com/s/x")
    assert not is_official_redirect("http://www.wenming.cn/a", "http://www.wenming.cn.evil.example/")
    assert retry_after(b"7") == 7.0 and retry_after(b"Wed, 21 Oct 2026 07:28:00 GMT") is None


@pytest.fixture
def site(tmp_path):
    s = BulkSite(3).start()
    yield s
    s.stop()


def _source(tmp_path, site: BulkSite, urls: list[str]):
    return one_source_archive(tmp_path, "pages", "urls", urls)


def test_429_makes_the_retry_wait_for_retry_after(tmp_path, site):
    doc = site.document_urls()[1]
    path = doc.split(site.origin, 1)[1]
    site.special[path] = [(429, {"Retry-After": "2"})]
    config, sessions = _source(tmp_path, site, [doc])
    _cli(config, "crawl", "pages", "--now", T.isoformat())
    hits = [(status, at) for p, status, at in site.times if p == path]
    assert [s for s, _ in hits] == [429, 200]
    assert hits[1][1] - hits[0][1] >= 1.8  # at delay 0 the retry would follow at once
    with sessions() as s:
        assert [c.outcome for c in s.scalars(select(Capture).where(Capture.url == doc))] == ["ok"]


def test_offsite_redirect_is_recorded_not_followed_official_one_followed(tmp_path, site):
    doc = site.document_urls()[0]
    site.special["/moved.html"] = [(302, {"Location": "http://mp.weixin.qq.com/s/abc"})]
    site.special["/old.html"] = [(301, {"Location": doc.split(site.origin, 1)[1]})]
    site.special["/refresh.html"] = [(200, {"Content-Type": "text/html; charset=utf-8"})]
    site.special_body["/refresh.html"] = (
        b'<html><head><meta http-equiv="refresh" content="0;url=http://evil.example/x"></head></html>'
    )
    pages = [site.origin + p for p in ("/moved.html", "/old.html", "/refresh.html")]
    config, sessions = _source(tmp_path, site, pages)
    _cli(config, "crawl", "pages", "--now", T.isoformat())
    with sessions() as s:
        caps = {c.url.split(site.origin, 1)[1]: c for c in s.scalars(select(Capture))}
    moved, old = caps["/moved.html"], caps["/old.html"]
    assert (moved.status, moved.outcome, moved.final_url) == (302, "offsite_redirect", "http://mp.weixin.qq.com/s/abc")
    assert moved.error is None  # not a failed attempt to reach the other host: it was never asked
    assert (old.status, old.outcome, old.final_url) == (200, "ok", doc)
    refresh = caps["/refresh.html"]
    assert (refresh.outcome, refresh.final_url) == ("offsite_redirect", "http://evil.example/x")


def test_a_host_asking_for_a_day_is_left_alone_for_the_run(tmp_path, site):
    docs = site.document_urls()
    for url in docs:  # whichever document goes first meets the maintenance answer
        site.special[url.split(site.origin, 1)[1]] = [(503, {"Retry-After": "86400"})]
    config, sessions = _source(tmp_path, site, docs)
    _cli(config, "crawl", "pages", "--now", T.isoformat())
    sent = [(p, s) for p, s, _ in site.times if p != "/robots.txt"]
    assert sent == [(sent[0][0], 503)]  # one request, no retry, nothing after it
    with sessions() as s:
        caps = list(s.scalars(select(Capture)))
        events = [e.kind for e in s.scalars(select(Event))]
    assert len(caps) == 3 and sum(c.status == 503 for c in caps) == 1
    assert all("Retry-After" in (c.error or "") for c in caps if c.status == 0)
    assert "site_unreachable" in events and "suspected_removed" not in events
