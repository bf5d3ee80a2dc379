"""Distributed mode: N crawl processes (on N machines) share one run of a source.

With ``redis_url`` set (env ``POLICYWATCH_REDIS_URL``) every ``policywatch crawl SOURCE`` joins
the source's current run through Redis (scrapy-redis underneath):

- **One leader per run.** The first process takes ``policywatch:<source>:leader`` (``SET NX``
  with a TTL its heartbeat renews), starts the run in the archive, publishes its id and seeds
  the frontier (listing pages, due re-checks). Processes that find a leader join its run.
- **One frontier.** Requests go to a shared priority queue and a shared dupefilter, so each URL
  is fetched once per run, by whichever process pops it. Popping a request also marks the
  popping worker busy, in one atomic step (Lua), so "queue empty and nobody busy" means done.
- **Shared politeness.** Each host's last send time is kept in Redis and claimed atomically just
  before a download: the processes together never exceed one request per ``download_delay``
  per host. A bot wall seen by one process stops
  every process from requesting that host.
- **One verdict.** Only the leader settles the run (deletions, delisting): it waits until the
  queue is empty and every other worker is idle, re-checks documents that vanished from the
  listings, ends the run (followers then exit and add their counters), and reconciles from the
  run's captures in the archive, not from its own memory.

All processes write to one archive, which must be PostgreSQL (SQLite is a single-machine file).
A follower that dies loses only its in-flight requests: those documents stay due and are
fetched by the next run. A leader that dies leaves its run unfinished; followers notice its
lease expiring and stop.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections import Counter
from typing import Any

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from common.errors import ConfigError
from common.settings import load_settings
from crawlers.middlewares import is_bot_wall
from store.repo import host_of

LEADER_TTL = 30  # seconds a leader's lease lasts without a heartbeat
WORKER_TTL = 30  # seconds a worker counts as alive without a heartbeat
HEARTBEAT = 5.0
JOIN_TIMEOUT = 60.0  # how long a process waits for a leader to publish its run
RUN_KEYS = ("requests", "seen", "listings", "partial", "pages", "stats")

_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('SET', KEYS[2], 'busy', 'EX', ARGV[1])
return r[1]
"""
_ELECT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('DEL', KEYS[2], KEYS[3])
  return 1
end
return 0
"""
_BUSY = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 1 end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if m ~= ARGV[2] and redis.call('GET', ARGV[1] .. m) == 'busy' then return 1 end
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1]) - now
if wait > 0 then return tostring(wait) end
redis.call('SET', KEYS[1], tostring(now), 'PX', math.ceil(tonumber(ARGV[1]) * 1000 + 60000))
return '0'
"""


def require_server_archive(database_url: str) -> None:
    """Distributed crawls write from several machines: the archive must be a server database."""
    if database_url.startswith("sqlite"):
        raise ConfigError(
            "distributed mode (POLICYWATCH_REDIS_URL is set) needs a PostgreSQL archive: "
            "set database_url = postgresql+psycopg://… on every crawl machine, or unset redis_url"
        )


