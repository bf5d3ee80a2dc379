"""Compose alert and digest e-mails without side effects: multipart text + HTML, UTF-8, RFC 2047
subjects, List-Unsubscribe with one-click (RFC 8058).

Everything taken from archived pages is escaped; no traceback or internal error text ever
reaches a recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from alerts.render import (
    attachment_line,
    citation,
    diff_html,
    diff_text,
    evidence,
    item_diff,
    kwic_html,
    kwic_lines,
    permalink,
    say,
    unsubscribe_url,
)
from common.clock import to_utc
from store.digests import DigestItem
from store.outbox import AlertItem

BODY_STYLE = "font-family:sans-serif;font-size:14px;color:#222"
DIGEST_DIFF_OPS = 60


@dataclass(frozen=True)
class MailContext:
    """Instance settings a mail needs."""

    sender: str
    base_url: str
    secret: str
    domain: str = "policywatch.local"


def message_id(kind: str, row_id: int, domain: str = "policywatch.local") -> str:
    """The Message-ID of an owed mail: derived from its outbox row, so a resend is recognisably the same mail."""
    return f"<{kind}-{row_id}@{domain}>"


def _envelope(subject: str, to: str, when: str, mid: str, unsub: str, ctx: MailContext) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = ctx.sender
    msg["To"] = to
    msg["Date"] = when
    msg["Message-ID"] = mid
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg


def _entry_text(item: AlertItem, base_url: str, max_ops: int) -> list[str]:
    """The text lines of one alert (a whole instant mail, or one digest entry)."""
    lang = item.language
    lines = [
        f"{say(item.event_kind, lang)} ({item.event_kind}) — {item.title or item.url}",
        f"{say('agency', lang)}: {item.agency or '—'}",
        f"{say('number', lang)}: {item.doc_number or '—'}",
        f"URL: {item.url}",
    ]
    if line := attachment_line(item):
        lines.append(line)
    lines.append(f"{say('keywords', lang)}:")
    for k in item.keywords:
        lines += [f"  {k}: {s}" for s in kwic_lines(item.text, k)] or [f"  {k}"]
    if (d := item_diff(item)) is not None:
        lines += [f"{say('changes', lang)}: +{d.inserted_chars} / -{d.deleted_chars} {say('chars', lang)}"]
        lines += [diff_text(d, max_ops)]
    if ev := evidence(item):
        lines.append(ev)
    if link := permalink(item, base_url):
        lines.append(f"{say('permalink', lang)}: {link}")
    lines.append(f"{say('cite', lang)}: {citation(item)}")
    return lines


def _entry_html(item: AlertItem, base_url: str, max_ops: int, heading: str = "h2") -> str:
    """The HTML of one alert (inline styles only)."""
    lang = item.language
    title = item.title or item.url
    kw = "".join(f"<li><b>{escape(k)}</b>: {kwic_html(item.text, k)}</li>" for k in item.keywords)
    extra = f"<br>{escape(line)}" if (line := attachment_line(item)) else ""
    body = f"<p>{escape(ev)}</p>" if (ev := evidence(item)) else ""
    if (d := item_diff(item)) is not None:
        body += (
            f'<p style="font-size:15px"><b>{escape(say("changes", lang))} +{d.inserted_chars} / '
            f"-{d.deleted_chars} {escape(say('chars', lang))}</b></p>"
            f'<div style="font-family:serif;line-height:1.6">{diff_html(d, max_ops)}</div>'
        )
    link = permalink(item, base_url)
    archived = f'<br><a href="{escape(link, quote=True)}">{escape(say("permalink", lang))}</a>' if link else ""
    return (
        f'<{heading} style="font-size:16px">{escape(say(item.event_kind, lang))}: {escape(title)}</{heading}>'
        f"<p>{escape(say('agency', lang))}: {escape(item.agency or '—')}<br>"
        f"{escape(say('number', lang))}: {escape(item.doc_number or '—')}<br>"
        f'<a href="{escape(item.url, quote=True)}">{escape(item.url)}</a>{extra}{archived}</p>'
        f"<ul>{kw}</ul>{body}"
        f'<p style="color:#666;font-size:12px">{escape(say("cite", lang))}: {escape(citation(item))}</p>'
    )


def compose(item: AlertItem, ctx: MailContext) -> EmailMessage:
    """The instant e-mail for one alert."""
    lang = item.language
    unsub = unsubscribe_url(item.email, ctx.base_url, ctx.secret)
    title = " ".join((item.title or item.url).split())  # a header holds no line breaks
    subject = f"[policywatch] {say(item.event_kind, lang)}: {title[:80]} ({'、'.join(item.keywords)})"
    when = format_datetime(to_utc(item.event_at))
    msg = _envelope(subject, item.email, when, message_id("alert", item.alert_id, ctx.domain), unsub, ctx)
    text = [*_entry_text(item, ctx.base_url, 200), "", f"{say('unsubscribe', lang)}: {unsub}"]
    msg.set_content("\n".join(text), charset="utf-8")
    html = (
        f'<html><body style="{BODY_STYLE}">{_entry_html(item, ctx.base_url, 200)}'
        f'<p style="font-size:12px"><a href="{escape(unsub, quote=True)}">{escape(say("unsubscribe", lang))}</a></p>'
        "</body></html>"
    )
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def by_document(items: tuple[AlertItem, ...]) -> list[list[AlertItem]]:
    """Digest entries grouped by document (documentless events each alone), in first-event order."""
    groups: dict[object, list[AlertItem]] = {}
    for item in items:
        groups.setdefault(item.document_id or f"event-{item.alert_id}", []).append(item)
    return list(groups.values())


def compose_digest(digest: DigestItem, ctx: MailContext) -> EmailMessage:
    """The daily digest e-mail: one section per document, each of its events with KWIC and a compact diff."""
    lang = digest.language
    groups = by_document(digest.items)
    unsub = unsubscribe_url(digest.email, ctx.base_url, ctx.secret)
    count = f"{len(groups)} {say('documents', lang)}"
    subject = f"[policywatch] {say('digest', lang)} {digest.period}: {count}"
    last = max((i.event_at for i in digest.items), default=None)
    when = format_datetime(to_utc(last)) if last else format_datetime(to_utc(digest.items[0].event_at))
    msg = _envelope(subject, digest.email, when, message_id("digest", digest.digest_id, ctx.domain), unsub, ctx)
    text = [f"{say('digest', lang)} {digest.period} — {count}", ""]
    html = [f'<html><body style="{BODY_STYLE}"><h1 style="font-size:18px">{escape(subject)}</h1>']
    for n, group in enumerate(groups, 1):
        head = group[0].title or group[0].url
        text += [f"{'=' * 4} {n}. {head}"]
        html.append(f'<h2 style="font-size:17px;border-top:1px solid #ccc;padding-top:8px">{n}. {escape(head)}</h2>')
        for item in group:
            text += [*_entry_text(item, ctx.base_url, DIGEST_DIFF_OPS), ""]
            html.append(_entry_html(item, ctx.base_url, DIGEST_DIFF_OPS, heading="h3"))
    text.append(f"{say('unsubscribe', lang)}: {unsub}")
    html.append(
        f'<p style="font-size:12px"><a href="{escape(unsub, quote=True)}">{escape(say("unsubscribe", lang))}</a></p>'
    )
    msg.set_content("\n".join(text), charset="utf-8")
    msg.add_alternative("".join(html) + "</body></html>", subtype="html", charset="utf-8")
    return msg
