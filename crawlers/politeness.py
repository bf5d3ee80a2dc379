"""Downloader middlewares for politeness: back off when a host says it is overloaded, and do not
follow redirects that leave the official domain.

- :class:`BackoffMiddleware`: a 429 or 5xx answer doubles the host's delay (or sets it to the
  ``Retry-After`` the host asked for), up to :data:`MAX_DELAY`; each successful answer halves
  the extra delay again, down to the configured one. Retries (Scrapy's RetryMiddleware, never
  for 403/412/521) therefore go out slower, not faster. A host that asks for more than
  :data:`MAX_DELAY` (maintenance: ``Retry-After: 86400``) is left alone for the rest of the run:
  no retry, and its remaining pages are recorded as not requested (:class:`HostPaused`, a
  failure that is never a deletion) rather than fetched.
- :class:`OfficialRedirectMiddleware` and :class:`OfficialMetaRefreshMiddleware`: Scrapy's
  redirect and meta-refresh handling, except that a redirect to a host outside the official
  domain of the request (``*.gov.cn`` or the request's own registrable domain) is not
  followed; the answer reaches the spider with ``meta["offsite_redirect"]`` set, so it is
  recorded (outcome ``offsite_redirect``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

MAX_DELAY = 60.0
BACKOFF_STATUSES = (429, 500, 502, 503, 504)
_SECOND_LEVEL = ("gov", "org", "com", "net", "edu", "ac")


def registrable_domain(host: str) -> str:
    """The domain a site registered: ``www.beijing.gov.cn`` → ``beijing.gov.cn``,
    ``www.wenming.cn`` → ``wenming.cn`` (ports and case ignored)."""
    name = host.split(":", 1)[0].lower().strip(".")
    if name.replace(".", "").isdigit():
        return name  # an IP address is its own domain
    labels = name.split(".")
    if len(labels) >= 3 and labels[-1] == "cn" and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_official_redirect(source_url: str, target_url: str) -> bool:
    """True when following ``source_url`` → ``target_url`` stays official: the same registrable
    domain, or any ``gov.cn`` host."""
    src, dst = urlsplit(source_url).hostname or "", urlsplit(target_url).hostname or ""
    if not dst:
        return True  # a relative redirect
    return registrable_domain(src) == registrable_domain(dst) or dst == "gov.cn" or dst.endswith(".gov.cn")


def is_official_url(url: str, anchors: Iterable[str]) -> bool:
    """True for an http(s) URL on an official host: any ``gov.cn`` host, or the registrable domain
    of one of ``anchors`` (a source's start URLs). A listing page or search API names documents;
    only these hosts may it send the crawler to (never an intranet or cloud metadata address)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    return any(is_official_redirect(anchor, url) for anchor in anchors) or is_official_redirect("", url)


def retry_after(value: bytes | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (HTTP dates are ignored)."""
    try:
        return max(0.0, float(value.decode("latin-1").strip())) if value else None
    except ValueError:
        return None


class OfficialHostMiddleware:
    """Every request — listing pages and their pagination, documents, attachments, a Hanweb data
    proxy — must go to an official host of its source (:func:`is_official_url`): the one place that
    keeps a hostile listing or API from sending the crawler into an intranet (SSRF)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OfficialHostMiddleware:
        """Scrapy factory."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Drop a request to any other host."""
        ctx = getattr(self.crawler.spider, "context", None)
        if ctx is not None and not is_official_url(request.url, ctx.source.start_urls):
            raise IgnoreRequest(f"{request.url} is not on an official host of source {ctx.source.name}; not crawled")


class HostPaused(IgnoreRequest):
    """A request not sent because its host asked us to stay away for longer than this run."""


class BackoffMiddleware:
    """Slow down on 429/5xx, recover on success (see module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.base: dict[str, float] = {}
        self.paused: dict[str, float] = {}  # host -> seconds it asked us to wait

    def process_request(self, request: Request) -> None:
        """Do not send requests to a host that asked for a long pause."""
        host = urlsplit(request.url).netloc
        if host in self.paused:
            raise HostPaused(f"{host} asked to be left alone for {self.paused[host]:.0f} s (Retry-After)")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        """Scrapy factory."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        """Adjust the host's delay from this answer."""
        engine: Any = self.crawler.engine
        if engine is None:
            return response
        key = engine.downloader.get_slot_key(request)
        slot = engine.downloader.slots.get(key)
        if slot is None:
            return response
        base = self.base.setdefault(key, slot.delay)
        if response.status in BACKOFF_STATUSES:
            asked = retry_after(response.headers.get(b"Retry-After"))
            if asked is not None and asked > MAX_DELAY:
                self.paused[urlsplit(request.url).netloc] = asked
                request.meta["dont_retry"] = True
                return response
            # Retry-After is a minimum: the slot's jitter may shorten a gap to (1 - jitter) × delay
            floor = (asked or 0.0) / max(0.1, 1.0 - getattr(slot, "jitter", 0.0))
            slot.delay = min(MAX_DELAY, max(floor, slot.delay * 2, base, 1.0))
            spider: Any = self.crawler.spider
            spider.logger.warning(
                "%s answered %d: waiting %.1f s between its requests", urlsplit(request.url).netloc,
                response.status, slot.delay,
            )  # fmt: skip
        elif slot.delay > base:
            slot.delay = max(base, slot.delay / 2)
        return response


class OfficialRedirectMiddleware(RedirectMiddleware):
    """Follow redirects within the official domain only (see module docstring)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Hand an off-domain redirect to the spider instead of following it."""
        location = response.headers.get(b"Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            target = urljoin(request.url, location.decode("latin-1"))
            if not is_official_redirect(request.url, target):
                request.meta["offsite_redirect"] = target  # the response's meta once it reaches the spider
                handled = [*request.meta.get("handle_httpstatus_list", []), response.status]
                request.meta["handle_httpstatus_list"] = handled
                return response
        return super().process_response(request, response)


class OfficialMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Follow ``<meta http-equiv="refresh">`` within the official domain only (see module docstring)."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Hand a refresh to another domain to the spider instead of following it."""
        result = super().process_response(request, response)
        if isinstance(result, Request) and not is_official_redirect(request.url, result.url):
            request.meta["offsite_redirect"] = result.url
            return response
        return result
