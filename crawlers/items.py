"""Items spiders yield: raw fetches and listing sightings. No processing happens in spiders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from store.crawlbook import ListingRead


@dataclass
class FetchedPage:
    """One response (or network failure) for a document URL, with its raw bytes."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    request_headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    protocol: str = "HTTP/1.1"


@dataclass
class ListingPage:
    """A listing page (or search API page) and the document URLs it lists, in order."""

    url: str
    status: int
    doc_urls: list[str]
    fetched_at: datetime
    complete: bool = True
    entries: dict[str, str] = field(default_factory=dict)  # url -> listing entry text (title, date)
    response: FetchedPage | None = None  # the raw response (archived to WARC; None when replayed)
    replayed: bool = False  # a 304: links, entries and next pages are those of the last read
    read: ListingRead | None = None  # what the spider read (kept for the next conditional GET)


@dataclass
class FetchedAttachment(FetchedPage):
    """One response (or network failure) for an attachment linked from the document at ``document_url``."""

    document_url: str = ""
    name: str = ""
    ext: str = ""
