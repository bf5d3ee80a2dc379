"""Run sources' spiders in this process (``policywatch crawl``) or build the ``scrapy crawl`` command line."""

from __future__ import annotations

import sys

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from common.errors import ConfigError
from common.settings import Settings, SourceConfig
from crawlers.spiders.govcn import GovCnSpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.trs import TrsSpider
from crawlers.spiders.urls import UrlListSpider

SPIDERS = {"govcn": GovCnSpider, "trs": TrsSpider, "listing": ListingSpider, "urls": UrlListSpider}


def scrapy_settings(settings: Settings) -> ScrapySettings:
    """Scrapy settings from ``crawlers.settings`` with this instance's User-Agent and delay."""
    out = ScrapySettings()
    out.setmodule("crawlers.settings", priority="project")
    out.set("USER_AGENT", settings.user_agent, priority="cmdline")
    out.set("DOWNLOAD_DELAY", settings.download_delay, priority="cmdline")
    out.set("POLICYWATCH_SETTINGS", settings, priority="cmdline")
    return out


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
    process = CrawlerProcess(scrapy_settings(settings), install_root_handler=True)
    for src in sources:
        process.crawl(SPIDERS[src.kind], source=src.name)
    process.start()


def scrapy_command(settings: Settings, source: SourceConfig) -> list[str]:
    """The ``scrapy crawl`` command line the daemon runs for one source (env carries the config)."""
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        source.kind,
        "-a",
        f"source={source.name}",
        "-s",
        f"USER_AGENT={settings.user_agent}",
        "-s",
        "LOG_LEVEL=INFO",
    ]
