"""Per-host gate: the first document request to a host is a probe; the rest wait for its answer.

A bot wall is therefore met once per host and never again (the host goes into the blocked
set and its held requests are dropped). A probe that fails without an answer (robots.txt,
network) hands the probe role to the next held request, so nothing is held forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from store.repo import host_of

R = TypeVar("R")


class HostGate(Generic[R]):
    """Decides which requests may go out now. ``make(url, probe)`` builds a request."""

    def __init__(self, blocked: set[str], make: Callable[[str, bool], R]) -> None:
        self.blocked = blocked
        self._make = make
        self._open: set[str] = set()
        self._held: dict[str, list[str]] = {}

    def admit(self, urls: Iterable[str]) -> list[R]:
        """Requests for ``urls`` that may go out now (probes included); the others are held."""
        ready: list[R] = []
        for url in urls:
            host = host_of(url)
            if host in self.blocked:
                continue
            if host in self._open:
                ready.append(self._make(url, False))
            elif host in self._held:
                if url not in self._held[host]:
                    self._held[host].append(url)
            else:
                self._held[host] = []
                ready.append(self._make(url, True))
        return ready

    def answered(self, url: str) -> list[R]:
        """The probe for ``url``'s host got an answer: open the host (unless it is now blocked)."""
        host = host_of(url)
        held = self._held.pop(host, [])
        if host in self.blocked or host in self._open:
            return []
        self._open.add(host)
        return [self._make(u, False) for u in held]

    def failed(self, url: str) -> list[R]:
        """The probe for ``url``'s host got no answer: the next held request becomes the probe."""
        host = host_of(url)
        if host in self.blocked or host in self._open:
            return []
        held = self._held.get(host, [])
        if not held:
            self._held.pop(host, None)
            return []
        return [self._make(held.pop(0), True)]

    def held_count(self) -> int:
        """Requests still waiting for their host's probe."""
        return sum(len(v) for v in self._held.values())
