"""Generic listing family driven by CSS selectors and a URL pattern from the source config.

Issuer: any site without a dedicated family spider (local 文明网, 信用 portals, small bureaus).
Listing URL: the source's ``start_urls``.
Update frequency: as configured per source.
Caveats: ``selectors.links`` (CSS for the document ``<a>`` elements, default ``a``),
  ``selectors.next`` (CSS for next-page ``<a>`` elements) and ``selectors.detail_pattern``
  (regex a document URL must match, default TRS-style ``tYYYYMMDD_id`` pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapy.http import Response

from crawlers.base import PolicySpider


class ListingSpider(PolicySpider):
    """Selector-configured listings (see module docstring)."""

    name = "listing"
    detail_pattern = r"/t\d{8}_\d+\.s?html?$"

    def is_detail_url(self, url: str) -> bool:
        """Use the source's ``detail_pattern`` selector when given."""
        pattern = self.context.source.selectors.get("detail_pattern")
        if pattern:
            return self.is_official(url) and bool(re.search(pattern, url.split("?", 1)[0]))
        return super().is_detail_url(url)

    def listing_links(self, response: Response) -> list[str]:
        """Links selected by ``selectors.links`` that match the detail pattern."""
        css = self.context.source.selectors.get("links", "a")
        hrefs = response.css(f"{css}::attr(href)").getall()
        urls = [self.canonical_url(response.urljoin(h.strip())) for h in hrefs]
        return list(dict.fromkeys(u for u in urls if u.startswith("http") and self.is_detail_url(u)))

    def next_pages(self, response: Response) -> Iterable[str] | None:
        """Links selected by ``selectors.next``.

        Without a ``next`` selector the spider cannot know it saw the whole listing, so the
        crawl is partial (no ``delisted`` verdicts); ``next = ""`` declares a one-page listing.
        """
        css = self.context.source.selectors.get("next")
        if css is None:
            return None
        if not css:
            return []
        return [response.urljoin(h.strip()) for h in response.css(f"{css}::attr(href)").getall()]
