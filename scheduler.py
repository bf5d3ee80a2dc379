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

A source's ``schedule`` is a crontab line (Asia/Shanghai) or ``every N s|min|h`` (tests, busy
columns). Alert dispatch runs after every crawl and every ``dispatch_every_min`` minutes; the
daily digests are built and sent by an hourly job (each subscriber's digest hour is theirs).
Each crawl's outcome (status, exit code, seconds, the crawl run's counts) is a ``job_run`` row;
runs left ``running`` by a daemon that died are marked ``interrupted`` at the next start.
SIGTERM/SIGINT stop the scheduler: no new job starts, a running crawl finishes (the subprocess
runs in its own session, so the signal does not reach it), then the daemon exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from types import FrameType

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.dispatch import dispatch
from common import clock
from common.errors import ConfigError, CrawlError
from common.logs import setup_logging
from common.settings import Settings, SourceConfig, load_settings
from crawlers.hostlock import host_locks
from crawlers.run import host_groups, hosts_of, scrapy_command
from store.db import make_engine, normalise_url, require_schema, session_factory, transaction
from store.digests import assign_digests
from store.jobs import finish_job, interrupt_unfinished, latest_crawl_run, paused_sources, start_job
from store.schema import prune_jobs

log = logging.getLogger("policywatch.daemon")
crawl_log = logging.getLogger("policywatch.crawl")
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
    dispatch alerts. Returns the first failing exit code (-1 timeout, -2 lock not obtained, -3 could
    not start), else 0."""
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
        _record_busy(settings, sources, str(exc))
    finally:
        dispatch_job(config_path)
    return next((c for c in codes if c != 0), 0)


def _record_busy(settings: Settings, sources: list[SourceConfig], why: str) -> None:
    """A ``busy`` job run per source whose crawl could not take its hosts' locks in time."""
    with transaction(session_factory(make_engine(settings.database_url))) as s:
        for src in sources:
            finish_job(s, start_job(s, "crawl", src.name, clock.now()), clock.now(), "busy", -2, {"error": why})


def _crawl_one(settings: Settings, source: SourceConfig) -> int:
    sessions = session_factory(make_engine(settings.database_url))
    started_at, started = clock.now(), time.monotonic()
    with transaction(sessions) as s:
        job_run = start_job(s, "crawl", source.name, started_at)
        pause = paused_sources(s).get(source.name)
        if pause is not None:  # an admin paused it: skipped, and said so in the job's record
            log.info("crawl of %s skipped: paused by %s", source.name, pause["paused_by"] or "an admin")
            finish_job(s, job_run, clock.now(), "paused", 0, {"paused_by": pause["paused_by"]})
            return 0
    error = None
    try:
        code = run_relayed(scrapy_command(settings, source), crawl_env(settings), settings.crawl_timeout, source.name)
    except OSError as exc:  # the subprocess could not start (no scrapy, no memory, …)
        code, error = -3, f"could not start the crawl: {exc}"
        log.error("crawl of %s %s", source.name, error)
    if code == -1:
        log.error("crawl of %s exceeded %ss and was stopped", source.name, settings.crawl_timeout)
    seconds = round(time.monotonic() - started, 1)
    log.info("crawl of %s finished: exit %s in %.0f s", source.name, code, seconds)
    with transaction(sessions) as s:
        run = latest_crawl_run(s, source.name, started_at)
        detail = {"seconds": seconds, "crawl_run": run.id if run else None, "crawl_status": run.status if run else None}
        if error:
            detail["error"] = error
        status = "ok" if code == 0 else "timeout" if code == -1 else "failed"
        finish_job(s, job_run, clock.now(), status, code, detail)
    return code