class Frontier:
    """This process's handle on the shared state of one source's run (see module docstring)."""

    def __init__(self, url: str, source: str, worker: str | None = None) -> None:
        self.redis = redis.Redis.from_url(url)
        try:
            self.redis.ping()
        except redis.RedisError as exc:
            raise ConfigError(
                f"distributed mode: cannot reach Redis at {url} ({exc}); start it or unset redis_url"
            ) from exc
        self.source = source
        self.worker = worker or f"{socket.gethostname()}-{os.getpid()}"
        self.leader = False
        self.run_id: int | None = None
        self._pop = self.redis.register_script(_POP)
        self._claim = self.redis.register_script(_CLAIM)
        self._elect = self.redis.register_script(_ELECT)
        self._busy = self.redis.register_script(_BUSY)
        self._release = self.redis.register_script(_RELEASE)

    def key(self, name: str) -> str:
        """The Redis key ``name`` of this source's run."""
        return f"policywatch:{self.source}:{name}"

    @property
    def worker_key(self) -> str:
        """The key holding this worker's state (busy/idle) while it is alive."""
        return self.key(f"worker:{self.worker}")

    def elect(self) -> bool:
        """Become the run's leader if there is none (clearing what a crashed run left, in the
        same atomic step, so nobody joins a stale run); True when this process leads."""
        keys = [self.key("leader"), self.key("run"), self.key("members")]
        self.leader = bool(self._elect(keys=keys, args=[self.worker, LEADER_TTL]))
        return self.leader

    def start_run(self, run_id: int) -> None:
        """(Leader) clear what an earlier run left and publish the new run's id."""
        self.redis.delete(*(self.key(k) for k in RUN_KEYS))
        self._join(run_id)
        self.redis.set(self.key("run"), run_id)

    def _join(self, run_id: int) -> None:
        self.run_id = run_id
        self.set_state("busy")
        self.redis.sadd(self.key("members"), self.worker)

    def wait_run(self, timeout: float = JOIN_TIMEOUT) -> int:
        """(Follower) the id of the run the leader started, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.redis.get(self.key("run"))
            if value is not None:
                self._join(int(value))
                return int(value)
            time.sleep(0.2)
        raise ConfigError(f"distributed crawl of {self.source}: no leader published a run within {timeout:.0f} s")

    def run_active(self) -> bool:
        """True while the run this process joined is open and its leader alive."""
        return self.redis.get(self.key("run")) == str(self.run_id).encode() and bool(
            self.redis.exists(self.key("leader"))
        )

    def heartbeat(self) -> None:
        """Renew this worker's (and a leader's) lease."""
        self.redis.expire(self.worker_key, WORKER_TTL)
        if self.leader and self.redis.get(self.key("leader")) == self.worker.encode():
            self.redis.expire(self.key("leader"), LEADER_TTL)

    def set_state(self, state: str) -> None:
        """Mark this worker ``busy`` or ``idle``."""
        self.redis.set(self.worker_key, state, ex=WORKER_TTL)

    def others_busy(self) -> bool:
        """True while requests wait in the queue or another worker of the run is busy (one
        atomic read of both, so no pop can slip between them)."""
        keys = [self.key("requests"), self.key("members")]
        return bool(self._busy(keys=keys, args=[self.key("worker:"), self.worker]))

    def _others(self) -> list[str]:
        members: set[bytes] = self.redis.smembers(self.key("members"))  # type: ignore[assignment]
        return [m.decode() for m in members if m.decode() != self.worker]

    def others_alive(self) -> bool:
        """True while another worker of this run has neither left nor lost its lease."""
        return any(self.redis.exists(self.key(f"worker:{m}")) for m in self._others())

    def lost_workers(self) -> list[str]:
        """Workers that joined the run and vanished without leaving (died, or stalled past their
        lease): what they held in flight is unknown, so the run proves no absence."""
        return [m for m in self._others() if not self.redis.exists(self.key(f"worker:{m}"))]

    def pop(self) -> bytes | None:
        """Take the first request of the queue and mark this worker busy, atomically."""
        data = self._pop(keys=[self.key("requests"), self.worker_key], args=[WORKER_TTL])
        return data if data else None

    def claim_listing(self, url: str) -> bool:
        """True for the one process that first claims listing page ``url`` in this run."""
        return bool(self.redis.sadd(self.key("listings"), url))

    def mark_partial(self) -> None:
        """Record that some process read the listing only partly."""
        self.redis.set(self.key("partial"), 1)

    def partial(self) -> bool:
        """True when any process read the listing only partly."""
        return bool(self.redis.exists(self.key("partial")))

    def add_listing_pages(self, count: int) -> int:
        """Add to the run's count of listing pages read; returns the total."""
        return int(self.redis.incrby(self.key("pages"), count))

    def add_stats(self, stats: Counter[str]) -> None:
        """Add a worker's counters to the run's."""
        if stats:
            pipe = self.redis.pipeline()
            for name, value in stats.items():
                pipe.hincrby(self.key("stats"), name, int(value))
            pipe.execute()

    def stats(self) -> Counter[str]:
        """The counters the other workers added."""
        raw: dict[bytes, bytes] = self.redis.hgetall(self.key("stats"))  # type: ignore[assignment]
        return Counter({k.decode(): int(v) for k, v in raw.items()})

    def block(self, host: str) -> None:
        """Tell every process that ``host`` showed a bot wall."""
        self.redis.sadd("policywatch:blocked", host)

    def is_blocked(self, host: str) -> bool:
        """True when some process saw a bot wall at ``host``."""
        return bool(self.redis.sismember("policywatch:blocked", host))

    def claim(self, host: str, delay: float) -> float:
        """Claim the right to send to ``host`` now: 0 when granted (the host's last send is at
        least ``delay`` seconds ago, by Redis' clock, across all processes), else the seconds to
        wait before asking again."""
        if delay <= 0:
            return 0.0
        return float(self._claim(keys=[f"policywatch:slot:{host}"], args=[delay]))

    def end_run(self) -> None:
        """(Leader) close the run: followers finish and leave."""
        self.redis.delete(self.key("run"))

    def leave(self) -> None:
        """This worker is done; a leader also clears the run's keys (only its own lease)."""
        self.redis.delete(self.worker_key)
        self.redis.srem(self.key("members"), self.worker)
        if self.leader:
            self.redis.delete(*(self.key(k) for k in RUN_KEYS), self.key("members"))
            self._release(keys=[self.key("leader")], args=[self.worker])


def unblock_shared(url: str, host: str) -> None:
    """Forget a bot wall recorded for ``host`` in the shared state (``policywatch unblock``)."""
    redis.Redis.from_url(url).srem("policywatch:blocked", host)


