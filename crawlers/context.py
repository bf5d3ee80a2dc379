"""What a crawl process shares between spider, middlewares and pipeline: settings, the archive, the run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.settings import Settings, SourceConfig, load_settings
from store.crawlbook import blocked_hosts, documents_of, start_run
from store.db import make_engine, require_schema, session_factory, transaction
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
    recheck_urls: list[str] = field(default_factory=list)


def open_context(source_name: str, pw_settings: Any = None) -> CrawlContext:
    """Load settings, open the archive, register the source and start a run."""
    settings = pw_settings if isinstance(pw_settings, Settings) else load_settings()
    if settings.now:
        clock.set_now(settings.now)
    source = settings.source(source_name)
    engine = make_engine(settings.database_url)
    require_schema(engine)
    sessions = session_factory(engine)
    at = clock.now()
    cfg = {"start_urls": list(source.start_urls), "kind": source.kind, "description": source.description}
    with transaction(sessions) as s:
        src = ensure_source(s, source.name, source.kind, cfg, at)
        run = start_run(s, [source.name], at)
        blocked = blocked_hosts(s)
        urls = [d.url for d in documents_of(s, src.id)]
        return CrawlContext(settings, source, sessions, src.id, run.id, at, blocked, urls)
