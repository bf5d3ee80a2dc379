"""The sign-in mail: a magic link to the web app, in the reader's UI language, text + HTML.

Sent at once (not through the outbox): the person is waiting for it, and a lost one is simply
asked for again. It carries no archived text, only the link.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from alerts.dispatch import mail_context
from alerts.smtp import send
from common.clock import now
from common.settings import Settings

WORDING = {
    "zh": ("policywatch 登录链接", "点击以下链接登录 policywatch（{minutes} 分钟内有效，仅可使用一次）：",
           "如果您没有申请登录，请忽略此邮件。"),
    "en": ("Your policywatch sign-in link",
           "Open this link to sign in to policywatch (valid for {minutes} minutes, once):",
           "If you did not ask to sign in, ignore this mail."),
}  # fmt: skip


def sign_in_mail(sender: str, to: str, link: str, lang: str, minutes: int, domain: str) -> EmailMessage:
    """The sign-in mail for ``to`` carrying ``link``."""
    subject, intro, ignore = WORDING.get(lang, WORDING["zh"])
    intro = intro.format(minutes=minutes)
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, sender, to
    msg["Date"] = format_datetime(now())
    msg["Message-ID"] = make_msgid("signin", domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(f"{intro}\n\n{link}\n\n{ignore}\n", charset="utf-8")
    html = (
        f'<p>{escape(intro)}</p><p><a href="{escape(link, quote=True)}">{escape(link)}</a></p>'
        f'<p style="color:#666">{escape(ignore)}</p>'
    )
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def sign_in_mailer(settings: Settings, minutes: int) -> Callable[[str, str, str], None]:
    """A function ``(email, link, lang)`` that sends the sign-in mail with the instance's SMTP
    settings (AlertDeliveryError when it cannot)."""

    def mail(email: str, link: str, lang: str) -> None:
        ctx = mail_context(settings)  # ConfigError naming the setting when the instance cannot sign
        send(sign_in_mail(ctx.sender, email, link, lang, minutes, ctx.domain), settings)

    return mail