class SharedQueue(PriorityQueue):
    """scrapy-redis' priority queue whose pop also marks the popping worker busy."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.frontier: Frontier = spider.frontier

    def pop(self, timeout: int = 0) -> Request | None:
        """The next request, or ``None``."""
        data = self.frontier.pop()
        return self._decode_request(data) if data else None


class SharedScheduler(Scheduler):
    """scrapy-redis' scheduler on the run's keys; the queue outlives a process (the leader clears it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        """Scrapy factory: the Redis of the policywatch settings."""
        pw = crawler.settings.get("POLICYWATCH_SETTINGS") or load_settings()
        server = redis.Redis.from_url(pw.redis_url)
        instance = cls(server=server, persist=True, idle_before_close=0)
        instance.stats = crawler.stats
        return instance

    def open(self, spider: Any) -> None:
        """Bind to the spider's frontier keys."""
        self.spider = spider
        frontier: Frontier = spider.frontier
        self.queue = SharedQueue(self.server, spider, frontier.key("requests"))
        self.df = RFPDupeFilter(self.server, key=frontier.key("seen"))

    def enqueue_request(self, request: Request) -> bool:
        """Queue ``request`` unless its URL was queued before in this run; a ``dont_filter``
        request (a host's probe) is queued anyway but still marks its URL seen, so no process
        fetches that document a second time."""
        seen = self.df.request_seen(request)
        if seen and not request.dont_filter:
            return False
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        """The next request of the shared queue (popping marks this worker busy)."""
        return self.queue.pop()

    def close(self, reason: str) -> None:
        """Keep the shared queue: other processes may still be working on it."""


class SharedHostMiddleware:
    """Per-host delay and bot-wall state shared by every process (distributed mode only).

    Sits last before the download (order 900), after robots.txt and redirects, so what it
    holds is the request about to be sent: each process sends one request per host at a time
    (a local lock, released with the answer), and only after claiming the host in Redis — at
    most one send per ``POLICYWATCH_HOST_DELAY`` seconds per host across all processes. Scrapy's own per-process
    delay is set to its floor in this mode so it cannot push a request past its slot.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostMiddleware:
        """Scrapy factory."""
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Wait for this process's turn at the host, then for the host's shared slot; drop
        requests to a host walled elsewhere."""
        spider: Any = self.crawler.spider
        frontier: Frontier | None = getattr(spider, "frontier", None)
        if frontier is None:
            return
        host = host_of(request.url)
        if frontier.is_blocked(host):
            spider.context.blocked.add(host)
            raise IgnoreRequest(f"host {host} is blocked by a bot wall (seen by another crawl process)")
        lock = self.locks.setdefault(host, asyncio.Lock())
        await lock.acquire()
        request.meta["_host_lock"] = host
        delay = self.crawler.settings.getfloat("POLICYWATCH_HOST_DELAY")
        while (wait := frontier.claim(host, delay)) > 0:  # claimed right before the download
            await asyncio.sleep(wait)

    def _release(self, request: Request) -> None:
        host = request.meta.pop("_host_lock", None)
        if host is not None and self.locks[host].locked():
            self.locks[host].release()

    def process_response(self, request: Request, response: Response) -> Response:
        """Free the host for this process's next request; share a bot wall with the others."""
        self._release(request)
        frontier: Frontier | None = getattr(self.crawler.spider, "frontier", None)
        if frontier is not None and is_bot_wall(response.status, response.body):
            frontier.block(host_of(request.url))
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Free the host after a failed or dropped request."""
        self._release(request)


def start_heartbeat(frontier: Frontier) -> LoopingCall:
    """Renew the worker's (and leader's) lease every few seconds while the reactor runs."""
    call = LoopingCall(frontier.heartbeat)
    call.start(HEARTBEAT, now=True)
    return call


def on_idle(spider: Any) -> None:
    """The spider-idle step of a distributed crawl: raises DontCloseSpider to keep waiting, or
    returns after setting ``spider.finished`` (see module docstring for the protocol)."""
    frontier: Frontier = spider.frontier
    if spider.listing_partial:
        frontier.mark_partial()
    if spider.listing_pages > spider.pages_shared:
        frontier.add_listing_pages(spider.listing_pages - spider.pages_shared)
        spider.pages_shared = spider.listing_pages
    frontier.set_state("idle")
    if not frontier.leader:
        if frontier.run_active():
            raise DontCloseSpider
        spider.finished = True
        return
    if frontier.others_busy():
        raise DontCloseSpider
    _note_lost_workers(spider, frontier)
    if not spider.vanish_checked:
        spider.vanish_checked = True
        spider.listing_partial = spider.listing_partial or frontier.partial()
        requests = spider.detail_requests(spider.vanished_in_run(frontier.add_listing_pages(0)))
        if requests:
            frontier.set_state("busy")
            for request in requests:
                spider.crawler.engine.crawl(request)
            raise DontCloseSpider
    frontier.end_run()
    if frontier.others_alive():
        raise DontCloseSpider  # wait for the followers to add their counters and leave
    _note_lost_workers(spider, frontier)
    spider.listing_partial = spider.listing_partial or frontier.partial()
    spider.finished = True


def _note_lost_workers(spider: Any, frontier: Frontier) -> None:
    lost = frontier.lost_workers()
    if lost and not spider.listing_partial:
        spider.logger.warning("crawl processes %s vanished mid-run: the run proves no absence (no delisting)", lost)
        spider.listing_partial = True
