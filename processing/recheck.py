"""Adaptive re-check schedule for document pages (pure).

New documents are revised or withdrawn most often in their first days, so a document is
re-checked every ``new_every`` while younger than ``new_for`` (age counted from its
publication date when the page gives one, see :func:`age_base`), then every ``middle_every``
until it is ``middle_until`` old, then every ``old_every``. A suspected removal is checked
on every run so the deletion state machine can confirm or clear it. A listing entry that
changes or vanishes makes the document due at once (decided by the spider, not here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SUSPECTED = "suspected_removed"


@dataclass(frozen=True)
class RecheckPolicy:
    """How often a document page is fetched again, by its age (see :func:`age_base`)."""

    new_for: timedelta = timedelta(days=14)
    new_every: timedelta = timedelta(days=1)
    middle_until: timedelta = timedelta(days=90)
    middle_every: timedelta = timedelta(days=7)
    old_every: timedelta = timedelta(days=30)

    @classmethod
    def from_days(
        cls, new_for: float, new_every: float, middle_until: float, middle_every: float, old_every: float
    ) -> RecheckPolicy:
        """A policy from day counts (fractions allowed), as settings give them."""
        return cls(*(timedelta(days=d) for d in (new_for, new_every, middle_until, middle_every, old_every)))


def age_base(first_seen: datetime, published: datetime | None) -> datetime:
    """When a document's age starts: its publication when known and not after it was first
    seen (a document published years ago and discovered today is not new), else first seen."""
    return published if published is not None and published < first_seen else first_seen


def interval(policy: RecheckPolicy, born: datetime, at: datetime, state: str) -> timedelta:
    """Time until the next check of a document checked at ``at`` whose age starts at ``born``."""
    if state == SUSPECTED:
        return timedelta(0)
    age = at - born
    if age < policy.new_for:
        return policy.new_every
    if age < policy.middle_until:
        return policy.middle_every
    return policy.old_every


def next_check(policy: RecheckPolicy, born: datetime, at: datetime, state: str) -> datetime:
    """When a document checked by the run that started at ``at`` is next due."""
    return at + interval(policy, born, at, state)
