"""One access log for every simulated server of a test session, for politeness as a suite-wide property.

When ``POLICYWATCH_SIM_ACCESS_LOG`` names a file, every sim server (the scenario web, the bulk and
family columns, the hostile site — in the test process or in a subprocess such as the demo)
appends one JSON line per answered request: its server, method, path, status, User-Agent, start
and end (wall clock), how many other requests of the same server were in flight when it started
(their clients still connected), whether the answer was a bot wall, and the body of robots.txt.
:func:`check` reads the file back and lists every breach of the crawler's politeness rules.
Without the variable nothing is recorded.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

ENV = "POLICYWATCH_SIM_ACCESS_LOG"
CRAWLER_UA = "policywatch/"
WALL_STATUSES = (412, 521)
WALL_MARKERS = (b"$_ts", b"__jsl_clearance", b"acw_sc__v2", b"wzwschallenge")
_LOCK = threading.Lock()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _write(line: dict[str, Any]) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)  # one write per line with O_APPEND: lines of several processes never interleave
        finally:
            os.close(fd)


class AccessLog:
    """The access log of one server, written by an aiohttp middleware."""

    def __init__(self, name: str) -> None:
        self.server = f"{name}-{uuid.uuid4().hex[:8]}"
        self._inflight: dict[int, web.Request] = {}

    def middleware(self) -> Any:
        """The aiohttp middleware that records each request of this server."""

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not os.environ.get(ENV):  # not recording: nothing to count or copy
                return await handler(request)
            live = sum(1 for r in self._inflight.values() if r.transport is not None and not r.transport.is_closing())
            self._inflight[id(request)] = request
            start = time.time()
            status, body = 599, b""
            try:
                response = await handler(request)
                status = response.status
                body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b""
                return response
            finally:
                del self._inflight[id(request)]
                self._log(request, status, body, start, live)

        return record

    def _log(self, request: web.Request, status: int, body: bytes, start: float, concurrent: int) -> None:
        line: dict[str, Any] = {
            "server": self.server, "method": request.method, "path": request.path_qs, "status": status,
            "ua": request.headers.get("User-Agent", ""), "start": start, "end": time.time(),
            "concurrent": concurrent,
            "wall": status in WALL_STATUSES or any(m in body[:65536] for m in WALL_MARKERS),
        }  # fmt: skip
        if request.path == "/robots.txt" and status == 200:
            line["robots"] = body.decode("utf-8", "replace")
        _write(line)


@dataclass
class Report:
    """What :func:`check` found."""

    requests: int = 0
    servers: int = 0
    walls: int = 0
    breaches: list[str] = field(default_factory=list)


def check(path: Path) -> Report:
    """Every crawler request in the log against the rules: nothing robots.txt disallows, no second
    request in flight to a server, nothing after a bot wall. Each server instance of the sim serves one
    test's archive, so a wall met by one crawl forbids requests by any later crawl of that server."""
    from protego import Protego

    report = Report()
    lines = [json.loads(raw) for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]
    by_server: dict[str, list[dict[str, Any]]] = {}
    for line in sorted(lines, key=lambda item: item["start"]):
        by_server.setdefault(line["server"], []).append(line)
    report.servers = len(by_server)
    for server, entries in by_server.items():
        robots, asked_robots = None, False
        walled_at: float | None = None
        for e in entries:
            if "robots" in e:
                robots = Protego.parse(e["robots"])
            if not e["ua"].startswith(CRAWLER_UA) or e["path"].startswith("/_sim/"):
                continue
            report.requests += 1
            where = f"{server} {e['method']} {e['path']} at {e['start']:.3f}"
            if e["path"] == "/robots.txt":
                asked_robots = True
            elif not asked_robots:
                report.breaches.append(f"before robots.txt was asked: {where}")
            elif robots is not None and not robots.can_fetch(e["path"], "policywatch"):
                report.breaches.append(f"robots.txt disallows {where}")
            if e["concurrent"]:
                report.breaches.append(f"{e['concurrent']} other request(s) in flight at {where}")
            if walled_at is not None and e["start"] >= walled_at:
                report.breaches.append(f"request after a bot wall: {where}")
            if e["wall"] and walled_at is None:
                report.walls += 1
                walled_at = e["end"]
    return report
