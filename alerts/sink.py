"""A local SMTP sink (aiosmtpd) that keeps every message it receives: for the demo and tests."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # recipient → the reply that refuses its message after DATA

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.refuse:
                return self.refuse[rcpt]
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """A real SMTP server on 127.0.0.1 collecting messages in :attr:`messages`."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self._handler = _Keep()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far (kept across stop/start)."""
        return self._handler.messages

    @property
    def refuse(self) -> dict[str, str]:
        """Recipient → SMTP reply (e.g. ``"554 5.7.1 rejected"``) given after DATA instead of accepting."""
        return self._handler.refuse

    def start(self) -> SmtpSink:
        """Start serving in a background thread (again after :meth:`stop`, on the same port)."""
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop the server (an outage, for tests)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
