"""Capture outcomes and the per-document deletion state machine.

A document is ``suspected_removed`` at its first deletion-like failure and
``removed`` only after ``confirm_failures`` failures spanning ``confirm_hours``.
Bot walls, 5xx answers and network errors are never deletions. A suspected or
removed document that answers again is ``reappeared``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from processing.types import Extracted, PageKind


class Outcome(StrEnum):
    """What one fetch of a document URL told us."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_404 = "http_404"
    HTTP_410 = "http_410"
    REDIRECT_HOME = "redirect_home"
    SOFT_404 = "soft_404"
    BLOCKED = "blocked"
    SERVER_ERROR = "server_error"
    NETWORK_ERROR = "network_error"
    OFFSITE_REDIRECT = "offsite_redirect"
    REFUSED = "refused"
    UNPROCESSABLE = "unprocessable"  # the page arrived but could not be analysed (kept raw; never a verdict)


DELETION_OUTCOMES = frozenset({Outcome.HTTP_404, Outcome.HTTP_410, Outcome.REDIRECT_HOME, Outcome.SOFT_404})
ALIVE_OUTCOMES = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
_INDEX_PAGE = re.compile(r"(?:^|/)(?:index|home|default|main)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$", re.I)


class DocState(StrEnum):
    """Where a document stands in the deletion state machine."""

    ACTIVE = "active"
    SUSPECTED = "suspected_removed"
    REMOVED = "removed"


@dataclass(frozen=True)
class Tracking:
    """The deletion-tracking state of one document."""

    state: DocState = DocState.ACTIVE
    failures: int = 0
    first_failure_at: datetime | None = None
    last_failure: str | None = None


def is_column_index(url: str) -> bool:
    """True for a site root or a column index page (``/``, ``/xxgk/``, ``…/index.html``, ``home_0.htm``)."""
    path = urlsplit(url).path or "/"
    return path.endswith("/") or bool(_INDEX_PAGE.search(path))


def classify(status: int, url: str, final_url: str, kind: PageKind | None) -> Outcome:
    """Classify one fetch of a document URL by status, where it ended and what the page is.

    Only 404, 410, a redirect to the site root or a column page, and a soft 404 are
    deletion-like. A 403 is a bot wall only with a challenge page; a plain 403, a 429 and
    other 4xx answers are ``refused`` — like 5xx and network errors, never a deletion.
    """
    if status <= 0:
        return Outcome.NETWORK_ERROR
    if status in (412, 521) or kind == PageKind.BLOCKED:
        return Outcome.BLOCKED
    if final_url and final_url != url:
        if urlsplit(final_url).netloc != urlsplit(url).netloc:
            return Outcome.OFFSITE_REDIRECT
        if (is_column_index(final_url) or kind == PageKind.LISTING) and not is_column_index(url):
            return Outcome.REDIRECT_HOME
    if status == 304:
        return Outcome.NOT_MODIFIED
    if status == 404:
        return Outcome.HTTP_404
    if status == 410:
        return Outcome.HTTP_410
    if status >= 500:
        return Outcome.SERVER_ERROR
    if status >= 400:
        return Outcome.REFUSED
    if kind == PageKind.SOFT_404:
        return Outcome.SOFT_404
    return Outcome.OK


STUB_SHARE = 0.2
STUB_MIN_CHARS = 50
STUB_MIN_PREVIOUS = 200


def is_stub_of(new: Extracted, old_text: str, old_title: str | None) -> bool:
    """True when a 200 page is a far shorter stand-in for a document seen before (a soft 404 without
    the usual phrases): its text is under a fifth of the last version's and its title changed or vanished."""
    old_len = len(old_text.strip())
    if old_len < STUB_MIN_PREVIOUS:
        return False
    new_len = len(new.text.strip())
    title_changed = new.metadata.title is None or new.metadata.title != old_title
    return new_len < max(STUB_MIN_CHARS, STUB_SHARE * old_len) and title_changed


def step(
    tracking: Tracking,
    outcome: Outcome,
    at: datetime,
    confirm_failures: int = 3,
    confirm_hours: float = 48.0,
) -> tuple[Tracking, list[str]]:
    """Advance the state machine by one fetch; returns the new state and the event kinds it causes."""
    if outcome in ALIVE_OUTCOMES:
        if tracking.state is DocState.ACTIVE:
            return tracking, []
        return Tracking(), ["reappeared"]
    if outcome not in DELETION_OUTCOMES:
        return tracking, []
    first = tracking.first_failure_at or at
    new = replace(tracking, failures=tracking.failures + 1, first_failure_at=first, last_failure=str(outcome))
    if tracking.state is DocState.ACTIVE:
        return replace(new, state=DocState.SUSPECTED), ["suspected_removed"]
    span_h = (at - first).total_seconds() / 3600
    if tracking.state is DocState.SUSPECTED and new.failures >= confirm_failures and span_h >= confirm_hours:
        return replace(new, state=DocState.REMOVED), ["removed"]
    return new, []
