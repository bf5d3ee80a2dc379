"""Run sources' spiders in this process (``policywatch crawl``) or build the ``scrapy crawl`` command line."""

from __future__ import annotations

import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from common.errors import ConfigError
from common.settings import Settings, SourceConfig
from crawlers.base import PolicySpider
from crawlers.spiders.govcn import GovCnSpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.trs import TrsSpider
from crawlers.spiders.urls import UrlListSpider

SPIDERS: dict[str, type[PolicySpider]] = {
    "govcn": GovCnSpider,
    "trs": TrsSpider,
    "listing": ListingSpider,
    "wenming": ListingSpider,
    "urls": UrlListSpider,
}


def scrapy_settings(settings: Settings) -> ScrapySettings:
    """Scrapy settings from ``crawlers.settings`` with this instance's User-Agent and default delay."""
    out = ScrapySettings()
    out.setmodule("crawlers.settings", priority="project")
    out.set("USER_AGENT", settings.user_agent, priority="project")
    out.set("DOWNLOAD_DELAY", settings.download_delay, priority="project")
    out.set("POLICYWATCH_SETTINGS", settings, priority="cmdline")
    return out


def source_delay(settings: Settings, source: SourceConfig) -> float:
    """Seconds between requests to one host for this source (its override, else the default)."""
    return settings.download_delay if source.download_delay is None else source.download_delay


def spider_for(settings: Settings, source: SourceConfig) -> type[PolicySpider]:
    """The family spider of ``source`` with the source's politeness settings as spider settings."""
    base = SPIDERS[source.kind]
    custom = {**(base.custom_settings or {}), "DOWNLOAD_DELAY": source_delay(settings, source)}
    return type(f"{base.__name__}For{source.name.title().replace('-', '')}", (base,), {"custom_settings": custom})


def select_sources(settings: Settings, names: list[str]) -> list[SourceConfig]:
    """The named sources (all enabled ones when ``names`` is empty)."""
    if not names:
        chosen = [s for s in settings.sources if s.enabled]
        if not chosen:
            raise ConfigError(f"no sources configured in {settings.config_path}: add [[sources]] entries")
        return chosen
    return [settings.source(n) for n in names]


def crawl_in_process(settings: Settings, names: list[str]) -> None:
    """Crawl the sources concurrently in one Twisted reactor (once per process)."""
    sources = select_sources(settings, names)
    process = CrawlerProcess(scrapy_settings(settings))
    for src in sources:
        process.crawl(spider_for(settings, src), source=src.name)
    process.start()


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
        f"DOWNLOAD_DELAY={source_delay(settings, source)}",
        "-s",
        "LOG_LEVEL=INFO",
    ]
