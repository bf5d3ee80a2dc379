"""One crawl per host at a time, across processes: advisory file locks in ``data_dir/locks``.

Scrapy keeps one connection per host *within* a crawler. Two sources on the same host (two
columns of one portal) crawled by two processes — the daemon's subprocesses, or a manual
``policywatch crawl`` beside the daemon — would double the load on that host. Every crawl
therefore holds ``flock`` locks on the hosts of its sources while it runs; another crawl of
the same host waits for it. The locks vanish with the process, so a killed crawl never
leaves a host locked.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from common.errors import CrawlError

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2


def lock_path(data_dir: str | Path, host: str) -> Path:
    """The lock file of a host (port and odd characters made file-name safe)."""
    return Path(data_dir) / "locks" / (re.sub(r"[^A-Za-z0-9.-]", "_", host) + ".lock")


@contextmanager
def host_locks(data_dir: str | Path, hosts: Iterable[str], timeout: float) -> Iterator[None]:
    """Hold exclusive locks on ``hosts`` (sorted, so two crawls never deadlock); wait up to
    ``timeout`` seconds for a crawl of the same host in another process to finish."""
    handles = []
    try:
        for host in sorted(set(hosts)):
            path = lock_path(data_dir, host)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            handles.append(fd)
            _acquire(fd, host, path, timeout)
        yield
    finally:
        for fd in handles:
            os.close(fd)  # closing releases the lock


def _acquire(fd: int, host: str, path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not waited:
                log.info("host %s is being crawled by another policywatch process; waiting", host)
                waited = True
            if time.monotonic() >= deadline:
                raise CrawlError(
                    f"host {host} is still being crawled by another policywatch process after {timeout:.0f} s "
                    f"(lock {path}); let that crawl finish or stop it, then try again"
                ) from None
            time.sleep(POLL_SECONDS)
