"""SQLAlchemy 2 typed models of the archive.

Source ─< Document ─< Version ─< KeywordHit
           │   ├──< DocumentUrl (every URL the document was seen at)
           │   └──< Attachment ─< AttachmentVersion (linked files, versioned like pages)
           └──< Capture (append-only: raw bytes, hashes, WARC reference; of a page or an attachment)
Event (derived) ─< Alert (outbox) >─ Subscriber ─< WatchRule;  Digest ─< Alert (daily digests)
CrawlRun, HostStatus, ListingSighting: crawl bookkeeping; JobRun: daemon job outcomes.
Admin, SignInToken, WebSession: who may sign in to the web app; SourcePause: sources an admin paused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base; ``JSON`` columns keep Chinese readable (see store.db)."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A configured column (栏目) and its crawl status."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HostStatus(Base):
    """Per-host crawl status: a bot wall makes a host ``blocked`` and crawling of it stops."""

    __tablename__ = "host_status"
    host: Mapped[str] = mapped_column(String(300), primary_key=True)
    status: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")


class CrawlRun(Base):
    """One crawl of one or more sources, with its outcome."""

    __tablename__ = "crawl_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    sources: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(40), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Document(Base):
    """A policy document, identified by its URL and, across moves, by 文号/索引号 + title."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    host: Mapped[str] = mapped_column(String(300), index=True)
    url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(40), default="active")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure: Mapped[str | None] = mapped_column(String(40))
    doc_number_norm: Mapped[str | None] = mapped_column(String(200), index=True)
    index_number: Mapped[str | None] = mapped_column(String(200), index=True)
    title_key: Mapped[str | None] = mapped_column(Text)
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    delisted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentUrl(Base):
    """Every URL a document was seen at (the current one and those it moved from)."""

    __tablename__ = "document_url"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Capture(Base):
    """One fetch: status, headers, raw bytes (zstd), hashes and the WARC record behind it. Append-only."""

    __tablename__ = "capture"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw_zstd: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(60))
    encoding_reason: Mapped[str | None] = mapped_column(Text)
    replacement_chars: Mapped[int] = mapped_column(Integer, default=0)
    page_kind: Mapped[str | None] = mapped_column(String(40))
    warc_file: Mapped[str | None] = mapped_column(Text)
    warc_offset: Mapped[int | None] = mapped_column(Integer)
    warc_length: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(Integer, index=True)  # a fetch of an attachment


class Version(Base):
    """A distinct state of a document (text or metadata differ from the previous one)."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("document_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    meta_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(Text)
    written_date: Mapped[str | None] = mapped_column(String(10))
    publish_date: Mapped[str | None] = mapped_column(String(10))
    index_number: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(Text)
    validity: Mapped[str | None] = mapped_column(String(40))
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    page_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    index_text: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded title + text, for exact search
    sketch: Mapped[bytes | None] = mapped_column(LargeBinary)


class Attachment(Base):
    """A file (PDF, DOCX, ...) linked from a document's body, fetched and versioned like a page:
    its captures point to it (``capture.attachment_id``); each distinct text is a version."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    ext: Mapped[str] = mapped_column(String(20), default="")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(40), default="active")  # active | removed
    linked: Mapped[bool] = mapped_column(Boolean, default=True)  # linked by its document's last read
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed checks since the last good one
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)


