"""Scrapy settings: polite by default. Values that differ from Scrapy's defaults say so."""

BOT_NAME = "policywatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

ROBOTSTXT_OBEY = True  # default False; RFC 9309 via Protego
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # default 8: one connection per host
# default 100: Scrapy starts that many asyncio tasks for the output of *every* response (about a
# tenth of a first crawl's reactor time); a response here yields one item, responses still overlap
CONCURRENT_ITEMS = 2
DOWNLOAD_DELAY = 3.0  # default 0; overridden per source and by POLICYWATCH_DOWNLOAD_DELAY
POLICYWATCH_HOST_DELAY = 3.0  # the delay kept across processes in distributed mode
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % around the delay (replaces RANDOMIZE_DOWNLOAD_DELAY)
DOWNLOAD_TIMEOUT = 30  # default 180; the download_timeout setting overrides
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # default 1 GiB; page_max_mb overrides (attachments: attachment_max_mb)
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
COOKIES_ENABLED = False  # default True: never carry challenge cookies around
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # never 403, 412 or 521
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False  # default True: no remote console
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 remote control server: off
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = True
DUPEFILTER_DEBUG = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # before RobotsTxt (100) so a blocked host is not even asked for robots.txt again
    "crawlers.middlewares.BotWallMiddleware": 50,
    # then only official hosts (the source's own domain, gov.cn), before robots.txt is even asked
    "crawlers.politeness.OfficialHostMiddleware": 60,
    # after the default headers (400) so conditional GET headers are not overwritten
    "crawlers.middlewares.ConditionalGetMiddleware": 560,
    # redirects within the official domain only (replaces Scrapy's RedirectMiddleware at 600)
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawlers.politeness.OfficialRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawlers.politeness.OfficialMetaRefreshMiddleware": 580,
    # sees answers before RetryMiddleware (550) re-queues them: 429/5xx slow the host down
    "crawlers.politeness.BackoffMiddleware": 585,
    # decompression bombs recorded as refused downloads (replaces Scrapy's at the same place)
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawlers.limits.BoundedDecompressionMiddleware": 590,
    # distributed mode only (a no-op otherwise): the host's delay shared across crawl processes
    "crawlers.distributed.SharedHostMiddleware": 900,
}
# a request queued before its host showed a bot wall is dropped at the last moment, never sent
DOWNLOAD_HANDLERS = {
    "http": "crawlers.middlewares.WallAwareDownloadHandler",
    "https": "crawlers.middlewares.WallAwareDownloadHandler",
}
ITEM_PIPELINES = {"crawlers.pipelines.ArchivePipeline": 300}
