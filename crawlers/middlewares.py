"""Downloader middlewares and handler: stop at bot walls, and send conditional GETs (documents and listings)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from store.repo import host_of

CHALLENGE_MARKERS = (b"$_ts", b"__jsl_clearance", b"acw_sc__v2", b"wzwschallenge")
WALL_STATUSES = (412, 521)
LISTING_REFRESH = timedelta(days=7)  # a listing page replayed from 304s is read in full at least this often


def is_bot_wall(status: int, body: bytes) -> bool:
    """True for a WAF challenge: HTTP 412/521, or a 200/403 page carrying challenge-script markers."""
    if status in WALL_STATUSES:
        return True
    head = body[:65536]
    return status in (200, 202, 403) and any(m in head for m in CHALLENGE_MARKERS) and len(body) < 200_000


def blocked_hosts(crawler: Crawler) -> set[str]:
    """The hosts that showed this run a bot wall (the spider's context's set, shared by reference)."""
    ctx = getattr(crawler.spider, "context", None)
    return ctx.blocked if ctx is not None else set()


class BotWallMiddleware:
    """Never try to pass a bot wall: once a host shows one, every further request to it is dropped.

    The walled response itself still reaches the spider so the pipeline records ``blocked``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BotWallMiddleware:
        """Scrapy factory."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Drop requests to a blocked host."""
        if host_of(request.url) in blocked_hosts(self.crawler):
            raise IgnoreRequest(f"host {host_of(request.url)} is blocked by a bot wall; not crawling it")


class WallAwareDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, which sees bot walls at the network's edge. A request passes the
    downloader middlewares when it is queued in its host's slot, and the slot sends the next one
    as soon as a download ends, before the middlewares see that response: so a challenge marks
    its host blocked here, the moment it arrives, and a request still queued for a blocked host
    is dropped here, the last moment before it would be sent. (The walled response itself goes on
    to the spider, which records ``blocked``.)"""

    async def download_request(self, request: Request) -> Response:
        """Send ``request`` unless its host is blocked; block the host if the answer is a wall."""
        blocked = blocked_hosts(self._crawler)
        host = host_of(request.url)
        if host in blocked:
            raise IgnoreRequest(f"host {host} showed a bot wall while this request waited; not sent")
        response = await super().download_request(request)
        if is_bot_wall(response.status, response.body):
            blocked.add(host)
        return response


class ConditionalGetMiddleware:
    """Send ``If-None-Match`` / ``If-Modified-Since`` from a document's or listing page's last 200."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        """Scrapy factory."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Add validators for known document URLs and for listing pages read before (both read
        once per run, into the re-check plan and the listing reads), and for attachments (passed
        in the request's meta)."""
        ctx: Any = getattr(self.crawler.spider, "context", None)
        if ctx is None or request.method != "GET" or not request.meta.get("conditional", True):
            return
        role = request.meta.get("role")
        if role == "detail":
            etag, last_modified = ctx.plan.validators.get(request.url, (None, None))
        elif role == "attachment":
            etag, last_modified = request.meta.get("validators") or (None, None)
        elif role == "listing" and request.url in ctx.listings:
            read = ctx.listings[request.url]
            if read.fetched_at is None or ctx.started_at - read.fetched_at > LISTING_REFRESH:
                return  # read in full now and then: a stale Last-Modified or a changed parser shows
            etag, last_modified = read.etag, read.last_modified
        else:
            return
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1", "replace"))
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1", "replace"))
