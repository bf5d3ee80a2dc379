"""The HTTP side of the simulated web: four aiohttp sites in a background thread.

Per request, in this order: ``/_sim/`` control endpoints (never blocked), the site's
outage (503 on everything), the intermittent page (500 on odd-numbered requests), the
page from :class:`sim.sites.SiteRenderer`, the slow sleep, then ETag/Last-Modified and
304 handling (``If-None-Match`` wins over ``If-Modified-Since``, as in RFC 9110).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType

from aiohttp import web
from multidict import CIMultiDict

from sim.accesslog import AccessLog
from sim.model import LAST_DAY, SITES, ExpectedEvent, TruthEvent, default_origins
from sim.scenario import Scenario, build_scenario, expected_events
from sim.sites import Page, SiteRenderer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _http_date(page: Page) -> str | None:
    if page.last_modified is None:
        return None
    return format_datetime(page.last_modified.astimezone(UTC), usegmt=True)


def _not_modified(request: web.Request, etag: str, page: Page) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip() for t in inm.split(",")}
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and page.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return since >= page.last_modified.replace(microsecond=0)
    return False


class SimWeb:
    """The four simulated sites, served on localhost from a background thread.

    ``base_port=0`` picks four free ports (not necessarily consecutive); otherwise site
    ``i`` listens on ``base_port + i``. ``requests_log`` records ``(site, method, path,
    status)`` for every request served, so tests can check politeness (robots.txt);
    ``timings`` records ``(site, path, start, end)`` (``time.monotonic``) for per-host
    concurrency and delay checks.
    """

    def __init__(
        self,
        base_port: int = 0,
        seed: int = 42,
        day: int = 0,
        host: str = "127.0.0.1",
        scenario: Scenario | None = None,
        slow_seconds: float = 1.5,
    ) -> None:
        """Build the scenario (or use ``scenario``); nothing listens until :meth:`start`."""
        self.seed = seed
        self.host = host
        self.base_port = base_port
        self.scenario = scenario if scenario is not None else build_scenario(seed)
        self.slow_seconds = slow_seconds
        self.requests_log: list[tuple[str, str, str, int]] = []
        self.timings: list[tuple[str, str, float, float]] = []
        self._day = day
        self._hits: dict[tuple[str, str], int] = {}
        self._sockets: dict[str, socket.socket] = {}
        self._origins: dict[str, str] = {}
        self._renderer: SiteRenderer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.AppRunner] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.access = {key: AccessLog(f"sim-{key}") for key in SITES}  # the suite-wide log (sim.accesslog)

    # -- public API ------------------------------------------------------------------------

    @property
    def day(self) -> int:
        """The current sim day."""
        return self._day

    def set_day(self, day: int) -> None:
        """Move the clock of all four sites to ``day`` (>= 0; days after LAST_DAY keep its state)."""
        if day < 0:
            raise ValueError(f"day must be >= 0, got {day}")
        self._day = day

    @property
    def origins(self) -> dict[str, str]:
        """``{site key: "http://127.0.0.1:PORT"}`` (kept after :meth:`stop`, for scoring)."""
        if self._origins:
            return dict(self._origins)
        if self.base_port:
            return default_origins(self.base_port, self.host)
        raise RuntimeError("with base_port=0 the ports are chosen by start(): call it first")

    def site_url(self, key: str) -> str:
        """The origin of site ``key`` (``govcn``, ``trs``, ``wenming`` or ``credit``)."""
        return self.origins[key]

    def truth(self) -> list[TruthEvent]:
        """The ground truth with absolute URLs on the bound ports."""
        return self.scenario.truth(self.origins)

    def expected(self, last_day: int = LAST_DAY) -> list[ExpectedEvent]:
        """What a correct daily crawler reports on days 0..``last_day`` (default thresholds)."""
        return expected_events(self.truth(), last_day)

    def start(self) -> None:
        """Bind the four ports and serve them from a background thread (returns when ready)."""
        if self._thread is not None:
            raise RuntimeError("SimWeb already started")
        try:
            for i, key in enumerate(SITES):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.base_port + i if self.base_port else 0))
                sock.listen(128)
                sock.setblocking(False)
                self._sockets[key] = sock
        except OSError:
            self._close_sockets()
            raise
        self._origins = {key: f"http://{self.host}:{sock.getsockname()[1]}" for key, sock in self._sockets.items()}
        self._renderer = SiteRenderer(self.scenario, self._origins, self.slow_seconds)
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="policywatch-sim", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self.stop()
            raise RuntimeError("the simulated web failed to start") from self._error

    def stop(self) -> None:
        """Stop serving, close the ports and join the thread (safe to call twice)."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._close_sockets()

    def __enter__(self) -> SimWeb:
        """Start on entering a ``with`` block."""
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop on leaving a ``with`` block."""
        self.stop()

    # -- serving ---------------------------------------------------------------------------

    def _close_sockets(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        self._sockets = {}

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._setup())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._teardown())
            loop.close()

    async def _setup(self) -> None:
        for key, sock in self._sockets.items():
            app = web.Application(middlewares=[self.access[key].middleware()])
            app.router.add_route("*", "/{tail:.*}", self._handler_for(key))
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            await web.SockSite(runner, sock).start()
            self._runners.append(runner)

    async def _teardown(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []

    def _handler_for(self, site: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            """Answer one request of ``site`` and log it (with its start and end on the monotonic clock)."""
            start = time.monotonic()
            response = await self._respond(site, request)
            self.requests_log.append((site, request.method, request.path, response.status))
            self.timings.append((site, request.path, start, time.monotonic()))
            return response

        return handle

    async def _respond(self, site: str, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_sim/"):
            return self._control(request)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, text="Method Not Allowed", headers={"Allow": "GET, HEAD"})
        day = self._day
        if day in self.scenario.outages.get(site, frozenset()):
            return web.Response(
                status=503, text="503 Service Temporarily Unavailable", headers={"Retry-After": "86400"}
            )
        assert self._renderer is not None
        page = self._renderer.resolve(site, path, dict(request.query), day)
        if page.quirk == "intermittent":
            count = self._hits.get((site, path), 0) + 1
            self._hits[(site, path)] = count
            if count % 2 == 1:
                return web.Response(status=500, text="500 Internal Server Error")
        if page.delay:
            await asyncio.sleep(page.delay)
        headers: CIMultiDict[str] = CIMultiDict(page.headers)
        headers["Content-Type"] = page.content_type
        if page.status != 200:
            return web.Response(status=page.status, body=page.body, headers=headers)
        etag = '"' + hashlib.sha1(page.body).hexdigest() + '"'  # noqa: S324 - an ETag, not security
        headers["ETag"] = etag
        last_modified = _http_date(page)
        if last_modified:
            headers["Last-Modified"] = last_modified
        if _not_modified(request, etag, page):
            del headers["Content-Type"]
            return web.Response(status=304, headers=headers)
        return web.Response(status=200, body=page.body, headers=headers)

    def _control(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and len(parts) == 3 and parts[1] == "day" and parts[2].isdigit():
            self.set_day(int(parts[2]))
            return web.json_response({"day": self._day})
        if request.method == "GET" and parts[1:] == ["day"]:
            return web.json_response({"day": self._day, "last_day": LAST_DAY})
        if request.method == "GET" and parts[1:] == ["truth"]:
            body = json.dumps([e.as_json() for e in self.truth()], ensure_ascii=False)
            return web.Response(text=body, content_type="application/json")
        if request.method == "GET" and parts[1:] == ["expected"]:
            rows = [{"day": e.day, "kind": e.kind, "url": e.url} for e in self.expected()]
            return web.Response(text=json.dumps(rows, ensure_ascii=False), content_type="application/json")
        return web.Response(status=404, text="unknown control endpoint")


def serve_forever(port: int = 8800, day: int = 0, seed: int = 42) -> None:
    """Serve the four sites on ``port``..``port+3`` until interrupted (``policywatch sim serve``)."""
    web_ = SimWeb(base_port=port, seed=seed, day=day)
    web_.start()
    for key in SITES:
        print(f"{key:8} {web_.site_url(key)}", flush=True)
    print(f"day {day}; POST /_sim/day/<N> on any site changes it; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        web_.stop()
