"""Adaptive re-checks, for real: `policywatch crawl` subprocesses against the sim over HTTP.

Expectations come from the scenario model (which documents change on which day), and the
requests counted are the ones the sim's access log saw.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from common.settings import load_settings
from demo import T0, demo_config
from processing.recheck import RecheckPolicy, interval, next_check
from sim.server import SimWeb
from store.db import make_engine, session_factory
from store.models import Document, Event
from store.schema import upgrade
from tests.test_e2e_scenario import _cli

DETAIL = re.compile(r"/content_\d+\.htm$")


def test_policy_by_age_and_state():
    p = RecheckPolicy()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert interval(p, t0, t0 + timedelta(days=13), "active") == timedelta(days=1)
    assert interval(p, t0, t0 + timedelta(days=14), "active") == timedelta(days=7)
    assert interval(p, t0, t0 + timedelta(days=89), "removed") == timedelta(days=7)
    assert interval(p, t0, t0 + timedelta(days=90), "active") == timedelta(days=30)
    assert interval(p, t0, t0 + timedelta(days=200), "suspected_removed") == timedelta(0)
    assert next_check(RecheckPolicy.from_days(2, 0.5, 10, 3, 9), t0, t0, "active") == t0 + timedelta(hours=12)


@pytest.fixture
def govcn(tmp_path):
    web = SimWeb(base_port=0, seed=42)
    web.start()
    config = tmp_path / "policywatch.toml"
    config.write_text(demo_config(web, 2525, tmp_path), encoding="utf-8")
    upgrade(make_engine(load_settings(config, env={}).database_url))
    yield web, config
    web.stop()


def _crawl(web: SimWeb, config, day: int, now: datetime) -> set[str]:
    """Crawl sim-govcn on sim ``day`` pretending it is ``now``; the document paths requested."""
    web.set_day(day)
    before = len(web.requests_log)
    _cli(config, "crawl", "sim-govcn", "--now", now.isoformat())
    return {path for site, _m, path, _s in web.requests_log[before:] if site == "govcn" and DETAIL.search(path)}


def test_known_documents_are_fetched_only_when_due_changed_in_the_listing_or_gone(govcn):
    web, config = govcn
    truth = web.truth()
    first = _crawl(web, config, 0, T0)
    assert len(first) >= 10
    # twenty days later every document is older than 14 days and due (last checked on day 0)
    later = _crawl(web, config, 1, T0 + timedelta(days=20))
    assert first <= later
    fresh = later - first  # first seen on day 1 (at T0+20d): young, so due daily
    born = {"/" + e.url.split("/", 3)[3] for e in truth if e.site == "govcn" and e.day == 1 and e.kind == "new"}
    assert fresh == born
    # a day after that the older documents are not due (weekly now): only the fresh ones and
    # what the listing says changed are fetched
    day2 = _crawl(web, config, 2, T0 + timedelta(days=21))
    expected = {"/" + e.url.split("/", 3)[3] for e in truth if e.site == "govcn" and e.day == 2}
    kinds = {e.kind for e in truth if e.site == "govcn" and e.day == 2}
    assert kinds == {"metadata_changed", "deleted"}  # a retitled entry and a page gone from the listing
    assert day2 == expected | fresh
    sessions = session_factory(make_engine(load_settings(config, env={}).database_url))
    with sessions() as s:
        got = {
            (e.kind, e.url.split("/", 3)[3])
            for e in s.scalars(select(Event).where(Event.at >= T0 + timedelta(days=21)))
        }
        assert {k for k, _ in got} == {"metadata_changed", "suspected_removed"}
        assert {"/" + u for _, u in got} == expected
        docs = list(s.scalars(select(Document)))
    path = {d.id: "/" + d.url.split("/", 3)[3] for d in docs}
    due = {path[d.id]: d.next_check_at.replace(tzinfo=UTC) - T0 for d in docs}
    assert {p: due[p] for p in fresh} == {p: timedelta(days=22) for p in fresh}  # young: daily
    for d in docs:  # weekly from the last check; a suspected removal on every run
        if path[d.id] in fresh:
            continue
        last = 21 if path[d.id] in day2 else 20
        assert due[path[d.id]] == (timedelta(days=21) if d.state == "suspected_removed" else timedelta(days=last + 7))


def test_listing_links_to_fetch_unknown_due_changed_or_back():
    from types import SimpleNamespace

    from crawlers.spiders.trs import TrsSpider
    from store.crawlbook import RecheckPlan

    known = {f"http://x/{k}.html" for k in ("due", "quiet", "retitled", "back")}
    plan = RecheckPlan(
        known=frozenset(known),
        due=("http://x/due.html",),
        listed=frozenset(known - {"http://x/back.html"}),
        entries={"http://x/quiet.html": "通知 2026-03-01", "http://x/retitled.html": "通知 2026-03-01"},
    )
    spider = TrsSpider(source="t")
    spider.context = SimpleNamespace(plan=plan)  # type: ignore[assignment]
    links = ["http://x/new.html", *sorted(known)]
    entries = {"http://x/quiet.html": "通知 2026-03-01", "http://x/retitled.html": "通知（修订） 2026-03-01"}
    assert sorted(spider.to_check(links, entries)) == [
        "http://x/back.html", "http://x/due.html", "http://x/new.html", "http://x/retitled.html",
    ]  # fmt: skip
    assert spider.vanished() == []  # no listing page read in this run: nothing can have vanished
