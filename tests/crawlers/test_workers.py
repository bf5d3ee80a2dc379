"""The processing pool for real: worker processes that die on a page do not take the crawl down,
and the page is archived raw (outcome ``unprocessable``), never analysed in the crawl process."""

from __future__ import annotations

import asyncio
import importlib
import sys
from datetime import UTC, datetime

from crawlers.items import FetchedPage
from crawlers.workers import Analyser
from processing.analyse import Analysis

# The worker function must be importable by name in the worker processes; it lives in a module
# of its own (a dependency installs a stray top-level ``tests`` package that could shadow ours).
HELPER = '''
import os
from processing.analyse import analyse

def dies_on_boom(body, ctype, url, status):
    """``analyse``, except that a worker given the body ``boom`` dies as on a native crash."""
    if body == b"boom":
        os._exit(3)
    return analyse(body, ctype, url, status)
'''


def _page(body: bytes) -> FetchedPage:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return FetchedPage("http://x.gov.cn/a.html", "http://x.gov.cn/a.html", 200, headers, body, datetime.now(UTC))


def test_a_page_killing_its_worker_comes_back_unanalysed_and_the_pool_recovers(tmp_path):
    (tmp_path / "pw_worker_crash.py").write_text(HELPER, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        helper = importlib.import_module("pw_worker_crash")
        pool = Analyser(1, fn=helper.dies_on_boom, start_method="spawn")  # spawn: workers get this sys.path

        async def run() -> tuple[Analysis, Analysis]:
            bad = await pool.analyse(_page(b"boom"))
            html = "<html><title>通知</title><p>各区人民政府：现将有关事项通知如下。</p></html>"
            good = await pool.analyse(_page(html.encode()))
            return bad, good

        try:
            bad, good = asyncio.run(run())
        finally:
            pool.close()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pw_worker_crash", None)
    assert bad.error and "died" in bad.error and bad.extracted is None and bad.raw_sha256
    assert good.error is None and good.extracted is not None and "通知如下" in good.extracted.text
