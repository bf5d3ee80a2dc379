"""Data types of the simulated web: documents, their per-day states, and truth events.

The sim clock counts whole days: day ``d`` is the calendar date ``DAY0 + d``. Every change
of the scripted world happens at :func:`day_time` of its day (10:00 Beijing time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

LAST_DAY = 7
"""The last day of the scripted scenario (days run 0..LAST_DAY)."""

SITES: tuple[str, ...] = ("govcn", "trs", "wenming", "credit")
"""Site keys, in port order: site ``i`` is served on ``base_port + i``."""

DEFAULT_BASE_PORT = 8800
"""The port of ``govcn`` when no port is given (``policywatch sim serve``)."""

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DAY0 = date(2026, 3, 2)
"""The calendar date of day 0."""

DELETION_KINDS: tuple[str, ...] = ("http_404", "http_410", "redirect_home", "soft_404")


def day_date(day: int) -> date:
    """The calendar date of sim day ``day``."""
    return DAY0 + timedelta(days=day)


def day_time(day: int) -> datetime:
    """The instant (10:00 Beijing) at which the scripted changes of ``day`` happen."""
    return datetime.combine(day_date(day), time(10, 0), tzinfo=BEIJING)


def default_origins(base_port: int = DEFAULT_BASE_PORT, host: str = "127.0.0.1") -> dict[str, str]:
    """Origins (``http://host:port``) of the four sites when served from ``base_port``."""
    return {key: f"http://{host}:{base_port + i}" for i, key in enumerate(SITES)}


@dataclass(frozen=True)
class Attachment:
    """A file linked from a document body (``./P0….pdf`` or ``./W0….docx``)."""

    name: str
    kind: str  # "pdf" | "docx"
    label: str


@dataclass(frozen=True)
class Version:
    """The changeable content of a document: what revisions and metadata changes touch."""

    title: str
    paragraphs: tuple[str, ...]
    validity: str
    modified: datetime


@dataclass(frozen=True)
class DocState:
    """A document on one day: where it lives, whether it is listed, whether it is gone."""

    exists: bool
    path: str
    listed: bool
    gone: str | None
    version: Version
    moved_from: tuple[str, ...] = ()
    files_gone: tuple[str, ...] = ()  # attachments still linked but no longer served (404)

    @property
    def live(self) -> bool:
        """True when the page answers 200 with the document."""
        return self.exists and self.gone is None


@dataclass
class Document:
    """One document of one site, with its fixed metadata and its state on every day."""

    site: str
    key: str
    doc_id: str
    path: str
    title: str
    agency: str
    doc_number: str
    index_no: str
    topic: str
    written: date
    published: datetime
    source: str
    editor: str
    first_day: int
    keywords: tuple[str, ...] = ()
    quirk: str | None = None
    origin: str = "generated"
    preamble: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    related: tuple[tuple[str, str], ...] = ()  # (title, path) of stable sibling pages
    states: list[DocState] = field(default_factory=list)

    def state(self, day: int) -> DocState:
        """The document's state on ``day`` (days after LAST_DAY keep the last state)."""
        return self.states[max(0, min(day, LAST_DAY))]

    @property
    def original(self) -> Version:
        """The version first published."""
        return self.states[self.first_day].version


@dataclass(frozen=True)
class TruthEvent:
    """Something that happens in the simulated world on ``day`` (see docs/sim.md for kinds).

    ``url`` is absolute when it comes from :meth:`sim.scenario.Scenario.truth`; site-level
    events (``outage``, ``blocked``) carry the site origin.
    """

    day: int
    kind: str
    site: str
    url: str
    new_url: str | None = None
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict of this event."""
        return {
            "day": self.day,
            "kind": self.kind,
            "site": self.site,
            "url": self.url,
            "new_url": self.new_url,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True, order=True)
class ExpectedEvent:
    """An event a correct once-a-day crawler reports on ``day`` about ``url``."""

    day: int
    kind: str
    url: str
