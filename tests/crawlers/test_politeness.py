"""Politeness settings reach Scrapy: honest User-Agent, per-source delay, robots, no telnet."""

from common.settings import Settings, SourceConfig
from crawlers.run import scrapy_command, scrapy_settings, spider_for
from crawlers.spiders.trs import TrsSpider, trs_pages

SRC = SourceConfig("slow-site", "trs", ("http://127.0.0.1:1/xxgk/index.html",), download_delay=7.5)
DEFAULT = SourceConfig("plain-site", "trs", ("http://127.0.0.1:1/xxgk/index.html",))
SETTINGS = Settings(download_delay=3.0, contact_email="ops@example.org", sources=(SRC, DEFAULT))


def _effective(source: SourceConfig):
    """Settings as Scrapy merges them for the spider (spider settings over project settings)."""
    merged = scrapy_settings(SETTINGS).copy()
    spider_for(SETTINGS, source).update_settings(merged)
    return merged


def test_per_source_delay_and_defaults_reach_the_crawler():
    slow, plain = _effective(SRC), _effective(DEFAULT)
    assert slow.getfloat("DOWNLOAD_DELAY") == 7.5 and plain.getfloat("DOWNLOAD_DELAY") == 3.0
    for s in (slow, plain):
        assert s.getbool("ROBOTSTXT_OBEY") and s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
        assert not s.getbool("TELNETCONSOLE_ENABLED") and not s.getbool("COOKIES_ENABLED")
        assert "ops@example.org" in s.get("USER_AGENT") and "Mozilla" not in s.get("USER_AGENT")
        assert 403 not in s.getlist("RETRY_HTTP_CODES") and 412 not in s.getlist("RETRY_HTTP_CODES")
    assert issubclass(spider_for(SETTINGS, SRC), TrsSpider)


def test_daemon_command_carries_delay_user_agent_and_download_limits():
    cmd = scrapy_command(SETTINGS, SRC)
    assert cmd[1:5] == ["-m", "scrapy", "crawl", "trs"] and "source=slow-site" in cmd
    assert "DOWNLOAD_DELAY=7.5" in cmd and any(a.startswith("USER_AGENT=policywatch/") for a in cmd)
    tight = Settings(page_max_mb=3, download_timeout=4.5, sources=(SRC,))
    cmd = scrapy_command(tight, SRC)
    assert {f"DOWNLOAD_MAXSIZE={3 * 1024 * 1024}", "DOWNLOAD_TIMEOUT=4.5"} <= set(cmd)
    merged = scrapy_settings(tight)  # the same limits for `policywatch crawl`
    assert merged.getint("DOWNLOAD_MAXSIZE") == 3 * 1024 * 1024 and merged.getfloat("DOWNLOAD_TIMEOUT") == 4.5


def test_wenming_kind_runs_the_listing_spider():
    src = SourceConfig("wm", "wenming", ("http://127.0.0.1:1/wmcj/index.shtml",))
    assert scrapy_command(SETTINGS, src)[4] == "listing"


def test_trs_pagination_both_signatures():
    assert trs_pages('createPageHTML(3, 0, "index", "html");') == ["index_1.html", "index_2.html"]
    assert trs_pages("createPageHTML('paging', 3, 1, 'index', 'shtml', 45);") == ["index_2.shtml", "index_3.shtml"]
    assert trs_pages("no pagination here") == []
