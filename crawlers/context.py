"""What a crawl process shares between spider, middlewares and pipeline: settings, the archive, the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.clock import to_utc
from common.errors import ConfigError
from common.settings import Settings, SourceConfig, load_settings
from crawlers.alerting import AlertMatcher, enqueue_alerts
from crawlers.distributed import Frontier, require_server_archive
from processing.recheck import RecheckPolicy
from store.crawlbook import ListingRead, RecheckPlan, blocked_hosts, listing_reads, recheck_plan, start_run
from store.db import WalCheckpointer, make_engine, require_schema, session_factory, transaction
from store.models import CrawlRun, Event
from store.repo import ensure_source


@dataclass
class CrawlContext:
    """Runtime state of one source's crawl in this process."""

    settings: Settings
    source: SourceConfig
    sessions: sessionmaker[Session]
    source_id: int
    run_id: int
    started_at: datetime
    blocked: set[str] = field(default_factory=set)
    plan: RecheckPlan = field(default_factory=lambda: RecheckPlan(frozenset(), (), frozenset(), {}))
    listings: dict[str, ListingRead] = field(default_factory=dict)  # last good read per listing page
    checkpointer: WalCheckpointer | None = None
    alerts: AlertMatcher = field(default_factory=AlertMatcher)

    def enqueue_alerts(self, s: Session, events: list[Event], at: datetime) -> int:
        """Owe alerts for ``events`` in their own transaction ``s`` (see :mod:`crawlers.alerting`)."""
        return enqueue_alerts(s, events, self.settings.alert_on, at, self.alerts, self.source.name)

    def close(self) -> None:
        """Stop the WAL checkpointer (after a last checkpoint)."""
        if self.checkpointer is not None:
            self.checkpointer.stop()

    @property
    def recheck_urls(self) -> tuple[str, ...]:
        """Known documents due for a check in this run (the adaptive schedule)."""
        return self.plan.due

    @property
    def policy(self) -> RecheckPolicy:
        """The re-check policy from the settings."""
        st = self.settings
        return RecheckPolicy.from_days(
            st.recheck_new_days,
            st.recheck_new_every_days,
            st.recheck_weekly_until_days,
            st.recheck_weekly_every_days,
            st.recheck_old_every_days,
        )


def join_run(source_name: str, pw_settings: Any = None) -> tuple[Frontier | None, CrawlContext]:
    """The context of this process's crawl of ``source_name``: a run of its own, or, in
    distributed mode (``redis_url`` set), the shared run it leads or joins."""
    settings = pw_settings if isinstance(pw_settings, Settings) else load_settings()
    if not settings.redis_url:
        return None, open_context(source_name, settings)
    require_server_archive(settings.database_url)
    frontier = Frontier(settings.redis_url, source_name)
    if frontier.elect():
        ctx = open_context(source_name, settings)
        frontier.start_run(ctx.run_id)
        return frontier, ctx
    return frontier, open_context(source_name, settings, run_id=frontier.wait_run())


def open_context(source_name: str, pw_settings: Any = None, run_id: int | None = None) -> CrawlContext:
    """Load settings, open the archive, register the source and start a run (or join run
    ``run_id``, started by another process: same start time, same re-check plan)."""
    settings = pw_settings if isinstance(pw_settings, Settings) else load_settings()
    if settings.now:
        clock.set_now(settings.now)
    source = settings.source(source_name)
    engine = make_engine(settings.database_url, background_checkpoints=True)
    require_schema(engine)
    sessions = session_factory(engine)
    at = clock.now()
    cfg = {"start_urls": list(source.start_urls), "kind": source.kind, "description": source.description}
    with transaction(sessions) as s:
        src = ensure_source(s, source.name, source.kind, cfg, at)
        run = start_run(s, [source.name], at) if run_id is None else s.get(CrawlRun, run_id)
        if run is None:
            raise ConfigError(f"crawl run {run_id} of {source_name} is not in the archive {settings.database_url}")
        at = to_utc(run.started_at)
        blocked = blocked_hosts(s)
        plan = recheck_plan(s, src.id, at)
        listings = listing_reads(s, src.id)
        ctx = CrawlContext(settings, source, sessions, src.id, run.id, at, blocked, plan, listings)
    ctx.checkpointer = WalCheckpointer(engine).start()
    return ctx
