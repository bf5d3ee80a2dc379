"""Run :func:`processing.analyse.analyse` in worker processes while the reactor keeps crawling.

Decoding, extraction, segmentation and MinHash take about half of the CPU time of archiving a
new document; they are pure, so ``processing_workers`` processes (started with
``forkserver``, never forked from the running reactor) do them in parallel with downloading
and the archive writes, which stay in the reactor thread, one transaction at a time. With
``processing_workers = 0`` everything runs inline. A worker that dies is replaced and its
page tried once more in a fresh pool, then archived raw with an ``unprocessable`` outcome:
a crash there never loses the capture nor takes the crawl down.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawlers.items import FetchedAttachment, FetchedPage
from processing.analyse import Analysis, analyse, warm_up
from processing.attachments import AttachmentText, attachment_text
from processing.normalize import text_sha256
from store.attachments import FileText

log = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker per core beyond the reactor's, at least one and at most four."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


_SHARED: dict[int, Analyser] = {}


def shared_analyser(workers: int) -> Analyser:
    """One analyser (one worker pool) per crawl process, however many spiders it runs; its
    workers stop when the process exits."""
    if workers not in _SHARED:
        _SHARED[workers] = Analyser(workers)
        atexit.register(_SHARED[workers].close)
    return _SHARED[workers]


def content_type(headers: dict[str, str]) -> str | None:
    """The Content-Type header of a response, whatever its case."""
    return next((v for k, v in headers.items() if k.lower() == "content-type"), None)


class Analyser:
    """Analyses fetched pages inline or in a process pool."""

    def __init__(self, workers: int, fn: Callable[..., Analysis] = analyse, start_method: str = "forkserver") -> None:
        self.workers = workers
        self.fn = fn
        self.start_method = start_method  # "forkserver": never fork the running reactor
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context(self.start_method)
            if self.start_method == "forkserver":
                ctx.set_forkserver_preload(["processing.analyse", "processing.attachments"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=warm_up)
        return self._pool

    async def analyse(self, page: FetchedPage) -> Analysis:
        """The analysis of ``page`` (computed in a worker when there are workers). A page on which
        a worker dies twice is not analysed in the crawl process (it could take the crawl down
        with it): it comes back with ``error`` set and is archived raw."""
        args = (page.body, content_type(page.headers), page.final_url, page.status)
        if self.workers <= 0 or not page.body:
            return self.fn(*args)
        result = await self._in_worker(self.fn, args, page.url)
        if result is None:
            sha = hashlib.sha256(page.body).hexdigest()
            return Analysis(sha, error="a processing worker died twice on this page; archived raw, not analysed")
        return result

    async def read_attachment(self, page: FetchedAttachment) -> FileText:
        """The text of an attachment's bytes (PDF, DOCX; other types have none), read in a worker."""
        args = (page.body, page.ext)
        result: AttachmentText | None
        if self.workers <= 0 or not page.body:
            result = attachment_text(*args)
        else:
            result = await self._in_worker(attachment_text, args, page.url)
        if result is None:
            return FileText("", error="a processing worker died twice on this file; archived raw, not read")
        key = text_sha256(result.text) if result.text else None
        return FileText(result.text, result.pages, result.no_text_layer, result.error, key)

    async def _in_worker(self, fn: Callable[..., Any], args: tuple[Any, ...], url: str) -> Any:
        """``fn(*args)`` in the pool, tried in a fresh pool once more if a worker dies; ``None``
        when it died twice."""
        for attempt in (1, 2):
            try:
                return await asyncio.wrap_future(self._executor().submit(fn, *args))
            except BrokenProcessPool:
                log.warning("a processing worker died while reading %s (attempt %d)", url, attempt)
                self.close()
        return None

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
