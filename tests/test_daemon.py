"""``policywatch daemon`` as a real process against the sim: crawls on schedule, mails once, stops
gracefully on SIGTERM (a running crawl finishes), restarts cleanly."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import select

from demo import DEMO_KEYWORDS, demo_config
from sim.server import SimWeb
from store.db import make_engine, session_factory, transaction
from store.models import CrawlRun, JobRun
from store.schema import upgrade
from store.subscribers import subscribe
from tests.conftest import REPO

EVERY_S = 4


def _config(tmp_path, web, smtp_port):
    text = demo_config(web, smtp_port, tmp_path)
    head = text.split("[[sources]]")[0]
    trs = web.site_url("trs")
    return head + (
        f'dispatch_every_min = 1\nlog_format = "json"\n\n[[sources]]\nname = "sim-trs"\nkind = "trs"\n'
        f'start_urls = ["{trs}/xxgk/zcwj/index.html"]\nschedule = "every {EVERY_S} s"\n'
    )


def _daemon(cfg, log):
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(cfg), "daemon"], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "POLICYWATCH_CONFIG": str(cfg)},
    )  # fmt: skip


def _jobs(sessions):
    with sessions() as s:
        return [(j.status, j.exit_code) for j in s.scalars(select(JobRun).order_by(JobRun.id))]


def _wait(pred, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_daemon_crawls_mails_once_stops_gracefully_and_restarts(tmp_path, smtp_sink):
    web = SimWeb(base_port=0, seed=42)
    web.start()
    try:
        cfg = tmp_path / "policywatch.toml"
        cfg.write_text(_config(tmp_path, web, smtp_sink.port), encoding="utf-8")
        engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            subscribe(s, "researcher@example.org", DEMO_KEYWORDS, datetime.now(UTC))
        log = (tmp_path / "daemon.log").open("w")

        first = _daemon(cfg, log)
        assert _wait(lambda: [st for st, _ in _jobs(sessions)].count("ok") >= 2), _jobs(sessions)
        mails_day0 = len(smtp_sink.messages)
        assert mails_day0 > 0  # the first crawl's new documents matched the keywords
        # SIGTERM while a crawl is running: it finishes, then the daemon exits
        assert _wait(lambda: _jobs(sessions)[-1][0] == "running"), _jobs(sessions)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=120) == 0
        jobs = _jobs(sessions)
        assert jobs[-1] == ("ok", 0) and all(st == "ok" for st, _ in jobs), jobs
        runs_before = len(jobs)

        web.set_day(3)  # documents revised and removed meanwhile
        second = _daemon(cfg, log)
        assert _wait(lambda: len(_jobs(sessions)) >= runs_before + 1 and _jobs(sessions)[-1][0] == "ok")
        assert _wait(lambda: len(smtp_sink.messages) > mails_day0, timeout=30)  # the revisions were mailed
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=120) == 0
    finally:
        web.stop()
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == len(set(ids))  # nothing mailed twice across the restart
    with sessions() as s:
        statuses = s.scalars(select(CrawlRun.status)).all()
        assert statuses and set(statuses) <= {"ok"}  # no crawl left unfinished by the stops
    assert all(st == "ok" for st, _ in _jobs(sessions))
    lines = [json.loads(line) for line in (tmp_path / "daemon.log").read_text(encoding="utf-8").splitlines()]
    assert [r["message"] for r in lines].count("daemon stopped") == 2
    crawl_lines = [r for r in lines if r["logger"] == "policywatch.crawl"]
    assert crawl_lines and {r["source"] for r in crawl_lines} == {"sim-trs"}  # the crawls' own lines, relayed
    assert not any("Traceback" in r["message"] or "exception" in r for r in lines)
