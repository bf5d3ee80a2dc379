"""The policywatch web application: for now the unsubscribe endpoint every alert mail links to.

``GET /unsubscribe?token=…`` shows a confirmation form (a GET never changes anything: mail
scanners follow links); ``POST /unsubscribe?token=…`` unsubscribes — the one-click request of
RFC 8058 that mail clients send for ``List-Unsubscribe-Post``, or the form's button. The signed
token is the only credential, so the POST needs no session or CSRF token. Every response carries
strict security headers; pages are Jinja2 templates with autoescaping.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.settings import Settings
from common.tokens import verify
from store.db import transaction
from store.subscribers import unsubscribe

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, sessions: sessionmaker[Session]) -> FastAPI:
    """The ASGI application over one archive."""
    app = FastAPI(title="policywatch", version="0.1.0", docs_url=None, redoc_url=None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def page(request: Request, state: str, status: int, email: str = "", token: str = "") -> HTMLResponse:
        context = {"title": "退订 Unsubscribe", "lang": "zh", "state": state, "email": email, "token": token}
        return TEMPLATES.TemplateResponse(request, "unsubscribe.html", context, status_code=status)

    @app.get("/unsubscribe", response_class=HTMLResponse)
    def unsubscribe_form(request: Request, token: str = "") -> HTMLResponse:
        """The confirmation page of an unsubscribe link."""
        email = verify("unsubscribe", token, settings.secret_key)
        if email is None:
            return page(request, "invalid", 400)
        return page(request, "confirm", 200, email, token)

    @app.post("/unsubscribe", response_class=HTMLResponse)
    def unsubscribe_now(request: Request, token: str = "") -> HTMLResponse:
        """Unsubscribe the address the token names (idempotent)."""
        email = verify("unsubscribe", token, settings.secret_key)
        if email is None:
            return page(request, "invalid", 400)
        with transaction(sessions) as s:
            unsubscribe(s, email, clock.now())
        return page(request, "done", 200, email)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        """Liveness: the app answers."""
        return "ok"

    return app
