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
- Sources on the same schedule that share a host form one job (``crawl:a+b``) whose crawls
  run one after another under the hosts' locks, so columns of one portal never wait for each
  other in parallel scheduler threads.
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
from common.settings import Settings, SourceConfig, load_settings
from crawlers.hostlock import host_locks
from crawlers.run import host_groups, hosts_of, scrapy_command
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


def job_groups(settings: Settings) -> list[list[SourceConfig]]:
    """Enabled sources grouped into crawl jobs: same schedule and a shared host → one job."""
    by_schedule: dict[str, list[SourceConfig]] = {}
    for src in settings.sources:
        if src.enabled:
            by_schedule.setdefault(src.schedule, []).append(src)
    return [group for same in by_schedule.values() for group in host_groups(same)]


def job_id(group: list[SourceConfig]) -> str:
    """The scheduler id of a crawl job: ``crawl:<name>`` or ``crawl:<a>+<b>`` for a group."""
    return "crawl:" + "+".join(src.name for src in group)


def crawl_job(config_path: str, *source_names: str) -> int:
    """Run the sources' crawl subprocesses one after another under their hosts' locks, then
    dispatch alerts. Returns the first failing exit code (-1 timeout, -2 lock not obtained), else 0."""
    settings = load_settings(config_path)
    sources = [settings.source(name) for name in source_names]
    hosts = set().union(*(hosts_of(src) for src in sources))
    codes: list[int] = []
    try:
        # one crawl per host across processes; own session: a SIGTERM to the daemon's process
        # group lets the running crawl finish
        with host_locks(settings.data_dir, hosts, timeout=settings.crawl_timeout):
            codes = [_crawl_one(settings, src) for src in sources]
    except CrawlError as exc:
        codes = [-2]
        log.error("crawl of %s not started: %s", ", ".join(source_names), exc)
    dispatch_job(config_path)
    return next((c for c in codes if c != 0), 0)


def _crawl_one(settings: Settings, source: SourceConfig) -> int:
    started = time.monotonic()
    try:
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
        log.error("crawl of %s exceeded %ss and was stopped", source.name, settings.crawl_timeout)
    log.info("crawl of %s finished: exit %s in %.0f s", source.name, code, time.monotonic() - started)
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
    """A scheduler with one crawl job per group of enabled sources (see :func:`job_groups`) and the
    periodic alert dispatch."""
    store = SQLAlchemyJobStore(url=normalise_url(settings.database_url), tablename="apscheduler_jobs")
    sched = BlockingScheduler(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone="Asia/Shanghai")
    for group in job_groups(settings):
        schedule = group[0].schedule
        try:
            trigger = CronTrigger.from_crontab(schedule, timezone="Asia/Shanghai")
        except ValueError as exc:
            names = ", ".join(src.name for src in group)
            raise ConfigError(f"source {names}: schedule {schedule!r} is not a crontab line ({exc})") from exc
        sched.add_job(
            crawl_job,
            trigger,
            args=[settings.config_path, *(src.name for src in group)],
            id=job_id(group),
            name="crawl " + ", ".join(src.name for src in group),
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
    keep = {job_id(group) for group in job_groups(settings)}
    for job_id in prune_jobs(engine, "crawl:", keep):
        log.info("job %s removed: its source is no longer configured or enabled", job_id)
    sched = build_scheduler(settings)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing running jobs, then exiting", signum)
        sched.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    log.info("daemon started with %d sources", len(settings.sources))
    sched.start()
