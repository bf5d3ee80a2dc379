"""WARC output: every fetch is written as a request + response record (ISO 28500, via warcio).

Files rotate by size; each capture stores (file, offset, length) of its response record,
so it can be replayed with standard tools (pywb) or exported.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from common import clock

ROTATE_BYTES = 512 * 1024 * 1024


class WarcSink:
    """Appends gzip-per-record WARC files under ``directory``, starting a new file once one has
    reached ``rotate_bytes`` (a request/response pair never straddles two files)."""

    def __init__(self, directory: Path, prefix: str, rotate_bytes: int = ROTATE_BYTES) -> None:
        self.directory = directory
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.serial = 0
        self.stamp = clock.now().strftime("%Y%m%d%H%M%S")
        self._fh: BinaryIO | None = None  # the open file, until it reaches the rotation size
        directory.mkdir(parents=True, exist_ok=True)

    def _file(self) -> BinaryIO:
        if self._fh is not None and self._fh.tell() < self.rotate_bytes:
            return self._fh
        self.close()
        self._fh = self._path().open("ab")
        return self._fh

    def close(self) -> None:
        """Close the current file (the next write opens the next one)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _path(self) -> Path:
        while True:
            path = self.directory / f"{self.prefix}-{self.stamp}-{self.serial:05d}.warc.gz"
            if not path.exists() or path.stat().st_size < self.rotate_bytes:
                return path
            self.serial += 1

    def write(
        self,
        url: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
        request_headers: dict[str, str],
        protocol: str = "HTTP/1.1",
    ) -> tuple[str, int, int]:
        """Write a request and a response record; return (file name, offset, length) of the response.
        Both are flushed to the file before the capture that points to them is committed."""
        fh = self._file()
        writer = WARCWriter(fh, gzip=True)
        req_head = StatusAndHeaders(f"GET {url} {protocol}", list(request_headers.items()), is_http_request=True)
        writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(b""), http_headers=req_head))
        offset = fh.tell()
        resp_head = StatusAndHeaders(f"{status} {_reason(status)}", list(headers.items()), protocol=protocol)
        record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=resp_head)
        writer.write_record(record)
        length = fh.tell() - offset
        fh.flush()
        return Path(fh.name).name, offset, length


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
