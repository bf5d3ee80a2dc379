"""The policywatch web application: the archive (search, documents, versions, diffs; the JSON API
under ``/api/v1``, :mod:`web.api`; pages, :mod:`web.pages`) and the unsubscribe endpoint every
alert mail links to.

``GET /unsubscribe?token=…`` shows a confirmation form (a GET never changes anything: mail
scanners follow links); ``POST /unsubscribe?token=…`` unsubscribes — the one-click request of
RFC 8058 that mail clients send for ``List-Unsubscribe-Post``, or the form's button. The signed
token is the only credential, so the POST needs no session or CSRF token. Every response carries
strict security headers; pages are Jinja2 templates with autoescaping.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.settings import Settings
from common.tokens import verify
from store.db import transaction
from store.subscribers import unsubscribe
from web.api import api_router
from web.pages import TEMPLATES, pages_router

log = logging.getLogger("policywatch.web")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings, sessions: sessionmaker[Session]) -> FastAPI:
    """The ASGI application over one archive."""
    app = FastAPI(
        title="policywatch", version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json"
    )
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(api_router(sessions))
    app.include_router(pages_router(settings, sessions))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def page(request: Request, state: str, status: int, email: str = "", token: str = "") -> HTMLResponse:
        context = {"title": "退订 Unsubscribe", "lang": "zh", "state": state, "email": email, "token": token}
        return TEMPLATES.TemplateResponse(request, "unsubscribe.html", context, status_code=status)

    @app.get("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe_form(request: Request, token: str = "") -> HTMLResponse:
        """The confirmation page of an unsubscribe link."""
        email = verify("unsubscribe", token, settings.secret_key)
        if email is None:
            return page(request, "invalid", 400)
        return page(request, "confirm", 200, email, token)

    @app.post("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe_now(request: Request, token: str = "") -> HTMLResponse:
        """Unsubscribe the address the token names (idempotent)."""
        email = verify("unsubscribe", token, settings.secret_key)
        if email is None:
            return page(request, "invalid", 400)
        with transaction(sessions) as s:
            unsubscribe(s, email, clock.now())
        return page(request, "done", 200, email)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """Never a traceback on a page: the error is logged, the user told what to do."""
        log.exception("%s %s failed", request.method, request.url.path)
        message = "Something failed on our side; it has been logged. Try again, or tell the administrator."
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=500)
        return TEMPLATES.TemplateResponse(
            request, "error.html", {"title": "出错了 Error", "lang": "zh", "message": message}, status_code=500
        )

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        """Liveness: the app answers."""
        return "ok"

    return app
