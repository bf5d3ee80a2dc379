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

from crawlers.items import FetchedPage
from processing.analyse import Analysis, analyse, warm_up

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
                ctx.set_forkserver_preload(["processing.analyse"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=warm_up)
        return self._pool

    async def analyse(self, page: FetchedPage) -> Analysis:
        """The analysis of ``page`` (computed in a worker when there are workers). A page on which
        a worker dies twice is not analysed in the crawl process (it could take the crawl down
        with it): it comes back with ``error`` set and is archived raw."""
        args = (page.body, content_type(page.headers), page.final_url, page.status)
        if self.workers <= 0 or not page.body:
            return self.fn(*args)
        for attempt in (1, 2):
            try:
                return await asyncio.wrap_future(self._executor().submit(self.fn, *args))
            except BrokenProcessPool:
                log.warning("a processing worker died while analysing %s (attempt %d)", page.url, attempt)
                self.close()
        sha = hashlib.sha256(page.body).hexdigest()
        return Analysis(sha, error="a processing worker died twice on this page; archived raw, not analysed")

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
