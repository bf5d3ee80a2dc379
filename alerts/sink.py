"""A local SMTP sink (aiosmtpd) that keeps every message it receives: for the demo and tests."""

from __future__ import annotations

import asyncio
import socket
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # recipient → the reply that refuses its message after DATA
        self.delay_s = 0.0  # seconds before the reply to the final dot (a slow content filter)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.refuse:
                return self.refuse[rcpt]
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)  # kept (queued for delivery) before answering, as a real server does
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Login:
    """Accepts exactly one user name and password (AUTH PLAIN/LOGIN)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (self.user, self.password)
        return AuthResult(success=ok, handled=False)


class SmtpSink:
    """A real SMTP server on 127.0.0.1 collecting messages in :attr:`messages`.

    ``security`` ``starttls`` or ``ssl`` serves TLS with ``cert``/``key`` (PEM files); with
    ``login`` = (user, password) it requires AUTH (over TLS) before accepting mail."""

    def __init__(
        self, port: int = 0, security: str = "none", cert: str = "", key: str = "", login: tuple[str, str] | None = None
    ) -> None:
        self.port = port or free_port()
        self._handler = _Keep()
        self._controller: Controller | None = None
        self._options: dict[str, Any] = {}
        if security in ("starttls", "ssl"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self._options = (
                {"tls_context": context, "require_starttls": True}
                if security == "starttls"
                else {"ssl_context": context}
            )
        if login:
            self._options.update(authenticator=_Login(*login), auth_required=True)
            if security == "ssl":  # aiosmtpd only counts STARTTLS as TLS; this connection is TLS from the start
                self._options["auth_require_tls"] = False

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far (kept across stop/start)."""
        return self._handler.messages

    @property
    def delay_s(self) -> float:
        """Seconds the server waits before answering the final dot of DATA."""
        return self._handler.delay_s

    @delay_s.setter
    def delay_s(self, value: float) -> None:
        self._handler.delay_s = value

    @property
    def refuse(self) -> dict[str, str]:
        """Recipient → SMTP reply (e.g. ``"554 5.7.1 rejected"``) given after DATA instead of accepting."""
        return self._handler.refuse

    def start(self) -> SmtpSink:
        """Start serving in a background thread (again after :meth:`stop`, on the same port)."""
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port, **self._options)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop the server (an outage, for tests)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
