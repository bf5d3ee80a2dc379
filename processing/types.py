"""Frozen value types shared by every layer.

These are the only project types that ``store/``, ``crawlers/`` and ``alerts/``
exchange, so they stay small, immutable and free of I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum

EVENT_KINDS: tuple[str, ...] = (
    "new",
    "revised",
    "metadata_changed",
    "validity_changed",
    "suspected_removed",
    "removed",
    "reappeared",
    "moved",
    "delisted",
    "site_unreachable",
    "blocked",
    "attachment_changed",
    "attachment_removed",
)
"""Every event kind policywatch reports, in the order reports list them."""


class PageKind(StrEnum):
    """What a fetched HTML page is, so a soft 404 or a bot wall is never taken for a revision."""

    DOCUMENT = "document"
    LISTING = "listing"
    SOFT_404 = "soft_404"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Decoded:
    """Text decoded from raw bytes.

    ``encoding`` is the Python codec used (``gb18030`` for any GB2312/GBK label),
    ``reason`` says which signal chose it (``http-header``, ``bom``, ``meta``,
    ``detected``, ``fallback``, and ``+header-wrong`` when the declared charset failed),
    ``replacements`` counts U+FFFD characters introduced by decoding.
    """

    text: str
    encoding: str
    reason: str
    replacements: int = 0


@dataclass(frozen=True)
class Attachment:
    """A link to an attachment found in a document body (URL already absolute)."""

    url: str
    name: str
    ext: str


@dataclass(frozen=True)
class Metadata:
    """The 政府信息公开 (xxgk) fields of a document. Missing values are ``None``, never guessed.

    Dates are ISO ``YYYY-MM-DD``. ``doc_number`` is the 发文字号 as printed;
    ``doc_number_norm`` is its normalised form (half-width digits, ``〔YYYY〕`` brackets).
    """

    title: str | None = None
    agency: str | None = None
    doc_number: str | None = None
    doc_number_norm: str | None = None
    written_date: str | None = None
    publish_date: str | None = None
    index_number: str | None = None
    topic: str | None = None
    validity: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The fields as a plain dict, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Extracted:
    """Everything ``processing.extract`` finds in one HTML page."""

    kind: PageKind
    metadata: Metadata
    text: str
    attachments: tuple[Attachment, ...] = ()
    page_meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeywordHit:
    """A tracked term found in a text, with its canonical form, group and count."""

    term: str
    group: str
    count: int


@dataclass(frozen=True)
class Content:
    """Extracted content of a document capture plus its derived data."""

    extracted: Extracted
    text_sha256: str
    meta_sha256: str
    title_key: str | None
    index_text: str
    hits: tuple[KeywordHit, ...] = ()
    sketch: bytes | None = None
    search_text: str = ""  # title and text folded (processing.match.fold): what search checks with LIKE


@dataclass(frozen=True)
class TextDiff:
    """A word-level diff between two texts.

    ``ops`` uses the diff-match-patch convention: ``-1`` deleted, ``0`` equal, ``1`` inserted.
    ``timed_out`` is true when the diff hit ``timeout``; ``fallback`` then says how the rest was
    diffed (``"clause"``: changed paragraphs reported whole). Articles are 第X条 headings.
    """

    ops: tuple[tuple[int, str], ...]
    inserted_chars: int
    deleted_chars: int
    change_count: int
    timeout: float
    timed_out: bool = False
    terms_added: tuple[str, ...] = ()
    terms_removed: tuple[str, ...] = ()
    inserted_tokens: int = 0
    deleted_tokens: int = 0
    articles_added: tuple[str, ...] = ()
    articles_removed: tuple[str, ...] = ()
    articles_changed: tuple[str, ...] = ()
    fallback: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when the two texts were identical."""
        return self.change_count == 0