class AttachmentVersion(Base):
    """A distinct state of an attachment: its extracted text (or, for files without text, its bytes)."""

    __tablename__ = "attachment_version"
    __table_args__ = (UniqueConstraint("attachment_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    capture_id: Mapped[int] = mapped_column(ForeignKey("capture.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    text_sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    no_text_layer: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)


class SketchBand(Base):
    """One LSH band key of a version's MinHash signature (see ``store.lsh``), with the host of its
    document so that reprint candidates from other hosts are found inside the index."""

    __tablename__ = "sketch_band"
    __table_args__ = (Index("ix_sketch_band_key_host", "key", "host", "version_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    key: Mapped[int] = mapped_column(BigInteger)  # looked up through ix_sketch_band_key_host
    host: Mapped[str | None] = mapped_column(String(300))


class KeywordHit(Base):
    """A tracked term found in a version."""

    __tablename__ = "keyword_hit"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    term: Mapped[str] = mapped_column(String(200), index=True)
    grp: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer)


class Event(Base):
    """A derived event: new, revised, metadata_changed, validity_changed, suspected_removed, removed,
    reappeared, moved, delisted, site_unreachable, blocked."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(Integer)
    run_id: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ListingSighting(Base):
    """A document URL seen on a listing page of a source (first/last seen, position)."""

    __tablename__ = "listing_sighting"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    url: Mapped[str] = mapped_column(String(2000))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    page_url: Mapped[str] = mapped_column(Text, default="")
    entry: Mapped[str] = mapped_column(Text, default="", server_default="")


class ListingPageState(Base):
    """The last good read of one listing page of a source, for conditional GETs of listings:
    its validators and what it listed, replayed when the page answers 304."""

    __tablename__ = "listing_page"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"))
    url: Mapped[str] = mapped_column(String(2000))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    links: Mapped[list[Any]] = mapped_column(default=list)
    entries: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_pages: Mapped[list[Any]] = mapped_column(default=list)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reprint(Base):
    """A document on one site that republishes (转发) a document first seen on another site."""

    __tablename__ = "reprint"
    __table_args__ = (UniqueConstraint("document_id", "original_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Subscriber(Base):
    """A researcher who receives alerts: how (instant, daily digest or both; mail language) and
    when (digest hour in their time zone). What they watch are their :class:`WatchRule` rows."""

    __tablename__ = "subscriber"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(5), default="zh")  # zh | en: the mail's framing text
    delivery: Mapped[str] = mapped_column(String(10), default="instant")  # instant | digest | both
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WatchRule(Base):
    """What one subscriber watches: terms (keywords on word boundaries, phrases as substrings),
    optional filters (empty: any) and the event kinds wanted."""

    __tablename__ = "watch_rule"
    # ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL): they fingerprint the rule set
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    phrases: Mapped[list[Any]] = mapped_column(default=list)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    agencies: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    events: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMail:
    """Delivery state shared by the two kinds of owed mail (an instant alert, a digest): claimed
    with a token before the SMTP hand-over, marked sent by the holder of that token only."""

    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)


class Digest(OutboxMail, Base):
    """One daily digest mail of one subscriber (``period``: the local date it is for)."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("subscriber_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))


class Alert(OutboxMail, Base):
    """Outbox row: one subscriber owed one event, created in the event's transaction. ``channel``
    ``instant`` is a mail of its own; ``digest`` waits for the subscriber's next digest
    (``digest_id`` once assigned; status ``digested``)."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("subscriber_id", "event_id", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    rule_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10), default="instant")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("digest.id"), index=True)
    keywords: Mapped[list[Any]] = mapped_column(default=list)


class JobRun(Base):
    """One daemon job execution (a crawl subprocess, a dispatch, a digest): its outcome."""

    __tablename__ = "job_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(300), index=True)
    source: Mapped[str | None] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running ok failed timeout busy paused
    exit_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Admin(Base):
    """An address allowed to manage sources and every subscriber (``policywatch admin create``)."""

    __tablename__ = "admin"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInToken(Base):
    """A magic sign-in link sent by mail: only its SHA-256 is kept; used once, before it expires."""

    __tablename__ = "sign_in_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    client: Mapped[str] = mapped_column(String(64), default="", index=True)  # requesting address, for rate limits
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the archive only its SHA-256."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SourcePause(Base):
    """A configured source an admin paused: the daemon skips its crawls until it is resumed."""

    __tablename__ = "source_pause"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    paused_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    paused_by: Mapped[str] = mapped_column(String(320), default="")
