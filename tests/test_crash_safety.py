"""Crash safety, for real: `policywatch crawl` and `policywatch alerts dispatch` processes SIGKILLed at
seeded random moments, restarted until they finish, trial after trial, on SQLite (WAL) and PostgreSQL.

Each trial starts from an empty archive and must end with the archive a clean run makes: the same
documents, versions (text and metadata hashes), attachment versions, events (kind, URL, text hash)
and alerts; ``policywatch verify`` finds every capture's bytes and WARC record intact (no partial
capture, no reference to a missing record); and the SMTP server holds each alert's mail exactly once,
by Message-ID. ``POLICYWATCH_CRASH_TRIALS`` sets the trials per backend (default 5 here, 10 in all; the long mode,
``python bench/reliability.py``, runs 50 per backend: 100 in all). The figures are printed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from sim.bulk import BulkSite
from store.db import make_engine, session_factory, transaction
from store.models import Alert, Attachment, AttachmentVersion, Capture, Document, Event, Version
from store.schema import upgrade
from store.subscribers import subscribe
from tests.conftest import REPO, pg_schema

T = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TRIALS = int(os.environ.get("POLICYWATCH_CRASH_TRIALS", "5"))
SEED = int(os.environ.get("POLICYWATCH_CRASH_SEED", "20261124"))
LEASE_S = 1
DOCS = 30


@pytest.fixture(scope="module")
def site():
    bulk = BulkSite(DOCS, attachments=2).start()
    yield bulk
    bulk.stop()


@contextmanager
def _archive(backend: str, folder: Path):
    """A fresh, migrated archive URL on ``backend``."""
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'archive.db'}"
        upgrade(make_engine(url))
        yield url
        return
    with pg_schema() as url:
        upgrade(make_engine(url))
        yield url


def _config(folder: Path, db_url: str, site: BulkSite, smtp_port: int) -> Path:
    config = folder / "policywatch.toml"
    config.write_text(
        f'database_url = "{db_url}"\ndata_dir = "{folder / "data"}"\ndownload_delay = 0.0\nsecret_key = "k"\n'
        f"smtp_port = {smtp_port}\nalert_claim_lease_s = {LEASE_S}\nprocessing_workers = 1\n"
        f'[[sources]]\nname = "bulk"\nkind = "trs"\nstart_urls = ["{site.listing_url}"]\n',
        encoding="utf-8",
    )
    with transaction(session_factory(make_engine(db_url))) as s:
        subscribe(s, "r@example.org", ["人民政府"], T)
    return config


def _start(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), *args], cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _kill(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the process and its workers (its session); True if it was still running."""
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return alive


def _until_done(config: Path, *args: str) -> None:
    for _ in range(5):
        if _start(config, *args).wait(timeout=300) == 0:
            return
        time.sleep(LEASE_S + 0.2)
    raise AssertionError(f"policywatch {' '.join(args)} never finished")


def _fingerprint(db_url: str) -> dict[str, list[tuple]]:
    """What a researcher relies on, by content (ids differ from run to run)."""
    with session_factory(make_engine(db_url))() as s:
        versions = s.execute(
            select(Document.url, Version.seq, Version.text_sha256, Version.meta_sha256).join(Version)
        ).all()
        files = s.execute(select(Attachment.url, AttachmentVersion.seq, AttachmentVersion.text_sha256).join(
            AttachmentVersion, AttachmentVersion.attachment_id == Attachment.id)).all()  # fmt: skip
        events = s.execute(
            select(Event.kind, Event.url, Version.text_sha256).outerjoin(Version, Version.id == Event.version_id)
        ).all()
        alerts = s.execute(select(Event.kind, Event.url, Alert.status).join(Event, Event.id == Alert.event_id)).all()
        docs = s.scalars(select(Document.url)).all()
    return {k: sorted(map(tuple, v)) for k, v in
            {"documents": [(d,) for d in docs], "versions": versions, "attachment_versions": files,
             "events": events, "alerts": alerts}.items()}  # fmt: skip


def _alert_ids(db_url: str) -> list[int]:
    with session_factory(make_engine(db_url))() as s:
        return list(s.scalars(select(Alert.id)))


