"""Compose alert e-mails without side effects: multipart text + HTML, UTF-8, RFC 2047 subjects.

Everything taken from archived pages is escaped; no traceback or internal error text
ever reaches a recipient.
"""

from __future__ import annotations

import hashlib
import hmac
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from common.clock import beijing, to_utc
from processing.diff import word_diff
from processing.segment import default_segmenter
from processing.tag import find_terms
from processing.types import TextDiff
from store.outbox import AlertItem

KIND_ZH = {
    "new": "新文件",
    "revised": "内容修改",
    "metadata_changed": "元数据变更",
    "validity_changed": "有效性变更",
    "suspected_removed": "疑似删除",
    "removed": "已删除",
    "reappeared": "重新出现",
    "moved": "迁移",
    "attachment_changed": "附件修改",
    "attachment_removed": "附件删除",
}
KWIC_CHARS = 30
MAX_DIFF_OPS = 200


def message_id(alert_id: int, domain: str = "policywatch.local") -> str:
    """The Message-ID of an alert: derived from its id, so a resend is recognisably the same mail."""
    return f"<alert-{alert_id}@{domain}>"


def unsubscribe_token(email: str, secret: str) -> str:
    """A signed token naming the subscriber (HMAC-SHA256)."""
    sig = hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{email.encode().hex()}.{sig}"


def kwic(text: str, keyword: str, width: int = KWIC_CHARS, limit: int = 3) -> list[str]:
    """Up to ``limit`` keyword-in-context snippets (``width`` chars each side)."""
    out: list[str] = []
    start = text.find(keyword)
    while start >= 0 and len(out) < limit:
        a, b = max(0, start - width), min(len(text), start + len(keyword) + width)
        out.append(text[a:b].replace("\n", " "))
        start = text.find(keyword, start + len(keyword))
    return out


def _diff(item: AlertItem) -> TextDiff | None:
    if item.previous_text is None or item.event_kind not in ("revised", "attachment_changed"):
        return None
    return word_diff(item.previous_text, item.text, default_segmenter().tokens, terms=find_terms)


def _diff_html(d: TextDiff) -> str:
    parts = []
    for op, text in d.ops[:MAX_DIFF_OPS]:
        t = escape(text if op else (text if len(text) < 120 else f"{text[:50]} … {text[-50:]}"))
        if op == 1:
            parts.append(f'<ins style="background:#d4f7d4;text-decoration:none">{t}</ins>')
        elif op == -1:
            parts.append(f'<del style="background:#f9d0d0">{t}</del>')
        else:
            parts.append(f'<span style="color:#555">{t}</span>')
    return "".join(parts).replace("\n", "<br>")


def _diff_text(d: TextDiff) -> str:
    lines = []
    for op, text in d.ops[:MAX_DIFF_OPS]:
        if op:
            lines.append(("+ " if op == 1 else "- ") + text.replace("\n", " ").strip())
    return "\n".join(lines)


def _evidence(item: AlertItem) -> str:
    """For deletion verdicts: how the page failed and since when."""
    how = item.details.get("how")
    if not how:
        return ""
    since = item.details.get("first_failure_at") or "?"
    return f"证据 Evidence: {how}, {item.details.get('failures', '?')} failed checks since {since}"


def _attachment_lines(item: AlertItem) -> list[str]:
    """For attachment events: which file of the document."""
    url = item.details.get("attachment_url")
    if not url:
        return []
    return [f"附件 Attachment: {item.details.get('attachment_name') or ''} {url}".replace("  ", " ")]


def _cite(item: AlertItem) -> str:
    at = to_utc(item.event_at)
    parts = [item.title or "(无标题)", item.agency or "", item.doc_number or "", item.url]
    stamp = f"{at:%Y-%m-%d %H:%M} UTC / {beijing(at):%Y-%m-%d %H:%M} 北京时间"
    return ". ".join(p for p in parts if p) + f". {stamp}"


def compose(item: AlertItem, *, sender: str, base_url: str, secret: str) -> EmailMessage:
    """Build the e-mail for one alert."""
    kind = KIND_ZH.get(item.event_kind, item.event_kind)
    title = item.title or item.url
    msg = EmailMessage()
    msg["Subject"] = f"[policywatch] {kind}: {title[:80]} ({'、'.join(item.keywords)})"
    msg["From"] = sender
    msg["To"] = item.email
    msg["Date"] = format_datetime(to_utc(item.event_at))
    msg["Message-ID"] = message_id(item.alert_id)
    unsub = f"{base_url.rstrip('/')}/unsubscribe?token={unsubscribe_token(item.email, secret)}"
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    d = _diff(item)
    snippets = {k: kwic(item.text, k) for k in item.keywords}
    text = [
        f"{kind} ({item.event_kind}) — {title}",
        f"机关 Agency: {item.agency or '—'}",
        f"文号 Number: {item.doc_number or '—'}",
        f"URL: {item.url}",
        *_attachment_lines(item),
        "",
        "关键词 Keywords:",
    ]
    for k, snips in snippets.items():
        text += [f"  {k}: …{s}…" for s in snips] or [f"  {k}"]
    if d is not None:
        text += ["", f"修改 Changes: +{d.inserted_chars} / -{d.deleted_chars} 字", _diff_text(d)]
    if evidence := _evidence(item):
        text += ["", evidence]
    text += ["", f"引用 Cite: {_cite(item)}", f"退订 Unsubscribe: {unsub}"]
    msg.set_content("\n".join(text), charset="utf-8")
    msg.add_alternative(_html(item, kind, title, snippets, d, unsub), subtype="html", charset="utf-8")
    return msg


def _html(
    item: AlertItem, kind: str, title: str, snippets: dict[str, list[str]], d: TextDiff | None, unsub: str
) -> str:
    rows = "".join(
        f"<li><b>{escape(k)}</b>: "
        + " ".join(
            "…" + escape(s).replace(escape(k), f'<mark style="background:#ffe58a">{escape(k)}</mark>') + "…"
            for s in snips
        )
        + "</li>"
        for k, snips in snippets.items()
    )
    diff = f"<p>{escape(_evidence(item))}</p>" if _evidence(item) else ""
    if d is not None:
        diff += (
            f'<h3 style="font-size:15px">修改 +{d.inserted_chars} / -{d.deleted_chars} 字</h3>'
            f'<div style="font-family:serif;line-height:1.6">{_diff_html(d)}</div>'
        )
    return (
        '<html><body style="font-family:sans-serif;font-size:14px;color:#222">'
        f'<h2 style="font-size:17px">{escape(kind)}: {escape(title)}</h2>'
        f"<p>机关: {escape(item.agency or '—')}<br>文号: {escape(item.doc_number or '—')}<br>"
        f'<a href="{escape(item.url, quote=True)}">{escape(item.url)}</a>'
        + "".join(f"<br>{escape(line)}" for line in _attachment_lines(item))
        + "</p>"
        f"<ul>{rows}</ul>{diff}"
        f'<p style="color:#666;font-size:12px">引用: {escape(_cite(item))}</p>'
        f'<p style="font-size:12px"><a href="{escape(unsub, quote=True)}">退订 Unsubscribe</a></p>'
        "</body></html>"
    )
