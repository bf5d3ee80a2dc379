"""Signed tokens (HMAC-SHA256) for links in e-mails: unsubscribe now, sign-in later.

A token is ``<purpose-free payload, hex>.<signature>``; the signature covers the purpose too,
so a token made for one purpose is refused for another. Unsubscribe tokens do not expire (an
old mail's link must keep working); :func:`verify` takes ``max_age`` for those that must.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def _sig(purpose: str, payload: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}\n{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def sign(purpose: str, value: str, secret: str, issued_at: int | None = None) -> str:
    """A token carrying ``value`` for ``purpose``, signed with ``secret``."""
    payload = f"{int(time.time()) if issued_at is None else issued_at}:{value}".encode().hex()
    return f"{payload}.{_sig(purpose, payload, secret)}"


def verify(purpose: str, token: str, secret: str, max_age: int | None = None, now: float | None = None) -> str | None:
    """The value of a valid token for ``purpose``; ``None`` when forged, damaged or too old."""
    payload, _, sig = token.strip().partition(".")
    if not secret or not token.isascii() or len(sig) != 32:
        return None
    if not hmac.compare_digest(sig.encode(), _sig(purpose, payload, secret).encode()):
        return None
    try:
        issued, _, value = bytes.fromhex(payload).decode().partition(":")
        age = (time.time() if now is None else now) - int(issued)
    except (ValueError, UnicodeDecodeError):
        return None
    if max_age is not None and not 0 <= age <= max_age:
        return None
    return value
