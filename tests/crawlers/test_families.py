"""The Hanweb (jpage XML data proxy) and gkmlpt (JSON API) family spiders, for real: `policywatch
crawl` subprocesses against the family sim sites over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sim.bulk import BulkSite
from sim.families import GkmlptSite, HanwebSite
from store.models import CrawlRun, Document, Event, ListingSighting, Version
from tests.crawlers.one_source import one_source_archive
from tests.test_e2e_scenario import _cli

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _setup(tmp_path, site: BulkSite, kind: str):
    return one_source_archive(tmp_path, "col", kind, [site.listing_url])


def _crawl(site: BulkSite, config, now: datetime) -> list[tuple[str, int]]:
    site.reset_counters()
    _cli(config, "crawl", "col", "--now", now.isoformat())
    return [(p, s) for p, s in site.log if p != "/robots.txt"]


def _documents_fetched(site: BulkSite, log: list[tuple[str, int]]) -> set[str]:
    paths = {u.split(site.origin, 1)[1] for u in site.document_urls()}
    return {p for p, _ in log if p in paths}


def _archive(sessions, run_offset: int = 0):
    with sessions() as s:
        run = s.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        sighted = set(s.scalars(select(ListingSighting.url).where(ListingSighting.last_run_id == run.id)))
        versions = s.scalar(select(func.count()).select_from(Version))
        numbers = set(s.scalars(select(Version.doc_number)))
        gone = list(s.scalars(select(Event.kind).where(Event.kind.in_(("delisted", "suspected_removed")))))
        return run, sighted, versions, numbers, gone


@pytest.mark.parametrize("family", ["hanweb", "gkmlpt"])
def test_family_column_is_listed_completely_and_every_document_archived(tmp_path, family):
    site = (HanwebSite(130) if family == "hanweb" else GkmlptSite(230)).start()
    try:
        config, sessions = _setup(tmp_path, site, family)
        first = _crawl(site, config, T)
        assert _documents_fetched(site, first) == {u.split(site.origin, 1)[1] for u in site.document_urls()}
        if family == "hanweb":  # three POSTs of 60 records each, the form fields sent (else: empty answers)
            assert [s for p, s in first if p == HanwebSite.PROXY] == [200, 200, 200]
        else:  # three API pages of 100
            assert [s for p, s in first if p == GkmlptSite.API] == [200, 200, 200]
        run, sighted, versions, numbers, gone = _archive(sessions)
        assert sighted == set(site.document_urls()) and versions == site.n and not gone
        assert "鲁政办字〔2025〕1号" in numbers  # the xxgk metadata of the pages was read
        # an hour later the column is listed again (complete), nothing is due, nothing vanished
        again = _crawl(site, config, T + timedelta(hours=1))
        assert _documents_fetched(site, again) == set()
        run2, sighted2, _, _, gone2 = _archive(sessions)
        assert run2.id != run.id and sighted2 == set(site.document_urls()) and not gone2
    finally:
        site.stop()


def test_gkmlpt_pages_running_out_before_the_total_make_a_partial_listing(tmp_path):
    site = GkmlptSite(150)
    site.declared_total = 726  # the API claims 726, serves 150 (as Zhaoqing's did: 221 of 726)
    site.start()
    try:
        config, sessions = _setup(tmp_path, site, "gkmlpt")
        _crawl(site, config, T)
        site._docs = site._docs[:100]  # the second page stops being served: 50 documents drop off the API
        log = _crawl(site, config, T + timedelta(hours=1))
        assert [s for p, s in log if p == GkmlptSite.API] == [200, 200]  # page 2 came back empty: stop
        with sessions() as s:
            delisted = list(s.scalars(select(Event).where(Event.kind == "delisted")))
            docs = s.scalar(select(func.count()).select_from(Document))
        assert docs == 150 and delisted == []  # a partial listing proves no absence
        site.declared_total, site._docs = 0, []  # an expired SID or a glitch: "total 0", no articles
        _crawl(site, config, T + timedelta(hours=2))
        with sessions() as s:
            assert list(s.scalars(select(Event).where(Event.kind == "delisted"))) == []
    finally:
        site.stop()
