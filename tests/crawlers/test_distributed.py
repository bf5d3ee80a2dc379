"""Distributed mode for real: two `policywatch crawl` processes share one run of a 100-document
TRS column through Redis (127.0.0.1:6379) and write to one PostgreSQL archive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from common.errors import ConfigError
from crawlers.distributed import Frontier, require_server_archive
from sim.bulk import BulkSite
from store.db import make_engine, session_factory
from store.models import Capture, CrawlRun, Document, Event, Version
from store.schema import upgrade

REDIS_URL = os.environ.get("POLICYWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DELAY = 0.15  # large against the few ms between a slot and the actual send
N = 100


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:  # part of the test environment: fail loudly, never skip
        pytest.fail(f"Redis at {REDIS_URL} is not reachable ({exc}); start it or set POLICYWATCH_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def setup(tmp_path, pg_url, redis_url):
    site = BulkSite(N).start()
    source = f"bulk-{uuid.uuid4().hex[:8]}"  # Redis keys are per source
    config = tmp_path / "policywatch.toml"
    config.write_text(
        f'database_url = "{pg_url}"\ndata_dir = "{tmp_path / "data"}"\nredis_url = "{redis_url}"\n'
        f'download_delay = {DELAY}\nprocessing_workers = 0\n\n[[sources]]\nname = "{source}"\nkind = "trs"\n'
        f'start_urls = ["{site.listing_url}"]\n',
        encoding="utf-8",
    )
    engine = make_engine(pg_url)
    upgrade(engine)
    yield site, config, source, session_factory(engine)
    site.stop()
    engine.dispose()


def _crawl_together(config: Path, source: str, now: datetime, processes: int = 2) -> list[str]:
    """Start ``processes`` crawls of ``source`` at once; returns their outputs (all must succeed)."""
    cmd = [sys.executable, "-m", "cli", "--config", str(config), "crawl", source, "--now", now.isoformat()]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(processes)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    for p, out in zip(procs, outs, strict=True):
        assert p.returncode == 0, out[-3000:]
    return outs


def test_two_processes_share_one_run_each_document_once(setup):
    site, config, source, sessions = setup
    _crawl_together(config, source, T)
    docs = {u.split(site.origin, 1)[1] for u in site.document_urls()}
    fetched = Counter(p for p, s in site.log if p in docs)
    assert set(fetched) == docs and set(fetched.values()) == {1}, "every document fetched exactly once"
    listings = Counter(p for p, _ in site.log if "/index" in p)
    assert len(listings) == 2 and set(listings.values()) == {1}, listings  # 50 a page
    with sessions() as s:
        (run,) = s.scalars(select(CrawlRun))
        assert run.status == "ok" and run.finished_at is not None
        caps = list(s.scalars(select(Capture).where(Capture.run_id == run.id)))
        assert len(caps) == N and len({c.url for c in caps}) == N
        workers = Counter(c.warc_file.split("-run", 1)[1].split(".")[0] for c in caps if c.warc_file)
        assert len(workers) == 2 and min(workers.values()) >= 10, f"both processes worked: {workers}"
        assert s.scalar(select(func.count()).select_from(Document)) == N
        assert s.scalar(select(func.count()).select_from(Version)) == N  # no duplicate versions
        kinds = Counter(s.scalars(select(Event.kind)))
        assert kinds == {"new": N}, kinds
        assert run.stats["outcome_ok"] == N  # the leader added the follower's counters
    # the host's delay held across both processes (server-side arrival times; a send may trail its
    # claim by the reactor's latency, so a rare gap is shorter — never most of them)
    times = sorted(t for p, _, t in site.times if p in docs)
    gaps = sorted(b - a for a, b in pairwise(times))
    short = [g for g in gaps if g < DELAY * 0.8]
    assert len(short) <= 2 and gaps[len(gaps) // 2] >= DELAY * 0.95, f"gaps {gaps[:5]}…, median {gaps[len(gaps) // 2]}"
    assert not redis.Redis.from_url(REDIS_URL).keys(f"policywatch:{source}:*"), "the run's keys are cleared"

    # a day later every (new) document is due: each is checked once, by either process, and unchanged
    site.reset_counters()
    _crawl_together(config, source, T + timedelta(days=1))
    fetched = Counter((p, s) for p, s in site.log if p in docs)
    assert set(fetched.values()) == {1} and {s for _, s in fetched} == {304} and len(fetched) == N
    with sessions() as s:
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
        assert len(runs) == 2 and runs[1].status == "ok"
        assert s.scalar(select(func.count()).select_from(Capture).where(Capture.run_id == runs[1].id)) == N
        assert s.scalar(select(func.count()).select_from(Version)) == N
        assert Counter(s.scalars(select(Event.kind))) == {"new": N}


def test_distributed_mode_refuses_sqlite_and_an_unreachable_redis():
    with pytest.raises(ConfigError, match="PostgreSQL"):
        require_server_archive("sqlite:///x.db")
    with pytest.raises(ConfigError, match="cannot reach Redis"):
        Frontier("redis://127.0.0.1:1/0", "x")


def test_one_leader_per_run_and_followers_join_it(redis_url):
    source = f"unit-{uuid.uuid4().hex[:8]}"
    r = redis.Redis.from_url(redis_url)
    r.set(f"policywatch:{source}:run", 7)  # left by a crashed earlier run
    a, b = Frontier(redis_url, source, "a"), Frontier(redis_url, source, "b")
    assert a.elect() and not b.elect()
    assert r.get(f"policywatch:{source}:run") is None  # nobody can join the stale run
    a.start_run(41)
    assert b.wait_run(timeout=2) == 41 and b.run_active()
    assert a.claim_listing("u") and not b.claim_listing("u")
    assert a.others_busy() and b.others_busy()  # both busy since they joined
    a.set_state("idle")
    b.set_state("idle")
    assert not a.others_busy() and a.others_alive()
    r.zadd(f"policywatch:{source}:requests", {b"x": 0})
    assert a.others_busy()  # a queued request counts as work (read with the states, atomically)
    assert b.pop() == b"x" and r.get(b.worker_key) == b"busy"  # popping marks the popper busy
    assert a.claim("h", 10.0) == 0.0 and 9.0 < b.claim("h", 10.0) <= 10.0  # one send per delay
    assert 9.0 < a.claim("h", 10.0) <= 10.0  # a refused claim does not move the slot
    b.leave()
    assert not a.lost_workers()  # left cleanly
    a.end_run()
    assert not b.run_active() and not a.others_alive()
    a.leave()
    assert not r.keys(f"policywatch:{source}:*")
    r.delete("policywatch:slot:h")


def test_a_worker_that_vanishes_mid_run_is_noticed(redis_url):
    source = f"unit-{uuid.uuid4().hex[:8]}"
    a, b = Frontier(redis_url, source, "a"), Frontier(redis_url, source, "b")
    assert a.elect()
    a.start_run(5)
    b.wait_run(timeout=2)
    redis.Redis.from_url(redis_url).delete(b.worker_key)  # b's lease lapsed: killed or stalled
    assert a.lost_workers() == ["b"] and not a.others_alive()
    a.start_run(6)  # a new run of the same source
    assert not b.run_active()  # b belongs to run 5: it stops instead of working for run 6
    a.leave()


def test_a_killed_follower_makes_the_run_partial_and_loses_nothing(setup):
    _site, config, source, sessions = setup
    cmd = [sys.executable, "-m", "cli", "--config", str(config), "crawl", source, "--now", T.isoformat()]
    leader = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    r = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 60
    while not r.get(f"policywatch:{source}:run") and time.monotonic() < deadline:
        time.sleep(0.1)
    follower = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while len(r.smembers(f"policywatch:{source}:members")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(4)  # both are crawling now
    follower.send_signal(signal.SIGKILL)
    follower.wait(timeout=30)
    out = leader.communicate(timeout=240)[0]
    assert leader.returncode == 0, out[-3000:]
    with sessions() as s:
        (run,) = s.scalars(select(CrawlRun))
        assert run.status == "partial", run.status  # a worker vanished: the run proves no absence
        assert not list(s.scalars(select(Event).where(Event.kind.in_(("delisted", "removed", "suspected_removed")))))
        archived = s.scalar(select(func.count()).select_from(Document))
    assert 0 < archived <= N
    # the next run (the leader alone) archives whatever the dead process held: nothing is lost
    _crawl_together(config, source, T + timedelta(hours=1), processes=1)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == N
        assert s.scalar(select(func.count()).select_from(Version)) == N
        assert Counter(s.scalars(select(Event.kind))) == {"new": N}
