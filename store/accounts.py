"""Who may use the web app: admins, magic sign-in links and browser sessions.

A sign-in link carries a random token; the archive keeps only its SHA-256, so a copy of the
database signs nobody in. A link works once (:func:`redeem_link` marks it used in the same UPDATE
that checks it) and only until it expires. Links are rate-limited per address and per requesting
client. Sessions work the same way: the cookie holds a random token, the table its hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from common.errors import StoreError
from store.models import Admin, SignInToken, Subscriber, WebSession
from store.subscribers import check_email, subscriber_by_email, upsert_subscriber

LINK_TTL = timedelta(minutes=20)
SESSION_TTL = timedelta(days=14)
RATE_WINDOW = timedelta(minutes=15)
MAX_LINKS_PER_EMAIL = 3
MAX_LINKS_PER_CLIENT = 10


class TooManyRequests(StoreError):
    """Too many sign-in links asked for in :data:`RATE_WINDOW`."""


@dataclass(frozen=True)
class User:
    """The signed-in person: their address, whether they are an admin, their subscriber id if any."""

    email: str
    is_admin: bool
    subscriber_id: int | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_admin(session: Session, email: str, at: datetime) -> bool:
    """Make ``email`` an admin; False if it already was."""
    email = check_email(email)
    if _is_admin(session, email):
        return False
    session.add(Admin(email=email, created_at=at))
    session.flush()
    return True


def _is_admin(session: Session, email: str) -> bool:
    return session.scalar(select(Admin.id).where(func.lower(Admin.email) == email.lower()).limit(1)) is not None


def admins(session: Session) -> list[str]:
    """Every admin address."""
    return list(session.scalars(select(Admin.email).order_by(Admin.email)))


def issue_link(session: Session, email: str, client: str, at: datetime) -> str:
    """A new single-use sign-in token for ``email`` (the caller mails the link). Raises
    TooManyRequests when the address or the client asked too often recently, StoreError for a
    malformed address."""
    email = check_email(email)
    since = at - RATE_WINDOW
    recent = select(func.count(SignInToken.id)).where(SignInToken.created_at > since)
    if (session.scalar(recent.where(func.lower(SignInToken.email) == email.lower())) or 0) >= MAX_LINKS_PER_EMAIL:
        raise TooManyRequests(f"a sign-in link was sent to {email} {MAX_LINKS_PER_EMAIL} times in the last "
                              f"{RATE_WINDOW.seconds // 60} minutes; use one of those or wait")  # fmt: skip
    if (session.scalar(recent.where(SignInToken.client == client[:64])) or 0) >= MAX_LINKS_PER_CLIENT:
        raise TooManyRequests(f"too many sign-in links requested from here; wait {RATE_WINDOW.seconds // 60} minutes")
    token = secrets.token_urlsafe(32)
    row = SignInToken(token_hash=_hash(token), email=email, client=client[:64], created_at=at, expires_at=at + LINK_TTL)
    session.add(row)
    session.flush()
    return token


def link_email(session: Session, token: str, at: datetime) -> str | None:
    """The address a still usable (unused, unexpired) link token was issued for, without using it."""
    q = select(SignInToken.email).where(
        SignInToken.token_hash == _hash(token), SignInToken.used_at.is_(None), SignInToken.expires_at > at
    )
    return session.scalar(q)


def redeem_link(session: Session, token: str, at: datetime) -> str | None:
    """The address a valid, unused, unexpired link token was issued for, marking it used; else None.
    Two concurrent redemptions of one token: exactly one wins (a conditional UPDATE)."""
    claim = (
        update(SignInToken)
        .where(SignInToken.token_hash == _hash(token), SignInToken.used_at.is_(None), SignInToken.expires_at > at)
        .values(used_at=at)
    )
    if session.execute(claim).rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.scalar(select(SignInToken.email).where(SignInToken.token_hash == _hash(token)))


def start_session(session: Session, email: str, at: datetime) -> str:
    """A new browser session for ``email``; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash(token), email=email, created_at=at, expires_at=at + SESSION_TTL))
    session.flush()
    return token


def end_session(session: Session, token: str, at: datetime) -> None:
    """Sign the session out (its cookie stops working at once)."""
    q = update(WebSession).where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None))
    session.execute(q.values(ended_at=at))


def session_user(session: Session, token: str, at: datetime) -> User | None:
    """Who holds the session ``token``; None if it is unknown, ended or expired."""
    if not token:
        return None
    q = select(WebSession.email).where(
        WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None), WebSession.expires_at > at
    )
    email = session.scalar(q)
    if email is None:
        return None
    sub = subscriber_by_email(session, email)
    return User(email=email, is_admin=_is_admin(session, email), subscriber_id=sub.id if sub else None)


def subscriber_of(session: Session, user: User, at: datetime) -> Subscriber:
    """The signed-in person's subscriber row, created (active, no rules yet) on first use: signing
    in by a mailed link proved they own the address."""
    sub = subscriber_by_email(session, user.email)
    return sub if sub is not None else upsert_subscriber(session, user.email, at)
