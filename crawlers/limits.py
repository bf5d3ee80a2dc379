"""Bounded downloads: what a hostile or broken server can make the crawler hold, and how a
refused download is recorded.

Three limits keep a crawl's memory flat whatever a server sends: ``page_max_mb`` for pages
(``DOWNLOAD_MAXSIZE``; a larger Content-Length is refused before the body, an endless chunked
body is cut off once it passes the limit), ``attachment_max_mb`` per attachment request, and the
same limits on what a gzip/deflate/brotli body unpacks to (a decompression bomb is stopped while
it unpacks). ``download_timeout`` bounds the time of one download in all, so a server trickling a
byte a second (slowloris) is cut off too. Each refusal is recorded as a failed fetch of that URL
with a message saying which limit stopped it; the crawl goes on.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure


class UnpackedTooLarge(Exception):
    """A compressed body unpacked to more than the download's size limit (a decompression bomb)."""


class BoundedDecompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, whose size guard (an ``IgnoreRequest``, which errbacks treat as "not
    fetched on purpose") is turned into :class:`UnpackedTooLarge`, so the refusal is recorded."""

    def process_response(self, request: Request, response: Response, spider: object = None) -> Request | Response:
        """Decompress ``response``; raise :class:`UnpackedTooLarge` past the size limit."""
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # raised only by its max-size guard
            encoding = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
            limit = request.meta.get("download_maxsize", self._max_size)
            raise UnpackedTooLarge(
                f"refused: the {encoding} body ({len(response.body)} bytes) unpacks to more than the "
                f"limit of {limit} bytes (decompression bomb?); not archived"
            ) from exc


def failure_message(failure: Failure, request: Request, default_maxsize: int, timeout: float) -> str:
    """What stopped a download, for the capture's ``error``: the limit and its setting by name."""
    value = failure.value
    maxsize = request.meta.get("download_maxsize", default_maxsize)
    setting = "attachment_max_mb" if request.meta.get("role") == "attachment" else "page_max_mb"
    if isinstance(value, UnpackedTooLarge):
        return str(value)
    if isinstance(value, DownloadCancelledError):
        return f"refused: the answer is larger than {maxsize} bytes ({setting}) or never ends; not archived"
    if isinstance(value, DownloadTimeoutError):
        return f"timed out: no complete answer within {timeout:g} s (download_timeout); not archived"
    return repr(value)[:500]