def run_relayed(cmd: list[str], env: dict[str, str], timeout: float, source: str) -> int:
    """Run a crawl subprocess in its own session (a SIGTERM to the daemon does not reach it),
    relaying each line it prints to the ``policywatch.crawl`` logger with ``source`` attached.
    Past ``timeout`` seconds it gets SIGTERM (Scrapy closes cleanly), 30 s later SIGKILL; returns
    its exit code, or -1 when it had to be stopped."""
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
        start_new_session=True,
    )  # fmt: skip
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, stop)
    timer.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        crawl_log.info(line.rstrip(), extra={"source": source})
    code = proc.wait()
    timer.cancel()
    return -1 if stopped.is_set() else code


def dispatch_job(config_path: str) -> None:
    """Send pending alerts; failures stay queued (never raise into the scheduler)."""
    settings = load_settings(config_path)
    try:
        result = dispatch(session_factory(make_engine(settings.database_url)), settings)
        log.info("alerts: %d sent, %d failed", result.sent, result.failed)
    except Exception:
        log.exception("alert dispatch failed; will retry in %d minutes", settings.dispatch_every_min)


def digest_job(config_path: str) -> None:
    """Build the daily digests that are due (each subscriber's own hour) and send them."""
    settings = load_settings(config_path)
    try:
        with transaction(session_factory(make_engine(settings.database_url))) as s:
            created = assign_digests(s, clock.now())
        if created:
            log.info("digests: %d built", len(created))
    except Exception:
        log.exception("building the daily digests failed; the next hourly run tries again")
    dispatch_job(config_path)


def trigger_of(schedule: str, names: str) -> BaseTrigger:
    """A crontab line (Asia/Shanghai) or ``every N s|min|h``; ConfigError naming the sources otherwise."""
    words = schedule.split()
    units = {"s": "seconds", "sec": "seconds", "min": "minutes", "m": "minutes", "h": "hours"}
    if len(words) == 3 and words[0] == "every" and words[1].isdigit() and words[2] in units:
        return IntervalTrigger(**{units[words[2]]: int(words[1])}, timezone="Asia/Shanghai")
    try:
        return CronTrigger.from_crontab(schedule, timezone="Asia/Shanghai")
    except ValueError as exc:
        raise ConfigError(
            f"source {names}: schedule {schedule!r} is not a crontab line nor 'every N s|min|h' ({exc})"
        ) from exc


def build_scheduler(settings: Settings) -> BlockingScheduler:
    """A scheduler with one crawl job per group of enabled sources (see :func:`job_groups`) and the
    periodic alert dispatch."""
    store = SQLAlchemyJobStore(url=normalise_url(settings.database_url), tablename="apscheduler_jobs")
    sched = BlockingScheduler(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone="Asia/Shanghai")
    for group in job_groups(settings):
        trigger = trigger_of(group[0].schedule, ", ".join(src.name for src in group))
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
        minutes=settings.dispatch_every_min,
        args=[settings.config_path],
        id="alerts:dispatch",
        name="alert dispatch",
        replace_existing=True,
    )
    sched.add_job(
        digest_job,
        CronTrigger(minute=0, timezone="Asia/Shanghai"),
        args=[settings.config_path],
        id="alerts:digest",
        name="daily digests",
        replace_existing=True,
    )
    return sched


def run_daemon(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT; a running crawl finishes before the daemon exits."""
    setup_logging(settings.log_format)
    engine = make_engine(settings.database_url)
    require_schema(engine)
    keep = {job_id(group) for group in job_groups(settings)}
    for gone in prune_jobs(engine, "crawl:", keep):
        log.info("job %s removed: its source is no longer configured or enabled", gone)
    with transaction(session_factory(engine)) as s:
        if lost := interrupt_unfinished(s, clock.now()):
            log.warning("%d job runs of an earlier daemon never finished; marked interrupted", lost)
    sched = build_scheduler(settings)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: finishing running jobs, then exiting", signum)
        sched.shutdown(wait=True)  # no new job starts; returns once the running ones finished

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("daemon started with %d sources", len(settings.sources))
    sched.start()
    log.info("daemon stopped")