def _captures(db_url: str) -> int:
    with session_factory(make_engine(db_url))() as s:
        return len(s.scalars(select(Capture.id)).all())


def _run_with_kills(
    config: Path, db_url: str, rng: random.Random, crawl_s: float, expected_captures: int, figures: Counter
) -> None:
    """Crawl, then dispatch, each first SIGKILLed at random moments (1–2 times), then run to the end."""
    for _ in range(rng.randint(1, 2)):
        proc = _start(config, "crawl", "--now", T.isoformat())
        target = rng.randint(1, expected_captures * 4 // 5)  # kill once this many captures are in, a moment later
        deadline = time.monotonic() + crawl_s * 3
        while proc.poll() is None and _captures(db_url) < target and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.1))
        killed = _kill(proc)
        figures["crawl_kills"] += killed
        figures["mid_crawl_kills"] += killed and 0 < _captures(db_url) < expected_captures
    _until_done(config, "crawl", "--now", T.isoformat())
    for _ in range(rng.randint(1, 2)):
        proc = _start(config, "alerts", "dispatch")
        time.sleep(rng.uniform(1.0, 2.5))  # start-up is about a second; the batch follows
        figures["dispatch_kills"] += _kill(proc)
        time.sleep(LEASE_S + 0.2)  # the dead run's claims lapse
    _until_done(config, "alerts", "dispatch")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_sigkilled_crawls_and_dispatches_leave_the_archive_a_clean_run_makes(backend, site, smtp_sink, tmp_path):
    figures: Counter = Counter()
    with _archive(backend, tmp_path / "clean") as clean_url:
        config = _config(tmp_path / "clean", clean_url, site, smtp_sink.port)
        started = time.monotonic()
        _until_done(config, "crawl", "--now", T.isoformat())
        crawl_s = time.monotonic() - started  # kills land anywhere in this span
        _until_done(config, "alerts", "dispatch")
        reference = _fingerprint(clean_url)
        captures = _captures(clean_url)
    clean_mails = sorted((m["To"], m["Subject"]) for m in smtp_sink.messages)
    assert len(clean_mails) == DOCS and len(reference["attachment_versions"]) == 4
    rng = random.Random(f"{SEED}-{backend}")
    started = time.monotonic()
    for trial in range(TRIALS):
        smtp_sink.messages.clear()
        folder = tmp_path / f"trial{trial}"
        with _archive(backend, folder) as url:
            config = _config(folder, url, site, smtp_sink.port)
            _run_with_kills(config, url, rng, crawl_s, captures, figures)
            got = _fingerprint(url)
            mids = [m["Message-ID"] for m in smtp_sink.messages]
            expected = sorted(f"<alert-{i}@localhost>" for i in _alert_ids(url))
            verify = subprocess.run(
                [sys.executable, "-m", "cli", "--config", str(config), "verify", "--json"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
        figures["trials"] += 1
        figures["mismatches"] += got != reference
        figures["duplicates"] += len(mids) - len(set(mids))
        figures["lost"] += len(set(expected) - set(mids))
        figures["integrity_failures"] += verify.returncode != 0
        assert got == reference, (
            f"trial {trial}: "
            + json.dumps({k: [v for v in got[k] if v not in reference[k]] for k in got}, default=str)[:2000]
        )
        assert sorted(mids) == expected, f"trial {trial}: mails by Message-ID differ (duplicates or lost)"
        assert sorted((m["To"], m["Subject"]) for m in smtp_sink.messages) == clean_mails
        assert verify.returncode == 0 and json.loads(verify.stdout)["ok"], verify.stdout[-2000:]
    kills = figures["crawl_kills"] + figures["dispatch_kills"]
    print(
        f"\nCRASH-SAFETY backend={backend} trials={figures['trials']} kills={kills} "
        f"crawl_kills={figures['crawl_kills']} (mid-crawl {figures['mid_crawl_kills']}) "
        f"dispatch_kills={figures['dispatch_kills']} "
        f"mismatches={figures['mismatches']} duplicates={figures['duplicates']} lost={figures['lost']} "
        f"integrity_failures={figures['integrity_failures']} seconds={time.monotonic() - started:.0f}"
    )
    assert figures["mid_crawl_kills"] >= TRIALS and figures["dispatch_kills"] >= TRIALS  # really mid-work
