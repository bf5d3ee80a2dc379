"""The one item pipeline: archive every fetch and listing, settle verdicts when the spider closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scrapy.crawler import Crawler
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from common import clock
from crawlers.attachments import AttachmentRecorder
from crawlers.items import FetchedAttachment, FetchedPage, ListingPage
from crawlers.reconcile import reconcile
from crawlers.recorder import Recorder
from crawlers.warc import WarcSink
from crawlers.workers import Analyser, default_workers, shared_analyser
from processing.verdict import Outcome
from store.crawlbook import outcomes_in_run
from store.db import transaction

RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # about a minute: a database server restarting
_LOG = logging.getLogger(__name__)
T = TypeVar("T")


async def _retrying(url: str, write: Callable[[], T]) -> T:
    """Run ``write`` (one archive transaction), again after a pause when the database connection
    failed — a PostgreSQL server restarting, a SQLite file locked beyond its busy timeout. The
    failed transaction was rolled back, so a retry records the fetch once (its WARC record may be
    written twice; the first copy is then referenced by nothing, like a listing page's)."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if delay is None or not _transient(exc):
                raise
            _LOG.warning("archive database unavailable while recording %s (%s); retrying in %g s", url,
                         str(exc.orig).strip().splitlines()[0] if exc.orig else exc, delay)  # fmt: skip
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def _transient(exc: DBAPIError) -> bool:
    """A lost or refused connection, or a lock: worth waiting for (not a constraint or SQL error)."""
    text = str(exc.orig or exc).lower()
    return exc.connection_invalidated or any(
        marker in text
        for marker in ("connection", "server closed", "terminating", "shutting down", "locked", "starting up")
    )


class ArchivePipeline:
    """Hands items to :class:`~crawlers.recorder.Recorder`; one instance per spider (source)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.recorder: Recorder | None = None
        self.analyser = Analyser(0)
        self.attachments: AttachmentRecorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        """Scrapy factory."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Open the WARC sink of this run and the processing workers."""
        ctx = self.crawler.spider.context  # type: ignore[union-attr]
        warc_dir = Path(ctx.settings.data_dir) / "warc"
        rotate = max(1, ctx.settings.warc_rotate_mb) * 1024 * 1024
        frontier = self.crawler.spider.frontier  # type: ignore[union-attr]
        name = f"{ctx.source.name}-run{ctx.run_id}" + (f"-{frontier.worker}" if frontier else "")
        self.recorder = Recorder(ctx, WarcSink(warc_dir, name, rotate))
        self.attachments = AttachmentRecorder(ctx, self.recorder.warc, self.recorder.log)
        workers = ctx.settings.processing_workers
        self.analyser = shared_analyser(default_workers() if workers < 0 else workers)

    async def process_item(self, item: Any) -> Any:
        """Archive a fetch (analysed in a worker, written here) or record a listing."""
        recorder = self.recorder
        assert recorder is not None
        if isinstance(item, FetchedAttachment):
            text = await self.analyser.read_attachment(item) if item.status == 200 else None
            for kind in await _retrying(item.url, lambda: self.attachments.record(item, text)):
                recorder.log.stats[f"event_{kind}"] += 1
        elif isinstance(item, FetchedPage):
            analysis = recorder.unchanged(item) or await self.analyser.analyse(item)
            for kind in await _retrying(item.url, lambda: recorder.record(item, analysis)):
                recorder.log.stats[f"event_{kind}"] += 1
            await _retrying(item.url, lambda: self._request_attachments(item.url))
        elif isinstance(item, ListingPage):
            await _retrying(item.url, lambda: recorder.record_listing(item))
        return item

    def _request_attachments(self, document_url: str) -> None:
        """Queue the attachments of a document that answered alive (see :mod:`crawlers.attachments`)."""
        spider: Any = self.crawler.spider
        if not self.recorder or not self.recorder.ctx.settings.fetch_attachments or self.crawler.engine is None:
            return
        for link in self.attachments.due(document_url):
            request = spider.attachment_request(link)
            if request is not None:
                self.crawler.engine.crawl(request)

    def close_spider(self) -> None:
        """Settle deletions, outages and delisting for the run."""
        if self.recorder is None:
            return
        spider: Any = self.crawler.spider
        has_listing = spider.name != "urls"
        complete = spider.finished and not spider.listing_partial  # an interrupted run proves no absence
        frontier, log = spider.frontier, self.recorder.log
        try:
            if frontier is not None and not frontier.leader:
                frontier.add_stats(log.stats)  # the leader settles the run
                return
            if frontier is not None:  # the leader: verdicts from what every process recorded
                log.stats.update(frontier.stats())
                with transaction(self.recorder.ctx.sessions) as s:
                    log.outcomes = {url: Outcome(o) for url, o in outcomes_in_run(s, self.recorder.ctx.run_id).items()}
            reconcile(self.recorder.ctx, log, clock.now(), complete, has_listing)
        finally:
            if frontier is not None:
                frontier.leave()
            if self.recorder.warc is not None:
                self.recorder.warc.close()
            self.recorder.ctx.close()
