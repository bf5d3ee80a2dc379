"""The policywatch web application: the archive (search, documents, versions, diffs; the JSON API
under ``/api/v1``, :mod:`web.api`; pages, :mod:`web.pages`) and sign-in by mailed link with each
subscriber's own rules (:mod:`web.account`), the admin pages (:mod:`web.admin`), and the
unsubscribe endpoint every alert mail links to.

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
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from common import clock
from common.errors import ConfigError
from common.settings import Settings
from common.tokens import verify
from store.db import transaction
from store.subscribers import unsubscribe
from web.account import SignInMailer, account_router
from web.admin import admin_router
from web.api import api_router
from web.i18n import LANGS
from web.pages import pages_router
from web.ui import ANON_COOKIE, LANG_COOKIE, Ui, local_path, new_anon_id

log = logging.getLogger("policywatch.web")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def no_mailer(email: str, link: str, lang: str) -> None:
    """The sign-in mailer of an app built without one."""
    raise ConfigError("this policywatch instance cannot send sign-in mail (no mailer configured)")


def create_app(settings: Settings, sessions: sessionmaker[Session], mailer: SignInMailer = no_mailer) -> FastAPI:
    """The ASGI application over one archive; ``mailer`` sends sign-in links."""
    ui = Ui(settings, sessions)
    app = FastAPI(
        title="policywatch", version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json"
    )
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(api_router(sessions, Path(settings.data_dir) / "warc"))
    app.include_router(pages_router(ui))
    app.include_router(account_router(ui, mailer))
    app.include_router(admin_router(ui))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        anon = request.cookies.get(ANON_COOKIE)
        request.state.anon = anon or new_anon_id()  # the CSRF base before sign-in
        if "%00" in request.url.query or "\x00" in request.url.path:  # no text in the archive holds NUL
            response: Response = JSONResponse({"detail": "NUL characters are not allowed in a request"}, 400)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not anon and not request.url.path.startswith(("/api/", "/static/")):
            ui.set_cookie(response, ANON_COOKIE, request.state.anon, 365 * 86400)
        return response

    @app.get("/lang/{code}", include_in_schema=False)
    def switch_language(code: str, next: str = "/") -> Response:
        """Remember the UI language in a cookie and go back to the page."""
        response = RedirectResponse(local_path(next), status_code=303)
        if code in LANGS:
            ui.set_cookie(response, LANG_COOKIE, code, 365 * 86400)
        return response

    def page(request: Request, state: str, status: int, email: str = "", token: str = "") -> HTMLResponse:
        return ui.render(request, "unsubscribe.html", status, title="退订 Unsubscribe", state=state, email=email,
                         token=token)  # fmt: skip

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

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """A malformed parameter: the JSON 422 for the API, a page naming it elsewhere (an id
        that cannot exist, e.g. beyond 2³¹, is simply not in the archive)."""
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()) or "the request"
        return ui.render(request, "error.html", 404, title="未找到 Not found",
                         message=f"Nothing here: {where} is not valid in this address.")  # fmt: skip

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """Never a traceback on a page: the error is logged, the user told what to do."""
        log.exception("%s %s failed", request.method, request.url.path)
        message = "Something failed on our side; it has been logged. Try again, or tell the administrator."
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=500, headers=SECURITY_HEADERS)
        request.state.user = None  # the failure may be the database: do not look the user up again
        page = ui.render(request, "error.html", 500, title="出错了 Error", message=message)
        page.headers.update(SECURITY_HEADERS)  # this handler answers outside the middleware
        return page

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        """Liveness: the app answers."""
        return "ok"

    return app
