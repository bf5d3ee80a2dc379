"""SMTP transport only: hand a composed message to the configured server.

:func:`send` speaks the SMTP transaction itself so the caller can act at the one moment that
decides delivery: the server keeps a message only once it has read the final ``.`` line. With
``hand_over`` the whole message is sent except that line, then ``hand_over(send_final_dot)``
runs — the dispatcher marks the mail sent in an open database transaction, writes the dot and
commits — and only then is the server's answer read. ``hand_over`` returning False (the claim
was lost) closes the connection before the dot: the server discards the message. After the dot
only an explicit refusal counts as a failure; silence (timeout, disconnect) is ``UNCONFIRMED``:
the server had the whole message, so sending it again would duplicate it.
"""

from __future__ import annotations

import io
import re
import smtplib
import ssl
from collections.abc import Callable
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from common.errors import AlertDeliveryError
from common.settings import Settings

TIMEOUT_S = 30
FINAL_REPLY_TIMEOUT_S = 600
HandOver = Callable[[Callable[[], None]], bool]
_LEADING_DOT = re.compile(rb"(?m)^\.")


def wire_bytes(msg: EmailMessage) -> bytes:
    """The message as sent in DATA: CRLF line ends, leading dots doubled, ending in CRLF (no final dot)."""
    buf = io.BytesIO()
    BytesGenerator(buf, policy=msg.policy.clone(linesep="\r\n")).flatten(msg, linesep="\r\n")
    data = _LEADING_DOT.sub(b"..", buf.getvalue())
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _connect(settings: Settings) -> smtplib.SMTP:
    """A connection, encrypted as configured; the server's certificate is always verified (against
    ``smtp_ca_file`` when set, e.g. a private CA, else the system's CAs)."""
    context = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S, context=context)
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
    if settings.smtp_security == "starttls":
        client.starttls(context=context)
    return client


class Outcome(StrEnum):
    """How a hand-over ended."""

    SENT = "sent"  # the server confirmed with 250
    DECLINED = "declined"  # hand_over said no: the connection was closed before the final dot
    UNCONFIRMED = "unconfirmed"  # the final dot was written but no reply came (timeout, disconnect)


def _transfer(client: smtplib.SMTP, msg: EmailMessage, hand_over: HandOver | None) -> Outcome:
    client.ehlo_or_helo_if_needed()
    sender = parseaddr(str(msg["From"]))[1]
    code, resp = client.mail(sender)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    for _, rcpt in getaddresses([str(v) for v in msg.get_all("To", [])]):
        code, resp = client.rcpt(rcpt)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({rcpt: (code, resp)})
    code, resp = client.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, resp)
    client.send(wire_bytes(msg))

    def final_dot() -> None:
        client.send(b".\r\n")

    if hand_over is None:
        final_dot()
    elif not hand_over(final_dot):
        client.close()  # no final dot: the server drops the message
        return Outcome.DECLINED
    if client.sock is not None:
        client.sock.settimeout(FINAL_REPLY_TIMEOUT_S)  # RFC 5321 4.5.3.2.6: servers may take 10 minutes
    try:
        code, resp = client.getreply()
    except (OSError, smtplib.SMTPServerDisconnected):
        return Outcome.UNCONFIRMED  # the server had the whole message; treating it as unsent would duplicate it
    if code != 250:
        raise smtplib.SMTPDataError(code, resp)
    return Outcome.SENT


def _permanent(exc: Exception) -> bool:
    """True when the server refused this mail for good (5xx to its recipient or its content), so
    retrying cannot help. A refused login or sender is the configuration's fault, not the mail's."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def _server_trouble(exc: Exception) -> bool:
    """True when the server (not this one mail) is the problem: unreachable, TLS, login, 421."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421 or isinstance(exc, smtplib.SMTPAuthenticationError)
    return not isinstance(exc, smtplib.SMTPRecipientsRefused)


def send(msg: EmailMessage, settings: Settings, hand_over: HandOver | None = None) -> Outcome:
    """Send ``msg`` with the instance's SMTP settings (see the module doc for ``hand_over``).
    Raises AlertDeliveryError naming the server on failure: ``permanent`` for a 5xx refusal of
    this mail, ``server_down`` when the server rather than the mail is the problem."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        client = _connect(settings)
        try:
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            done = _transfer(client, msg, hand_over)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
    except (OSError, smtplib.SMTPException) as exc:
        raise AlertDeliveryError(
            f"could not send alert mail via SMTP server {where}: {exc}. "
            "Check POLICYWATCH_SMTP_HOST/PORT/USER/PASSWORD; the alert stays queued and will be retried.",
            permanent=_permanent(exc),
            server_down=_server_trouble(exc),
        ) from exc
    return done
