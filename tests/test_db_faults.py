"""Database faults, for real: the embedded SQLite archive shared by `policywatch daemon` (its crawl
subprocesses and alert dispatches write) and `policywatch serve` (readers hammering it at the same
time) — WAL and the busy timeout mean nobody sees "database is locked"; and a crawl writing to
PostgreSQL while the server restarts, which waits for it and loses nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from alerts.sink import free_port
from sim.bulk import BulkSite
from store.db import make_engine, session_factory, transaction
from store.models import AttachmentVersion, Capture, JobRun, Version
from store.schema import upgrade
from store.subscribers import subscribe
from tests.conftest import REPO


def _start(config, log, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), *args], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "POLICYWATCH_CONFIG": str(config)},
    )  # fmt: skip


def _hammer(base: str, stop: threading.Event, codes: Counter) -> None:
    """Readers of the archive while it is written: search, events, document pages, API."""
    paths = ["/", "/?q=人民政府", "/api/v1/search?q=通知", "/api/v1/events", "/trends?q=政策", "/documents/1"]
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            for path in paths:
                try:
                    codes[client.get(path).status_code] += 1
                except httpx.TransportError:
                    codes["not listening"] += 1
                    time.sleep(0.1)


def test_sqlite_archive_shared_by_the_daemon_and_serve_never_reports_a_lock(tmp_path, smtp_sink):
    site = BulkSite(120, attachments=4).start()
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(make_engine(db))
    sessions = session_factory(make_engine(db))
    with transaction(sessions) as s:
        subscribe(s, "r@example.org", ["人民政府"], datetime(2025, 6, 1, tzinfo=UTC))
    config = tmp_path / "policywatch.toml"
    config.write_text(
        f'database_url = "{db}"\ndata_dir = "{tmp_path / "data"}"\ndownload_delay = 0.0\nsecret_key = "k"\n'
        f"smtp_port = {smtp_sink.port}\ndispatch_every_min = 1\nrecheck_new_every_days = 0.0\n"
        f'[[sources]]\nname = "bulk"\nkind = "trs"\nstart_urls = ["{site.listing_url}"]\nschedule = "every 2 s"\n',
        encoding="utf-8",
    )
    port = free_port()
    daemon_log, serve_log = (tmp_path / "daemon.log").open("wb"), (tmp_path / "serve.log").open("wb")
    daemon = _start(config, daemon_log, "daemon")
    serve = _start(config, serve_log, "serve", "--port", str(port))
    codes: Counter = Counter()
    stop = threading.Event()
    readers = [threading.Thread(target=_hammer, args=(f"http://127.0.0.1:{port}", stop, codes)) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            with sessions() as s:
                runs = [j.status for j in s.scalars(select(JobRun).where(JobRun.job.like("crawl%")))]
            if sum(status != "running" for status in runs) >= 3:
                break
            time.sleep(0.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join(60)
        daemon.send_signal(signal.SIGTERM)
        serve.send_signal(signal.SIGTERM)
        daemon.wait(120)
        serve.wait(30)
        site.stop()
    logs = (tmp_path / "daemon.log").read_text(errors="replace") + (tmp_path / "serve.log").read_text(errors="replace")
    print(f"\nreaders: {dict(codes)}; crawl job runs: {runs}; mails: {len(smtp_sink.messages)}")
    assert sum(status != "running" for status in runs) >= 3 and set(runs) <= {"ok", "running"}, runs
    assert codes[200] > 100 and set(codes) <= {200, 404, "not listening"}, codes  # 404: /documents/1 before it exists
    assert "locked" not in logs.lower() and "Traceback" not in logs, logs[-3000:]
    assert len(smtp_sink.messages) > 0  # the daemon's dispatches wrote too


def _restart_postgresql() -> list[str] | None:
    """The command that restarts the local PostgreSQL cluster (as root, or by passwordless sudo)."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        return None
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]
    if os.geteuid() == 0:
        return cmd
    if subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0:
        return ["sudo", "-n", *cmd]
    return None


def _count(url: str, model) -> int:
    try:
        with session_factory(make_engine(url))() as s:
            return len(s.scalars(select(model.id)).all())
    except Exception:  # the server is restarting
        return -1


@pytest.mark.pg
def test_a_crawl_rides_out_a_postgresql_restart(tmp_path, pg_url):
    restart = _restart_postgresql()
    if restart is None:
        if os.environ.get("CI"):
            pytest.fail("cannot restart the local PostgreSQL cluster (needs root or passwordless sudo)")
        pytest.skip("cannot restart the local PostgreSQL cluster here")
    site = BulkSite(60, attachments=4).start()
    upgrade(make_engine(pg_url))
    config = tmp_path / "policywatch.toml"
    config.write_text(
        f'database_url = "{pg_url}"\ndata_dir = "{tmp_path / "data"}"\ndownload_delay = 0.05\nprocessing_workers = 0\n'
        f'[[sources]]\nname = "bulk"\nkind = "trs"\nstart_urls = ["{site.listing_url}"]\n',
        encoding="utf-8",
    )
    log = (tmp_path / "crawl.log").open("wb")
    try:
        crawl = _start(config, log, "crawl", "--now", "2025-06-01T12:00:00+00:00")
        deadline = time.monotonic() + 120
        while _count(pg_url, Capture) < 10 and crawl.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert crawl.poll() is None, "the crawl ended before the restart: make the site bigger"
        at = _count(pg_url, Capture)
        subprocess.run(restart, check=True, capture_output=True, timeout=120)
        status = crawl.wait(timeout=300)
    finally:
        site.stop()
    output = (tmp_path / "crawl.log").read_text(errors="replace")
    print(f"\nrestarted PostgreSQL after {at} captures; crawl exit {status}")
    assert status == 0, output[-3000:]
    assert (_count(pg_url, Version), _count(pg_url, AttachmentVersion)) == (60, 8)  # nothing lost, nothing twice
    assert "archive database unavailable while recording" in output and "retrying" in output
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "verify", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
