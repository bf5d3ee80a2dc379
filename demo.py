"""``policywatch demo``: the whole pipeline against the simulated web, on an embedded SQLite archive.

Part of the CLI composition root: it starts the sim and an SMTP sink, writes a config,
crawls each scenario day in a ``policywatch crawl --now`` subprocess (a Twisted reactor
cannot restart in one process), dispatches alerts, and prints what was found.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click
from tqdm import tqdm

from alerts.dispatch import dispatch
from alerts.sink import SmtpSink
from common import clock
from common.settings import load_settings
from processing.types import EVENT_KINDS
from sim.scenario import LAST_DAY
from sim.server import SimWeb
from store.db import make_engine, session_factory, transaction
from store.queries import summary
from store.schema import upgrade
from store.subscribers import subscribe

T0 = clock.parse_instant("2026-03-02T02:00:00Z")  # 10:00 Beijing time on day 0
DEMO_KEYWORDS = ["社会信用体系", "全国文明城市", "失信被执行人", "网格化管理", "健康码"]


def demo_config(web: SimWeb, smtp_port: int, directory: Path) -> str:
    """A policywatch.toml with the four simulated sites as sources."""
    gov, trs, wm, credit = (web.site_url(k) for k in ("govcn", "trs", "wenming", "credit"))
    return f"""# written by `policywatch demo`
database_url = "sqlite:///{directory / "archive.db"}"
data_dir = "{directory / "data"}"
download_delay = 0.0
# the sim's documents were published up to half a year before its first day: count their age
# from first seen, so the week-long scenario re-checks every document daily
recheck_age_from = "first_seen"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
mail_from = "policywatch demo <demo@policywatch.local>"
secret_key = "{secrets.token_hex(16)}"

[[sources]]
name = "sim-govcn"
kind = "govcn"
start_urls = ["{gov}/zhengce/zuixin/home_0.htm"]
search_api = "{gov}/search-gov/data?t=zhengcelibrary&q=&p=1&n=20&sort=pubtime"

[[sources]]
name = "sim-trs"
kind = "trs"
start_urls = ["{trs}/xxgk/zcwj/index.html"]

[[sources]]
name = "sim-wenming"
kind = "wenming"
start_urls = ["{wm}/wmcj/index.shtml"]

[[sources]]
name = "sim-credit"
kind = "listing"
start_urls = ["{credit}/xyzx/index.html"]
"""


def _crawl_day(config: Path, day: int, log: Path) -> None:
    now = (T0 + timedelta(days=day)).isoformat()
    cmd = [sys.executable, "-m", "cli", "--config", str(config), "crawl", "--now", now]
    with log.open("ab") as fh:
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise click.ClickException(f"crawl of day {day} failed (exit {done.returncode}); see {log}")


def run_demo(directory: str | None, days: int = LAST_DAY) -> None:
    """Run the demo and print its report."""
    started = time.monotonic()
    root = Path(directory or tempfile.mkdtemp(prefix="policywatch-demo-")).resolve()
    root.mkdir(parents=True, exist_ok=True)
    web = SimWeb(base_port=0, seed=42)
    web.start()
    sink = SmtpSink().start()
    try:
        config = root / "policywatch.toml"
        config.write_text(demo_config(web, sink.port, root), encoding="utf-8")
        os.environ["POLICYWATCH_CONFIG"] = str(config)
        settings = load_settings(config)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        sessions = session_factory(engine)
        with transaction(sessions) as s:
            subscribe(s, "researcher@example.org", DEMO_KEYWORDS, T0, "Demo Researcher")
        for day in tqdm(range(days + 1), desc="crawling scenario days", unit="day"):
            web.set_day(day)
            _crawl_day(config, day, root / "crawl.log")
            dispatch(sessions, settings, now=T0 + timedelta(days=day, hours=1))
        with sessions() as s:
            report = summary(s)
    finally:
        sink.stop()
        web.stop()
    _print_report(report, len(sink.messages), root, time.monotonic() - started)


def _print_report(report: dict[str, object], mails: int, root: Path, seconds: float) -> None:
    events = report["events"]
    assert isinstance(events, dict)
    click.echo("\npolicywatch demo — what the crawler found on the simulated government web\n")
    rows = [("documents", report["documents"]), ("versions", report["versions"]), ("captures", report["captures"])]
    rows += [(f"event: {k}", events.get(k, 0)) for k in EVENT_KINDS]
    rows += [("emails sent", mails)]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        click.echo(f"  {name:<{width}}  {value:>5}")
    click.echo(f"\narchive: {root / 'archive.db'}   WARC: {root / 'data' / 'warc'}   ({seconds:.0f} s)")
    click.echo(f"try:     policywatch --config {root / 'policywatch.toml'} events")
