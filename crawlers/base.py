"""Base spider for every CMS family. A family spider only says how to read its listings.

Checklist for a new CMS family (``crawlers/spiders/<family>.py``):

- ``name``: the source ``kind`` it serves (``govcn``, ``trs``, ``listing``, ``urls``).
- ``detail_pattern``: regex a document URL matches (links elsewhere are ignored).
- ``listing_links(response)``: document URLs on a listing page, in page order
  (the default takes every ``<a href>`` matching ``detail_pattern``).
- ``canonical_url(url)``: the one URL of a document served under several forms (default:
  no fragment, lower-case scheme/host, no default port).
- ``next_pages(response)``: further listing pages (capped by ``max_pages``; hitting the
  cap marks the listing crawl partial, never "no more documents").
- Docstring terms: Issuer, Listing URL, Update frequency, Caveats.

Run one source with ``scrapy crawl <kind> -a source=<name>`` or ``policywatch crawl <name>``.
Known documents are re-checked on the adaptive schedule (``processing.recheck``): a listed
document is fetched when it is new, due, or its listing entry (title/date text) changed; a
document that vanished from a complete listing is fetched at the end of the run so the
``delisted``/``removed`` verdicts rest on a fresh check.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from common import clock
from crawlers.context import CrawlContext, join_run
from crawlers.distributed import Frontier, on_idle, start_heartbeat
from crawlers.gate import HostGate
from crawlers.items import FetchedAttachment, FetchedPage, ListingPage
from crawlers.limits import failure_message
from crawlers.middlewares import is_bot_wall
from crawlers.politeness import HostPaused, is_official_url
from store.attachments import AttachmentLink
from store.crawlbook import ListingRead, listed_in_run, urls_fetched_in_run
from store.db import transaction
from store.repo import cache_validators, host_of

# statuses handed to callbacks instead of being dropped (redirects are still followed)
HANDLED = [304, 400, 401, 403, 404, 410, 412, 429, 451, 500, 502, 503, 504, 521]


def header_dict(raw: Any) -> dict[str, str]:
    """Scrapy headers as a plain dict (last value of each, latin-1)."""
    out: dict[str, str] = {}
    for key, values in raw.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        val = values[-1] if isinstance(values, list) and values else values
        out[name] = val.decode("latin-1") if isinstance(val, bytes) else str(val)
    return out


def canonical_url(url: str) -> str:
    """``url`` without its fragment, with scheme and host in lower case and no default port."""
    parts = urlsplit(url.split("#", 1)[0])
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a malformed port: leave such a URL as it is
        return url.split("#", 1)[0]
    if port and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def attempted(failure: Failure) -> bool:
    """True when the failed request was a fetch worth recording: not one dropped on purpose before
    it was sent (robots.txt, a bot wall, an unofficial host: ``IgnoreRequest``), except a host
    that asked us to wait (``HostPaused``) and an HTTP error left after retries (``HttpError``)."""
    return bool(failure.check(HostPaused, HttpError)) or not failure.check(scrapy.exceptions.IgnoreRequest)


class PolicySpider(scrapy.Spider):
    """Crawl one configured source: its listings, every listed document, and every known document."""

    detail_pattern: ClassVar[str] = r"\.s?html?$"
    context: CrawlContext
    gate: HostGate[scrapy.Request]

    def __init__(self, source: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError(f"spider {self.name}: pass the source name, e.g. -a source=<name>")
        self.source_name = source
        self._detail_rx = re.compile(self.detail_pattern)
        self.listing_pages = 0
        self.listing_partial = False
        self._listing_seen: set[str] = set()
        self._listed_now: set[str] = set()
        self._requested: set[str] = set()
        self._attachments_requested: set[str] = set()
        self.vanish_checked = False
        self.finished = False
        self.frontier: Frontier | None = None  # distributed mode (crawlers.distributed)
        self.pages_shared = 0  # listing pages already added to the frontier's count

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PolicySpider:
        """Open the archive context and apply the source's politeness overrides."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.frontier, spider.context = join_run(spider.source_name, crawler.settings.get("POLICYWATCH_SETTINGS"))
        spider.gate = HostGate(spider.context.blocked, spider.detail_request)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        if spider.frontier is not None:
            crawler.signals.connect(spider._heartbeat, signal=signals.spider_opened)
            crawler.signals.connect(spider._heartbeat, signal=signals.spider_closed)
        crawler.signals.connect(spider._on_callback_error, signal=signals.spider_error)
        return spider

    def _heartbeat(self, signal: Any = None, **_: Any) -> None:
        """(Distributed mode) renew this worker's lease while the spider runs."""
        assert self.frontier is not None
        if signal is signals.spider_opened:
            self._beat = start_heartbeat(self.frontier)
        elif getattr(self, "_beat", None) is not None and self._beat.running:
            self._beat.stop()

    def _on_callback_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        """A listing callback that raised read only part of its page: the listing crawl is partial
        (Scrapy reports callback exceptions here, not to the request's errback)."""
        if response.meta.get("role") == "listing":
            self.listing_partial = True

    def _on_idle(self) -> None:
        """Idle means every request was handled: first re-check documents that vanished from the
        listings, then the run is finished rather than interrupted."""
        if self.frontier is not None:
            on_idle(self)  # distributed: the run is done when every process is
            return
        if not self.vanish_checked:
            self.vanish_checked = True
            requests = self.detail_requests(self.vanished())
            if requests:
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider
        self.finished = True

    def vanished(self) -> list[str]:
        """Documents listed last time but on no listing page of this (complete) listing crawl."""
        if self.listing_partial or not self.listing_pages:
            return []
        return sorted(self.context.plan.listed - self._listed_now - self._requested)

    def vanished_in_run(self, listing_pages: int) -> list[str]:
        """(Distributed mode) :meth:`vanished`, from what every process of the run recorded."""
        if self.listing_partial or not listing_pages:
            return []
        with transaction(self.context.sessions) as s:
            seen = listed_in_run(s, self.context.source_id, self.context.run_id)
            fetched = urls_fetched_in_run(s, self.context.run_id)
        return sorted(self.context.plan.listed - seen - fetched)

    def to_check(self, links: Iterable[str], entries: dict[str, str]) -> list[str]:
        """Of the documents on a listing, those to fetch now: unknown, due, back on the listing, or
        with a changed entry."""
        plan = self.context.plan
        out = []
        for url in links:
            self._listed_now.add(url)
            before, now = plan.entries.get(url), entries.get(url)
            changed = bool(before and now and before != now)
            back = url in plan.known and url not in plan.listed  # listed again: removed or delisted before
            if url not in plan.known or url in plan.due or changed or back:
                out.append(url)
        return out

    def listing_entries(self, response: Response, links: list[str]) -> dict[str, str]:
        """The visible text of each link's listing entry (its ``<li>``/``<tr>``: title and date)."""
        wanted = set(links)
        out: dict[str, str] = {}
        for anchor in response.css("a[href]"):
            url = self.canonical_url(response.urljoin((anchor.attrib.get("href") or "").strip()))
            if url not in wanted or url in out:
                continue
            row = anchor.xpath("ancestor::*[self::li or self::tr][1]")
            texts = (row or anchor).xpath(".//text()").getall()
            out[url] = " ".join(" ".join(texts).split())[:500]
        return out

    def room_for_listing_page(self) -> bool:
        """False (and the listing crawl partial, with a warning) once ``max_pages`` were requested."""
        if len(self._listing_seen) < self.max_pages:
            return True
        self.logger.warning("source %s: listing page cap %d hit; crawl is partial", self.source_name, self.max_pages)
        self.listing_partial = True
        return False

    @property
    def max_pages(self) -> int:
        """Listing page cap for this source."""
        return self.context.source.max_pages or self.context.settings.max_listing_pages

    async def start(self) -> AsyncIterator[Any]:
        """Listing pages first, then re-checks of every known document (in distributed mode, the
        leader's job: the others take requests from the shared queue)."""
        if self.frontier is not None and not self.frontier.leader:
            return
        for url in self.context.source.start_urls:
            if host_of(url) in self.context.blocked:
                self.logger.warning(
                    "source %s: %s sits behind a bot wall recorded earlier; not crawled "
                    "(after checking with the site, lift it with `policywatch unblock HOST`)",
                    self.source_name,
                    url,
                )
                self.listing_partial = True
                continue
            yield self.listing_request(url)
        for request in self.detail_requests(self.context.recheck_urls):
            yield request

    def listing_request(self, url: str, callback: Any = None) -> scrapy.Request:
        """A request for a listing page (``callback`` defaults to :meth:`parse_listing`)."""
        self._listing_seen.add(url)
        if self.frontier is not None:
            self.frontier.claim_listing(url)  # other processes will not request it again
        meta = {"role": "listing", "handle_httpstatus_list": HANDLED}
        return scrapy.Request(
            url, callback=callback or self.parse_listing, errback=self.on_listing_error, meta=meta, dont_filter=True
        )

    def detail_request(self, url: str, probe: bool = False) -> scrapy.Request:
        """A request for a document page (a probe is never dropped as a duplicate)."""
        meta = {"role": "detail", "handle_httpstatus_list": HANDLED, "probe": probe}
        return scrapy.Request(
            url, callback=self.parse_detail, errback=self.on_detail_error, meta=meta, dont_filter=probe
        )

    def attachment_request(self, link: AttachmentLink) -> scrapy.Request | None:
        """A request for an attachment, once per run, with the validators of its last good fetch
        and the size cap (``attachment_max_mb``); ``None`` when it was requested already."""
        if link.url in self._attachments_requested:
            return None
        self._attachments_requested.add(link.url)
        meta = {
            "role": "attachment", "handle_httpstatus_list": HANDLED, "link": link,
            "validators": (link.etag, link.last_modified),
            "download_maxsize": self.context.settings.attachment_max_mb * 1024 * 1024,
        }  # fmt: skip
        return scrapy.Request(link.url, callback=self.parse_attachment, errback=self.on_attachment_error, meta=meta)

    def parse_attachment(self, response: Response) -> Iterable[Any]:
        """Hand an attachment's raw response to the pipeline."""
        yield self._attachment(self._fetched(response), response.meta["link"])

    def on_attachment_error(self, failure: Failure) -> Iterable[Any]:
        """A failed attachment fetch (network, too large, paused host) is recorded, never a removal;
        one not sent on purpose (robots.txt, a bot wall met meanwhile) is not a fetch."""
        if not attempted(failure):
            return
        request = failure.request  # type: ignore[attr-defined]
        page = FetchedPage(request.url, request.url, 0, {}, b"", clock.now(), error=self._failure_message(failure))
        yield self._attachment(page, request.meta["link"])

    def _failure_message(self, failure: Failure) -> str:
        """What stopped a download (which limit, by its setting's name), for the capture."""
        settings, request = self.crawler.settings, failure.request  # type: ignore[attr-defined]
        return failure_message(
            failure, request, settings.getint("DOWNLOAD_MAXSIZE"), settings.getfloat("DOWNLOAD_TIMEOUT")
        )

    @staticmethod
    def _attachment(page: FetchedPage, link: AttachmentLink) -> FetchedAttachment:
        return FetchedAttachment(**vars(page), document_url=link.document_url, name=link.name, ext=link.ext)

    def detail_requests(self, urls: Iterable[str]) -> list[scrapy.Request]:
        """Document requests that may go out now (see :class:`crawlers.gate.HostGate`); a URL
        already requested in this run is not requested again (a host's probe bypasses the
        dupefilter, so the filter is here)."""
        urls = [u for u in dict.fromkeys(urls) if u not in self._requested]
        self._requested.update(urls)
        if self.frontier is not None:  # distributed: no per-process probe (another process may take it)
            return [self.detail_request(u) for u in urls if host_of(u) not in self.context.blocked]
        return self.gate.admit(urls)

    def is_detail_url(self, url: str) -> bool:
        """True when ``url`` looks like a document of this family on an official host (see
        :meth:`is_official`)."""
        return self.is_official(url) and bool(self._detail_rx.search(url.split("?", 1)[0]))

    def is_official(self, url: str) -> bool:
        """True for an http(s) URL on the source's own site (the domain of a start URL) or any
        ``gov.cn`` host: what a listing page or search API may send the crawler to."""
        context = getattr(self, "context", None)
        return is_official_url(url, context.source.start_urls if context is not None else ())

    def listing_links(self, response: Response) -> list[str]:
        """Document URLs on a listing page, in order, without duplicates."""
        seen: dict[str, None] = {}
        for href in response.css("a::attr(href)").getall():
            url = self.canonical_url(response.urljoin(href.strip()))
            if url.startswith("http") and self.is_detail_url(url):
                seen.setdefault(url, None)
        return list(seen)

    def canonical_url(self, url: str) -> str:
        """The one URL a document is archived under (see :func:`canonical_url`); a family whose
        documents answer at several URL forms maps them to one here."""
        return canonical_url(url)

    def next_pages(self, response: Response) -> Iterable[str] | None:
        """Further listing pages; none by default. ``None`` means the spider cannot tell how the
        listing continues, so the listing crawl is partial."""
        return ()

    def read_listing(self, response: Response) -> ListingRead | None:
        """What a listing page shows: parsed from a 200, replayed from the last read on a 304
        (the page is unchanged, so are its links, entries and pagination), else ``None``."""
        if response.status == 304:
            return self.context.listings.get(response.url)
        if response.status != 200:
            return None
        links = self.listing_links(response)
        nexts = self.next_pages(response)
        etag, modified = cache_validators(header_dict(response.headers))
        entries = self.listing_entries(response, links)
        return ListingRead(tuple(links), entries, tuple(nexts or ()), nexts is not None, etag, modified)

    def parse_listing(self, response: Response) -> Iterable[Any]:
        """Record what a listing shows, follow its documents and its pagination."""
        self.listing_pages += 1
        if is_bot_wall(response.status, response.body):
            self.listing_partial = True
            yield self._fetched(response)  # recorded like any capture: the pipeline marks the host blocked
            return
        read = self.read_listing(response)
        links = list(read.links) if read else []
        if not links or not (read and read.complete):  # an error or empty page says nothing of what exists
            self.listing_partial = True
        entries = read.entries if read else {}
        replayed = response.status == 304 and read is not None
        fetched = None if replayed else self._fetched(response)
        yield ListingPage(
            response.url, response.status, links, clock.now(), bool(links), entries, fetched, replayed, read
        )
        yield from self.detail_requests(self.to_check(links, entries))
        for url in read.next_pages if read else ():
            if url in self._listing_seen or (self.frontier is not None and not self.frontier.claim_listing(url)):
                continue
            if not self.room_for_listing_page():
                break
            yield self.listing_request(url)

    def parse_detail(self, response: Response) -> Iterable[Any]:
        """Hand the raw response to the pipeline; a probe's answer opens its host."""
        page = self._fetched(response)
        yield page
        yield from self.gate.answered(page.url)

    def _fetched(self, response: Response) -> FetchedPage:
        req_headers = header_dict(response.request.headers) if response.request else {}
        redirects = response.meta.get("redirect_urls") or [response.url]
        return FetchedPage(
            url=redirects[0],
            final_url=response.meta.get("offsite_redirect") or response.url,  # an off-domain redirect is not followed
            status=response.status,
            headers=header_dict(response.headers),
            body=response.body,
            fetched_at=clock.now(),
            request_headers=req_headers,
            protocol=str(response.protocol or "HTTP/1.1"),
        )

    def on_detail_error(self, failure: Failure) -> Iterable[Any]:
        """A network failure of a document URL is recorded (never as a deletion)."""
        request = failure.request  # type: ignore[attr-defined]
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        if attempted(failure):
            yield FetchedPage(url, request.url, 0, {}, b"", clock.now(), error=self._failure_message(failure))
        yield from self.gate.failed(url)

    def on_listing_error(self, failure: Failure) -> Iterable[Any]:
        """A listing that could not be read makes the listing crawl partial."""
        self.listing_partial = True
        if failure.check(scrapy.exceptions.IgnoreRequest):
            return
        request = failure.request  # type: ignore[attr-defined]
        yield ListingPage(request.url, 0, [], clock.now(), complete=False)
