"""Plain URL list: the source's ``start_urls`` are document pages, re-checked on the adaptive schedule.

Issuer: whoever issued each listed document (hand-picked pages a researcher wants watched).
Listing URL: none — the config lists the documents.
Update frequency: as configured.
Caveats: no listing, so ``delisted`` never applies; removals are found by re-checking.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from crawlers.base import PolicySpider


class UrlListSpider(PolicySpider):
    """Watch a fixed list of document URLs (see module docstring)."""

    name = "urls"
    detail_pattern = r"."

    async def start(self) -> AsyncIterator[Any]:
        """Configured URLs not yet in the archive and every known document due for a check."""
        known = self.context.plan.known
        fresh = [u for u in self.context.source.start_urls if u not in known]
        urls = dict.fromkeys([*fresh, *self.context.recheck_urls])
        for request in self.detail_requests(urls):
            yield request
