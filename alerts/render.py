"""Pieces shared by instant alerts and digests: wording per language, KWIC, diffs, citations, links.

Everything taken from archived pages is escaped before it goes into HTML; the documents stay in
Chinese whatever the subscriber's language, only the framing text changes.
"""

from __future__ import annotations

from html import escape

from common.cite import citation as cite
from common.tokens import sign
from processing.diff import word_diff
from processing.query import kwic
from processing.segment import default_segmenter
from processing.tag import find_terms
from processing.types import TextDiff
from store.outbox import AlertItem

KINDS = {
    "new": ("新文件", "new document"),
    "revised": ("内容修改", "revised"),
    "metadata_changed": ("元数据变更", "metadata changed"),
    "validity_changed": ("有效性变更", "validity changed"),
    "suspected_removed": ("疑似删除", "suspected removal"),
    "removed": ("已删除", "removed"),
    "reappeared": ("重新出现", "reappeared"),
    "moved": ("迁移", "moved"),
    "delisted": ("从栏目撤下", "delisted"),
    "attachment_changed": ("附件修改", "attachment changed"),
    "attachment_removed": ("附件删除", "attachment removed"),
}
WORDS = {
    "agency": ("发文机关", "Agency"),
    "number": ("文号", "Number"),
    "keywords": ("关键词", "Keywords"),
    "changes": ("修改", "Changes"),
    "chars": ("字", "characters"),
    "cite": ("引用", "Cite"),
    "permalink": ("存档", "Archived copy"),
    "unsubscribe": ("退订", "Unsubscribe"),
    "evidence": ("证据", "Evidence"),
    "attachment": ("附件", "Attachment"),
    "digest": ("每日摘要", "Daily digest"),
    "documents": ("份文件", "documents"),
    "untitled": ("（无标题）", "(untitled)"),
    "failed_checks": ("次检查失败，自", "failed checks since"),
}
KWIC_CHARS = 30
MAX_DIFF_OPS = 200
INS_STYLE = "background:#d4f7d4;text-decoration:none"
DEL_STYLE = "background:#f9d0d0"


def say(key: str, language: str) -> str:
    """A framing word in the subscriber's language (zh or en)."""
    zh, en = WORDS.get(key) or KINDS.get(key) or (key, key)
    return en if language == "en" else zh


def kwic_lines(text: str, keyword: str) -> list[str]:
    """Keyword-in-context excerpts of ``keyword`` as plain text (:func:`processing.query.kwic`)."""
    return [f"…{s.before}{s.hit}{s.after}…" for s in kwic(text, keyword, KWIC_CHARS)]


def kwic_html(text: str, keyword: str) -> str:
    """The same excerpts, escaped, the keyword marked."""
    return " ".join(
        f'…{escape(s.before)}<mark style="background:#ffe58a">{escape(s.hit)}</mark>{escape(s.after)}…'
        for s in kwic(text, keyword, KWIC_CHARS)
    )


def item_diff(item: AlertItem) -> TextDiff | None:
    """The word-level diff an alert shows (revisions of the document or of an attachment)."""
    if item.previous_text is None or item.event_kind not in ("revised", "attachment_changed"):
        return None
    return word_diff(item.previous_text, item.text, default_segmenter().tokens, terms=find_terms)


def diff_html(d: TextDiff, max_ops: int = MAX_DIFF_OPS) -> str:
    """Insertions and deletions marked with inline styles; long unchanged runs shortened."""
    parts = []
    for op, text in d.ops[:max_ops]:
        t = escape(text if op else (text if len(text) < 120 else f"{text[:50]} … {text[-50:]}"))
        if op == 1:
            parts.append(f'<ins style="{INS_STYLE}">{t}</ins>')
        elif op == -1:
            parts.append(f'<del style="{DEL_STYLE}">{t}</del>')
        else:
            parts.append(f'<span style="color:#555">{t}</span>')
    return "".join(parts).replace("\n", "<br>")


def diff_text(d: TextDiff, max_ops: int = MAX_DIFF_OPS) -> str:
    """The changed runs only, one per line, ``+``/``-`` marked."""
    return "\n".join(
        ("+ " if op == 1 else "- ") + text.replace("\n", " ").strip() for op, text in d.ops[:max_ops] if op
    )


def evidence(item: AlertItem) -> str:
    """For deletion verdicts: how the page failed and since when."""
    how = item.details.get("how")
    if not how:
        return ""
    since = item.details.get("first_failure_at") or "?"
    failures = item.details.get("failures", "?")
    return f"{say('evidence', item.language)}: {how}, {failures} {say('failed_checks', item.language)} {since}"


def attachment_line(item: AlertItem) -> str | None:
    """For attachment events: which file of the document."""
    url = item.details.get("attachment_url")
    if not url:
        return None
    name = item.details.get("attachment_name") or ""
    return f"{say('attachment', item.language)}: {name} {url}".replace("  ", " ")


def citation(item: AlertItem) -> str:
    """The version's citation, as the web UI and the API give it (:func:`common.cite.citation`)."""
    at = item.captured_at or item.event_at
    title = item.title or say("untitled", item.language)
    return cite(title, item.agency, item.doc_number, item.url, at, item.capture_sha256)


def permalink(item: AlertItem, base_url: str) -> str | None:
    """The archived version's stable address in the web UI."""
    if not item.document_id:
        return None
    tail = f"/versions/{item.version_id}" if item.version_id else ""
    return f"{base_url.rstrip('/')}/documents/{item.document_id}{tail}"


def unsubscribe_token(email: str, secret: str) -> str:
    """A signed, non-expiring token naming the subscriber."""
    return sign("unsubscribe", email, secret, issued_at=0)


def unsubscribe_url(email: str, base_url: str, secret: str) -> str:
    """The one-click unsubscribe link of a subscriber."""
    return f"{base_url.rstrip('/')}/unsubscribe?token={unsubscribe_token(email, secret)}"
