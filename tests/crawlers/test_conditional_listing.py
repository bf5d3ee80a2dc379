"""Conditional GETs of listing pages and the publication-date age of the re-check schedule, for
real: `policywatch crawl` subprocesses against the bulk TRS column over HTTP (120 documents on
three listing pages, strong ETags, nothing changes)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from sim.bulk import BulkSite
from store.models import CrawlRun, Document, Event, ListingPageState, ListingSighting
from tests.crawlers.one_source import one_source_archive
from tests.test_e2e_scenario import _cli

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # 11 h after the newest bulk document was published
LISTINGS = {"/xxgk/zcwj/index.html", "/xxgk/zcwj/index_1.html", "/xxgk/zcwj/index_2.html"}


@pytest.fixture
def bulk(tmp_path):
    site = BulkSite(120).start()
    config, sessions = one_source_archive(tmp_path, "bulk", "trs", [site.listing_url], workers=1)
    yield site, config, sessions
    site.stop()


def _crawl(site: BulkSite, config, now: datetime) -> list[tuple[str, int]]:
    site.reset_counters()
    _cli(config, "crawl", "bulk", "--now", now.isoformat())
    return [(path, status) for path, status in site.log if path != "/robots.txt"]


def test_unchanged_listings_answer_304_and_are_replayed_complete(bulk):
    site, config, sessions = bulk
    first = _crawl(site, config, T)
    assert {p for p, s in first if s == 200} == LISTINGS | {u.split(site.origin, 1)[1] for u in site.document_urls()}
    with sessions() as s:
        reads = list(s.scalars(select(ListingPageState)))
        assert {r.url.split(site.origin, 1)[1] for r in reads} == LISTINGS
        assert all(r.etag and r.complete and len(r.links) in (50, 20) for r in reads)
        assert reads[0].next_pages  # pagination is remembered with the page

    # an hour later nothing is due: the three listing pages answer 304 and nothing else is fetched
    again = _crawl(site, config, T + timedelta(hours=1))
    assert sorted(again) == sorted((p, 304) for p in LISTINGS)
    with sessions() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        assert run is not None and run.stats.get("listing_pages_not_modified") == 3
        # the replayed listing saw every document: sightings renewed in this run, nothing delisted
        sighted = set(s.scalars(select(ListingSighting.url).where(ListingSighting.last_run_id == run.id)))
        assert sighted == set(site.document_urls())
        assert not list(s.scalars(select(Event).where(Event.kind.in_(("delisted", "suspected_removed")))))


def test_a_day_later_only_documents_published_in_the_last_14_days_are_checked(bulk):
    site, config, sessions = bulk
    _crawl(site, config, T)
    with sessions() as s:
        docs = list(s.scalars(select(Document)))
    assert all(d.published_at is not None for d in docs)
    beijing = timezone(timedelta(hours=8))  # 发布日期 is a Beijing date: midnight there, stored in UTC
    assert {d.published_at.replace(tzinfo=UTC).astimezone(beijing).time() for d in docs} == {time(0, 0)}
    young = {
        d.url.split(site.origin, 1)[1] for d in docs if T - d.published_at.replace(tzinfo=UTC) < timedelta(days=14)
    }
    assert 90 < len(young) < 115  # published every 3 h: about 14 days' worth of the 120 (15 days)
    day = _crawl(site, config, T + timedelta(days=1))
    fetched = {p for p, _ in day if p not in LISTINGS}
    assert fetched == young
    assert all(status == 304 for _, status in day)  # conditional GETs of listings and documents alike
    day1 = T + timedelta(days=1)
    with sessions() as s:
        docs = list(s.scalars(select(Document)))
    for d in docs:
        path, born, due = d.url.split(site.origin, 1)[1], d.published_at.replace(tzinfo=UTC), d.next_check_at
        if path in young:  # checked at T + 1 d: daily while younger than 14 days, then weekly
            assert due.replace(tzinfo=UTC) == day1 + timedelta(days=1 if day1 - born < timedelta(days=14) else 7)
        else:  # 14–15 days old at T: weekly from T
            assert due.replace(tzinfo=UTC) == T + timedelta(days=7)
