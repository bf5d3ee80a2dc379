"""What every page shares: the layout's context (language, signed-in user, CSRF token), cookies.

CSRF: every state-changing form carries ``csrf``, an HMAC of the browser's session token (or,
before sign-in, of its random ``pw_anon`` cookie) under the instance's secret key. A page on
another site can neither read the cookie nor compute the HMAC, so its forged POST is refused.
Cookies are HttpOnly, SameSite=Lax, and Secure when the instance is served over https.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.settings import Settings
from store.accounts import SESSION_TTL, User, session_user
from web.i18n import pick, translator

MAX_ROW_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; a larger one in a URL is simply not there
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
TEMPLATES = Jinja2Templates(directory=str(FilePath(__file__).parent / "templates"))
_PROCESS_KEY = secrets.token_bytes(32)  # without a configured secret key: valid until a restart
SESSION_COOKIE = "pw_session"
ANON_COOKIE = "pw_anon"
LANG_COOKIE = "lang"


def http_only(url: Any) -> str:
    """``url`` if it is an http(s) URL, else ``#`` (no javascript:/data: links from archived data)."""
    return str(url) if urlsplit(str(url)).scheme in ("http", "https") else "#"


def local_path(target: str) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirects)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


TEMPLATES.env.filters["http_only"] = http_only


class Ui:
    """Page rendering and the browser's identity for one archive."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.settings = settings
        self.sessions = sessions
        self.secure = settings.base_url.startswith("https://")

    def lang(self, request: Request) -> str:
        """The UI language of this request."""
        query = request.query_params.get("lang")
        return pick(query, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language", ""))

    def t(self, request: Request) -> Callable[..., str]:
        """The translator of this request's language."""
        return translator(self.lang(request))

    def user(self, request: Request) -> User | None:
        """The signed-in user, if any (looked up once per request)."""
        if not hasattr(request.state, "user"):
            token = request.cookies.get(SESSION_COOKIE, "")
            with self.sessions() as s:
                request.state.user = session_user(s, token, clock.now()) if token else None
        user: User | None = request.state.user
        return user

    def csrf(self, request: Request) -> str:
        """The CSRF token forms of this browser must carry."""
        base = request.cookies.get(SESSION_COOKIE) or getattr(request.state, "anon", "") or ""
        key = self.settings.secret_key.encode() or _PROCESS_KEY
        return hmac.new(key, f"csrf\n{base}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request, value: str) -> bool:
        """True when ``value`` is this browser's CSRF token."""
        return bool(value) and hmac.compare_digest(value, self.csrf(request))

    async def form(self, request: Request) -> dict[str, str] | None:
        """The posted form (several values of one field joined by commas), or None when its CSRF
        token is not this browser's."""
        posted = await request.form()
        form = {k: ",".join(str(v).replace("\x00", "") for v in posted.getlist(k)) for k in posted}
        return form if self.csrf_ok(request, form.get("csrf", "")) else None

    def csrf_refused(self, request: Request) -> HTMLResponse:
        """The page for a form post without this browser's CSRF token."""
        return self.message(request, 403, "error", self.t(request)("csrf_failed"))

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page in the base layout, in the request's language."""
        lang = self.lang(request)
        context.update(lang=lang, t=translator(lang), user=self.user(request), csrf=self.csrf(request))
        context.setdefault("title", "policywatch")
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        context.setdefault("here", here)
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status)

    def message(self, request: Request, status: int, title_key: str, message: str) -> HTMLResponse:
        """A page that only says something (errors, confirmations)."""
        t = self.t(request)
        return self.render(request, "error.html", status, title=t(title_key), message=message)

    def set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        """Set one of the app's cookies with the strict flags."""
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=self.secure, path="/")

    def start_session(self, response: Response, token: str) -> None:
        """Put a new session token in the browser."""
        self.set_cookie(response, SESSION_COOKIE, token, int(SESSION_TTL.total_seconds()))

    def end_session(self, response: Response) -> None:
        """Remove the session cookie."""
        response.delete_cookie(SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax")


def new_anon_id() -> str:
    """A random id for a browser that has none yet (the base of its CSRF token before sign-in)."""
    return secrets.token_urlsafe(24)
