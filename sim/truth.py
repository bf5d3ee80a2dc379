"""From world changes to the events a correct crawler reports when it crawls once a day.

A crawl of day ``d`` happens at ``T0 + d*24h``. A deleted page fails every daily check
until it is restored; the first failure gives ``suspected_removed``, and ``removed``
follows on the first day with at least ``confirm_failures`` failures spanning at least
``confirm_hours`` (day + 2 with the defaults). Checks on a site's outage day are neither
failures nor successes, and events that happen on an outage day are seen the next day
the site answers. Sites behind a bot wall yield one ``blocked`` event and nothing else.
A revert (A→B→A) is a revision like any other; a cosmetic edit is a revision only when
a comparison that folds width and whitespace still sees it (``detail["visible"]``); a
reprint link between two documents is not an event (the reprint's own ``new`` is).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.model import LAST_DAY, ExpectedEvent, TruthEvent

_PASS_THROUGH = {
    "revised": "revised",
    "metadata_changed": "metadata_changed",
    "validity_changed": "validity_changed",
    "delisted": "delisted",
    "reverted": "revised",
}


def _reported(event: TruthEvent) -> bool:
    """False for world changes a correct crawler does not report."""
    if event.kind == "reprint":
        return False
    return not (event.kind == "cosmetic_edit" and not event.detail.get("visible", True))


@dataclass
class _Watch:
    """Deletion-verdict bookkeeping for one URL."""

    site: str
    down: bool = False
    failures: int = 0
    first_failure: int = -1
    removed: bool = False


def _observed_day(site: str, day: int, outages: set[tuple[str, int]]) -> int:
    while (site, day) in outages:
        day += 1
    return day


def _walk(
    truth: Sequence[TruthEvent], horizon: int, confirm_failures: int, confirm_hours: float
) -> list[ExpectedEvent]:
    blocked = {e.site for e in truth if e.kind == "blocked"}
    outages = {(e.site, e.day) for e in truth if e.kind == "outage"}
    out: list[ExpectedEvent] = []
    by_day: dict[int, list[TruthEvent]] = {}
    for event in truth:
        if event.kind == "blocked":
            if not any(x.kind == "blocked" and x.url == event.url for x in out):
                out.append(ExpectedEvent(event.day, "blocked", event.url))
        elif event.kind == "outage":
            out.append(ExpectedEvent(event.day, "site_unreachable", event.url))
        elif event.site not in blocked and _reported(event):
            by_day.setdefault(_observed_day(event.site, event.day, outages), []).append(event)
    watches: dict[str, _Watch] = {}
    for day in range(horizon + 1):
        for event in by_day.get(day, []):
            watch = watches.setdefault(event.url, _Watch(event.site))
            if event.kind == "new":
                out.append(ExpectedEvent(day, "new", event.url))
            elif event.kind in _PASS_THROUGH:
                out.append(ExpectedEvent(day, _PASS_THROUGH[event.kind], event.url))
            elif event.kind == "cosmetic_edit":  # visible: a (cosmetic) revision
                out.append(ExpectedEvent(day, "revised", event.url))
            elif event.kind == "attachment_removed":  # confirmed like a document removal, checked daily
                confirm = max(confirm_failures - 1, math.ceil(confirm_hours / 24))
                out.append(ExpectedEvent(day + confirm, "attachment_removed", event.url))
            if _PASS_THROUGH.get(event.kind) == "revised" or event.kind == "cosmetic_edit":
                # attachments carry their document's text (sim.files): each file changes with it
                out += [ExpectedEvent(day, "attachment_changed", event.url)] * int(event.detail.get("files", 0))
            elif event.kind == "moved" and event.new_url:
                out.append(ExpectedEvent(day, "moved", event.new_url))
                watches.pop(event.url, None)
                watches[event.new_url] = _Watch(event.site)
            elif event.kind == "deleted":
                watch.down = True
            elif event.kind == "restored":
                if watch.failures:
                    out.append(ExpectedEvent(day, "reappeared", event.url))
                watches[event.url] = _Watch(event.site)
        for url in sorted(watches):
            watch = watches[url]
            if not watch.down or (watch.site, day) in outages:
                continue
            watch.failures += 1
            if watch.failures == 1:
                watch.first_failure = day
                out.append(ExpectedEvent(day, "suspected_removed", url))
            span_hours = (day - watch.first_failure) * 24
            if not watch.removed and watch.failures >= confirm_failures and span_hours >= confirm_hours:
                watch.removed = True
                out.append(ExpectedEvent(day, "removed", url))
    return sorted(out)


def _horizon(last_day: int, confirm_failures: int, confirm_hours: float) -> int:
    return last_day + confirm_failures + int(confirm_hours // 24) + 8


def expected_events(
    truth: Sequence[TruthEvent],
    last_day: int = LAST_DAY,
    confirm_failures: int = 3,
    confirm_hours: float = 48,
) -> list[ExpectedEvent]:
    """Events a correct once-a-day crawler reports on days 0..``last_day``, sorted by day.

    Verdicts that would only be reached after ``last_day`` are left out; see
    :func:`pending_verdicts`.
    """
    events = _walk(truth, _horizon(last_day, confirm_failures, confirm_hours), confirm_failures, confirm_hours)
    return [e for e in events if e.day <= last_day]


def pending_verdicts(
    truth: Sequence[TruthEvent],
    last_day: int = LAST_DAY,
    confirm_failures: int = 3,
    confirm_hours: float = 48,
) -> list[ExpectedEvent]:
    """``removed`` verdicts that need more days than ``last_day``: each with the day it
    would be reached if the world stayed as it is on ``last_day``."""
    events = _walk(truth, _horizon(last_day, confirm_failures, confirm_hours), confirm_failures, confirm_hours)
    return [e for e in events if e.day > last_day]
