"""Run sources' spiders in this process (``policywatch crawl``) or build the ``scrapy crawl`` command line."""

from __future__ import annotations

import sys
from collections.abc import Generator
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from twisted.internet import defer

from common.errors import ConfigError, CrawlError, PolicywatchError
from common.settings import Settings, SourceConfig
from crawlers.base import PolicySpider
from crawlers.hostlock import host_locks
from crawlers.spiders.gkmlpt import GkmlptSpider
from crawlers.spiders.govcn import GovCnSpider
from crawlers.spiders.hanweb import HanwebSpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.trs import TrsSpider
from crawlers.spiders.urls import UrlListSpider
from store.repo import host_of

SPIDERS: dict[str, type[PolicySpider]] = {
    "govcn": GovCnSpider,
    "trs": TrsSpider,
    "hanweb": HanwebSpider,
    "gkmlpt": GkmlptSpider,
    "listing": ListingSpider,
    "wenming": ListingSpider,
    "urls": UrlListSpider,
}


def scrapy_settings(settings: Settings) -> ScrapySettings:
    """Scrapy settings from ``crawlers.settings`` with this instance's User-Agent and default delay."""
    out = ScrapySettings()
    out.setmodule("crawlers.settings", priority="project")
    out.set("USER_AGENT", settings.user_agent, priority="project")
    out.set("DOWNLOAD_DELAY", max(MIN_DELAY, settings.download_delay), priority="project")
    for name, value in download_limits(settings).items():
        out.set(name, value, priority="project")
    out.set("POLICYWATCH_SETTINGS", settings, priority="cmdline")
    if settings.redis_url:  # distributed mode: one frontier and one politeness state for all processes
        out.set("SCHEDULER", "crawlers.distributed.SharedScheduler", priority="project")
    return out


# Scrapy 2.19 starts every queued request of a slot at once when its delay is exactly 0 (the
# transfer is registered only when the scheduled coroutine runs, so CONCURRENT_REQUESTS_PER_DOMAIN
# is not enforced); any positive delay makes it start one at a time. Found with the sim's timings
# (tests/crawlers/test_hostlock.py); a configured 0 therefore means this floor.
MIN_DELAY = 0.001


def source_delay(settings: Settings, source: SourceConfig) -> float:
    """Seconds between requests to one host for this source (its override, else the default)."""
    delay = settings.download_delay if source.download_delay is None else source.download_delay
    return max(MIN_DELAY, delay)


def spider_for(settings: Settings, source: SourceConfig) -> type[PolicySpider]:
    """The family spider of ``source`` with the source's politeness settings as spider settings."""
    base = SPIDERS[source.kind]
    delay = source_delay(settings, source)
    # distributed mode: the delay is kept by crawlers.distributed.SharedHostMiddleware across processes
    own = MIN_DELAY if settings.redis_url else delay
    custom = {**(base.custom_settings or {}), "DOWNLOAD_DELAY": own, "POLICYWATCH_HOST_DELAY": delay}
    return type(f"{base.__name__}For{source.name.title().replace('-', '')}", (base,), {"custom_settings": custom})


def select_sources(settings: Settings, names: list[str]) -> list[SourceConfig]:
    """The named sources (all enabled ones when ``names`` is empty)."""
    if not names:
        chosen = [s for s in settings.sources if s.enabled]
        if not chosen:
            raise ConfigError(f"no sources configured in {settings.config_path}: add [[sources]] entries")
        return chosen
    return [settings.source(n) for n in names]


def hosts_of(source: SourceConfig) -> set[str]:
    """The hosts (``host:port``) a source's crawl starts from."""
    urls = [*source.start_urls, *([source.search_api] if source.search_api else [])]
    return {host for host in map(host_of, urls) if host}


def host_groups(sources: list[SourceConfig]) -> list[list[SourceConfig]]:
    """Sources split into groups that share no host; within a group they run one after another."""
    groups: list[tuple[set[str], list[SourceConfig]]] = []
    for src in sources:
        hosts = hosts_of(src)
        touching = [g for g in groups if g[0] & hosts]
        merged_hosts, merged = set(hosts), []
        for g in touching:
            merged_hosts |= g[0]
            merged += g[1]
            groups.remove(g)
        groups.append((merged_hosts, [*merged, src]))
    return [members for _, members in groups]


def crawl_in_process(settings: Settings, names: list[str]) -> None:
    """Crawl the sources in one Twisted reactor: sources on different hosts concurrently, sources
    sharing a host one after another (one connection per host), holding the hosts' locks.
    A source that cannot start does not stop the others; its error is raised at the end."""
    sources = select_sources(settings, names)
    hosts = set().union(*(hosts_of(s) for s in sources))
    failures: list[tuple[str, BaseException]] = []
    # distributed mode shares per-host slots in Redis instead of holding this machine's host locks
    with host_locks(settings.data_dir, set() if settings.redis_url else hosts, timeout=settings.crawl_timeout):
        process = CrawlerProcess(scrapy_settings(settings))

        @defer.inlineCallbacks
        def run_group(group: list[SourceConfig]) -> Generator[Any, Any, None]:
            for src in group:
                try:
                    yield process.crawl(spider_for(settings, src), source=src.name)
                except Exception as exc:
                    failures.append((src.name, exc))

        done = defer.DeferredList([run_group(g) for g in host_groups(sources)], consumeErrors=True)
        if not done.called:  # nothing started (every source failed at once): no reactor to run
            done.addBoth(lambda _: _stop())
            process.start(stop_after_crawl=False)
    _raise_failures(failures)


def _raise_failures(failures: list[tuple[str, BaseException]]) -> None:
    if len(failures) == 1 and isinstance(failures[0][1], PolicywatchError):
        raise failures[0][1]
    if failures:
        detail = "; ".join(f"{name}: {exc}" for name, exc in failures)
        raise CrawlError(f"{len(failures)} source(s) could not be crawled — {detail}")


def _stop() -> None:
    from twisted.internet import reactor

    running: Any = reactor  # the installed asyncio reactor; its interface is not typed
    if running.running:
        running.stop()


def download_limits(settings: Settings) -> dict[str, int | float]:
    """Scrapy's size and time limits from ``page_max_mb`` and ``download_timeout`` (attachments
    carry their own size limit, ``attachment_max_mb``, on each request)."""
    return {
        "DOWNLOAD_MAXSIZE": settings.page_max_mb * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": min(10, settings.page_max_mb) * 1024 * 1024,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
    }


def scrapy_command(settings: Settings, source: SourceConfig) -> list[str]:
    """The ``scrapy crawl`` command line the daemon runs for one source (env carries the config)."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        SPIDERS[source.kind].name,
        "-a",
        f"source={source.name}",
        "-s",
        f"USER_AGENT={settings.user_agent}",
        "-s",
        f"DOWNLOAD_DELAY={MIN_DELAY if settings.redis_url else source_delay(settings, source)}",
        "-s",
        f"POLICYWATCH_HOST_DELAY={source_delay(settings, source)}",
        "-s",
        "LOG_LEVEL=INFO",
        *[arg for name, value in download_limits(settings).items() for arg in ("-s", f"{name}={value}")],
        *(["-s", "SCHEDULER=crawlers.distributed.SharedScheduler"] if settings.redis_url else []),
    ]
