"""The processing pool for real: worker processes that die on a page do not take the crawl down,
and the page is archived raw (outcome ``unprocessable``), never analysed in the crawl process."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

from crawlers.items import FetchedPage
from crawlers.workers import Analyser
from processing.analyse import Analysis, analyse


def dies_on_boom(body: bytes, ctype: str | None, url: str, status: int) -> Analysis:
    """``analyse``, except that a worker given the body ``boom`` dies as on a native crash."""
    if body == b"boom":
        os._exit(3)
    return analyse(body, ctype, url, status)


def _page(body: bytes) -> FetchedPage:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return FetchedPage("http://x.gov.cn/a.html", "http://x.gov.cn/a.html", 200, headers, body, datetime.now(UTC))


def test_a_page_killing_its_worker_comes_back_unanalysed_and_the_pool_recovers():
    pool = Analyser(1, fn=dies_on_boom)

    async def run() -> tuple[Analysis, Analysis]:
        bad = await pool.analyse(_page(b"boom"))
        good = await pool.analyse(
            _page("<html><title>通知</title><p>各区人民政府：现将有关事项通知如下。</p></html>".encode())
        )
        return bad, good

    try:
        bad, good = asyncio.run(run())
    finally:
        pool.close()
    assert bad.error and "died" in bad.error and bad.extracted is None and bad.raw_sha256
    assert good.error is None and good.extracted is not None and "通知如下" in good.extracted.text
