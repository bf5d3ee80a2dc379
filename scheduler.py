"""The policywatch daemon (a composition root): APScheduler 3.x runs each source's crawl on its schedule.

Each crawl is a ``scrapy crawl <kind> -a source=<name>`` subprocess (a Twisted reactor
cannot be restarted inside one long-lived process) with a timeout; alert dispatch runs
after every crawl and every few minutes. Jobs live in the archive database (SQLAlchemy
job store), so a restart neither loses nor duplicates them.

Job options, chosen deliberately:

- ``coalesce=True``: if several runs of a source were missed (daemon down), run it once.
- ``max_instances=1``: a source never crawls twice at the same time.
- ``misfire_grace_time=3600``: a run up to an hour late still happens; later ones wait
  for the next slot (a crawl is daily work; a burst of catch-up runs would be impolite).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from types import FrameType

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from alerts.dispatch import dispatch
from common.errors import ConfigError, CrawlError
from common.settings import Settings, load_settings
from crawlers.hostlock import host_locks
from crawlers.run import hosts_of, scrapy_command
from store.db import make_engine, normalise_url, require_schema, session_factory
from store.schema import prune_jobs

log = logging.getLogger("policywatch.daemon")
DISPATCH_EVERY_MIN = 5
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def crawl_env(settings: Settings) -> dict[str, str]:
    """Environment of a crawl subprocess: the same config, database and clock override."""
    env = dict(os.environ)
    env["POLICYWATCH_CONFIG"] = settings.config_path
    env["SCRAPY_SETTINGS_MODULE"] = "crawlers.settings"
    if settings.now:
        env["POLICYWATCH_NOW"] = settings.now
    return env


def crawl_job(config_path: str, source_name: str) -> int:
    """Run one source's crawl subprocess, then dispatch alerts. Returns the exit code (-1 on timeout)."""
    settings = load_settings(config_path)
    source = settings.source(source_name)
    started = time.monotonic()
    try:
        # one crawl per host across processes; own session: a SIGTERM to the daemon's process
        # group lets the running crawl finish
        with host_locks(settings.data_dir, hosts_of(source), timeout=settings.crawl_timeout):
            done = subprocess.run(
                scrapy_command(settings, source),
                env=crawl_env(settings),
                timeout=settings.crawl_timeout,
                check=False,
                start_new_session=True,
            )
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = -1
        log.error("crawl of %s exceeded %ss and was stopped", source_name, settings.crawl_timeout)
    except CrawlError as exc:
        code = -2
        log.error("crawl of %s not started: %s", source_name, exc)
    log.info("crawl of %s finished: exit %s in %.0f s", source_name, code, time.monotonic() - started)
    dispatch_job(config_path)
    return code


def dispatch_job(config_path: str) -> None:
    """Send pending alerts; failures stay queued (never raise into the scheduler)."""
    settings = load_settings(config_path)
    try:
        result = dispatch(session_factory(make_engine(settings.database_url)), settings)
        log.info("alerts: %d sent, %d failed", result.sent, result.failed)
    except Exception:
        log.exception("alert dispatch failed; will retry in %d minutes", DISPATCH_EVERY_MIN)


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """A scheduler with one job per enabled source and the periodic alert dispatch."""
    store = SQLAlchemyJobStore(url=normalise_url(settings.database_url), tablename="apscheduler_jobs")
    sched = BlockingScheduler(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone="Asia/Shanghai")
    for src in settings.sources:
        if not src.enabled:
            continue
        try:
            trigger = CronTrigger.from_crontab(src.schedule, timezone="Asia/Shanghai")
        except ValueError as exc:
            raise ConfigError(f"source {src.name}: schedule {src.schedule!r} is not a crontab line ({exc})") from exc
        sched.add_job(
            crawl_job,
            trigger,
            args=[settings.config_path, src.name],
            id=f"crawl:{src.name}",
            name=f"crawl {src.name}",
            replace_existing=True,
            **JOB_DEFAULTS,
        )
    sched.add_job(
        dispatch_job,
        "interval",
        minutes=DISPATCH_EVERY_MIN,
        args=[settings.config_path],
        id="alerts:dispatch",
        name="alert dispatch",
        replace_existing=True,
    )
    return sched


def run_daemon(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a running crawl finishes before the daemon exits."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = make_engine(settings.database_url)
    require_schema(engine)
    keep = {f"crawl:{s.name}" for s in settings.sources if s.enabled}
    for job_id in prune_jobs(engine, "crawl:", keep):
        log.info("job %s removed: its source is no longer configured or enabled", job_id)
    sched = build_scheduler(settings)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing running jobs, then exiting", signum)
        sched.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    log.info("daemon started with %d sources", len(settings.sources))
    sched.start()
