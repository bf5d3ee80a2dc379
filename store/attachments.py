"""Attachments (PDF, DOCX, ... linked from a document's body), stored and versioned like pages.

An attachment is known by its URL and belongs to the document that first linked it. Every fetch
is a :class:`~store.models.Capture` with ``attachment_id`` set (raw bytes, SHA-256, WARC
reference); every distinct extracted text (for files without text: distinct bytes) is an
:class:`~store.models.AttachmentVersion`. The caller's transaction holds it all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Attachment, AttachmentVersion, Capture, Document, Version


@dataclass(frozen=True)
class AttachmentLink:
    """One attachment a document links to, with the validators of its last good fetch."""

    url: str
    document_url: str
    name: str
    ext: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FileText:
    """What was read from one attachment's bytes (see ``processing.attachments``)."""

    text: str
    pages: int | None = None
    no_text_layer: bool = False
    error: str | None = None
    text_sha256: str | None = None  # of the text's comparison form (``processing.normalize``)


def sync_links(session: Session, doc: Document, links: list[AttachmentLink], at: datetime) -> list[AttachmentLink]:
    """Record that ``doc``'s page, read now, links exactly ``links`` (files it no longer links are
    kept, marked unlinked, and no longer fetched); returns them with the validators of known ones."""
    rows = {a.url: a for a in session.scalars(select(Attachment).where(Attachment.document_id == doc.id))}
    urls = {link.url for link in links}
    for url, row in rows.items():
        row.linked = url in urls
    out = []
    for link in links:
        found = rows.get(link.url) or session.scalars(select(Attachment).where(Attachment.url == link.url)).first()
        if found is None:
            session.add(Attachment(document_id=doc.id, url=link.url, name=link.name, ext=link.ext, first_seen=at))
            out.append(link)
        else:
            out.append(replace(link, etag=found.etag, last_modified=found.last_modified))
    session.flush()
    return out


def stored_links(session: Session, doc: Document) -> list[AttachmentLink]:
    """The files ``doc`` linked when its page was last read (for a 304 re-check), with validators;
    for documents archived before attachments were fetched, those of its current version."""
    rows = list(session.scalars(select(Attachment).where(Attachment.document_id == doc.id).order_by(Attachment.id)))
    if rows:
        return [AttachmentLink(a.url, doc.url, a.name, a.ext, a.etag, a.last_modified) for a in rows if a.linked]
    listed = session.scalar(select(Version.attachments).where(Version.id == doc.current_version_id))
    links = [a for a in (listed or []) if isinstance(a, dict) and a.get("url")]
    return [AttachmentLink(str(a["url"]), doc.url, str(a.get("name") or ""), str(a.get("ext") or "")) for a in links]


def attachment_row(session: Session, link: AttachmentLink, document_id: int, at: datetime) -> Attachment:
    """The attachment at ``link.url`` (created by :func:`sync_links`, or now)."""
    row = session.scalars(select(Attachment).where(Attachment.url == link.url)).first()
    if row is None:
        row = Attachment(document_id=document_id, url=link.url, name=link.name, ext=link.ext, first_seen=at)
        session.add(row)
        session.flush()
    return row


def content_sha256(raw_sha256: str, text: FileText) -> str:
    """What identifies a version: the SHA-256 of the extracted text's comparison form (width and
    spacing edits are not versions), or of the bytes when no text could be read (a scanned PDF,
    an unsupported type)."""
    if text.text:
        return text.text_sha256 or hashlib.sha256(text.text.encode("utf-8")).hexdigest()
    return raw_sha256


def current_attachment_version(session: Session, att: Attachment) -> AttachmentVersion | None:
    """The newest version of ``att``."""
    return session.get(AttachmentVersion, att.current_version_id) if att.current_version_id else None


def add_attachment_version(
    session: Session, att: Attachment, cap: Capture, text: FileText, at: datetime
) -> AttachmentVersion:
    """Append a version of ``att`` from capture ``cap`` and make it current."""
    seq = session.scalar(select(func.max(AttachmentVersion.seq)).where(AttachmentVersion.attachment_id == att.id))
    ver = AttachmentVersion(
        attachment_id=att.id, seq=(seq or 0) + 1, capture_id=cap.id, created_at=at,
        raw_sha256=cap.raw_sha256 or "", size=cap.raw_size, text=text.text,
        text_sha256=content_sha256(cap.raw_sha256 or "", text), pages=text.pages,
        no_text_layer=text.no_text_layer, error=text.error,
    )  # fmt: skip
    session.add(ver)
    session.flush()
    att.current_version_id = ver.id
    cap.version_id = ver.id
    return ver


def attachments_of(session: Session, document_id: int) -> list[dict[str, Any]]:
    """Every attachment of a document with its versions (for ``history`` and exports)."""
    rows = session.scalars(select(Attachment).where(Attachment.document_id == document_id).order_by(Attachment.id))
    out = []
    for att in rows:
        versions = session.scalars(
            select(AttachmentVersion).where(AttachmentVersion.attachment_id == att.id).order_by(AttachmentVersion.seq)
        )
        out.append(
            {
                "url": att.url, "name": att.name, "ext": att.ext, "state": att.state, "linked": att.linked,
                "versions": [
                    {"version_id": v.id, "seq": v.seq, "capture_id": v.capture_id, "at": v.created_at.isoformat(),
                     "raw_sha256": v.raw_sha256, "size": v.size, "pages": v.pages, "chars": len(v.text),
                     "no_text_layer": v.no_text_layer, "error": v.error}
                    for v in versions
                ],
            }
        )  # fmt: skip
    return out


def attachment_version_detail(session: Session, version_id: int) -> dict[str, Any] | None:
    """One attachment version with its text, and the previous version's text (for a diff)."""
    ver = session.get(AttachmentVersion, version_id)
    att = session.get(Attachment, ver.attachment_id) if ver else None
    if ver is None or att is None:
        return None
    prev = session.scalars(
        select(AttachmentVersion).where(AttachmentVersion.attachment_id == att.id, AttachmentVersion.seq == ver.seq - 1)
    ).first()
    return {
        "version_id": ver.id, "seq": ver.seq, "doc_id": att.document_id, "name": att.name, "url": att.url,
        "at": ver.created_at.isoformat(), "capture_id": ver.capture_id, "raw_sha256": ver.raw_sha256,
        "size": ver.size, "pages": ver.pages, "no_text_layer": ver.no_text_layer, "error": ver.error,
        "text": ver.text,
        "previous": None if prev is None else {"version_id": prev.id, "seq": prev.seq, "text": prev.text},
    }  # fmt: skip
