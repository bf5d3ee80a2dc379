"""SMTP transport only: hand a composed message to the configured server."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from common.errors import AlertDeliveryError
from common.settings import Settings

TIMEOUT_S = 30


def send(msg: EmailMessage, settings: Settings) -> None:
    """Send ``msg`` with the instance's SMTP settings; AlertDeliveryError with the server named on failure."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        if settings.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise AlertDeliveryError(
            f"could not send alert mail via SMTP server {where}: {exc}. "
            "Check POLICYWATCH_SMTP_HOST/PORT/USER/PASSWORD; the alert stays queued and will be retried."
        ) from exc
