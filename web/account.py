"""Sign-in by e-mailed link, and a subscriber's own page: watch rules and delivery preferences.

``POST /signin`` mails a single-use link (rate-limited); the link's ``GET /signin/link`` only
shows a confirmation button — mail scanners follow links — and its ``POST`` redeems the token
and starts a session. Every POST checks the CSRF token. A subscriber reaches only their own rules:
the rule id in a URL is always combined with the signed-in subscriber's id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from common import clock
from common.errors import PolicywatchError, StoreError
from store.accounts import (
    LINK_TTL,
    TooManyRequests,
    issue_link,
    link_email,
    redeem_link,
    start_session,
    subscriber_of,
)
from store.accounts import end_session as end_db_session
from store.db import transaction
from store.models import Subscriber
from store.subscribers import DeliveryPrefs, add_rule, delete_rule, rules_of, unsubscribe, upsert_subscriber
from web.forms import rule_spec
from web.ui import SESSION_COOKIE, RowId, Ui

log = logging.getLogger("policywatch.web")
#: sends a sign-in link: (address, link, UI language); raises PolicywatchError when it cannot
SignInMailer = Callable[[str, str, str], None]


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def account_router(ui: Ui, mailer: SignInMailer) -> APIRouter:
    """Sign-in, sign-out and the signed-in subscriber's own rules and preferences."""
    router = APIRouter(include_in_schema=False)
    base = ui.settings.base_url.rstrip("/")

    @router.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request) -> HTMLResponse:
        return ui.render(request, "signin.html", title=ui.t(request)("sign_in"), state="form",
                         minutes=int(LINK_TTL.total_seconds() // 60))  # fmt: skip

    @router.post("/signin", response_class=HTMLResponse)
    async def signin_request(request: Request) -> HTMLResponse:
        form = await ui.form(request)
        if form is None:
            return ui.csrf_refused(request)
        t, email = ui.t(request), form.get("email", "").strip()
        client, lang = _client(request), ui.lang(request)

        def issue_and_mail() -> None:  # blocking (database, then SMTP): off the event loop
            with transaction(ui.sessions) as s:  # committed before the mail: no lock held during SMTP
                token = issue_link(s, email, client, clock.now())
            mailer(email, f"{base}/signin/link?{urlencode({'token': token})}", lang)

        try:
            await run_in_threadpool(issue_and_mail)
        except TooManyRequests as exc:
            return ui.message(request, 429, "rate_limited", str(exc))
        except StoreError as exc:
            return ui.render(request, "signin.html", 422, title=t("sign_in"), state="form", error=str(exc),
                             minutes=int(LINK_TTL.total_seconds() // 60))  # fmt: skip
        except PolicywatchError:
            log.exception("sign-in mail to %s failed", email)
            return ui.message(request, 503, "error", t("mail_failed"))
        return ui.render(request, "signin.html", title=t("sign_in"), state="sent", email=email)

    @router.get("/signin/link", response_class=HTMLResponse)
    def signin_confirm(request: Request, token: str = "") -> HTMLResponse:
        """The button that uses the link, naming the address it signs in as (a link someone else
        sent must not sign you in unawares)."""
        with ui.sessions() as s:
            email = link_email(s, token, clock.now())
        t = ui.t(request)
        if email is None:
            return ui.message(request, 400, "error", t("link_invalid"))
        return ui.render(request, "signin.html", title=t("sign_in"), state="confirm", token=token, email=email)

    @router.post("/signin/link", response_model=None)
    async def signin_redeem(request: Request) -> Response:
        form = await ui.form(request)
        if form is None:
            return ui.csrf_refused(request)
        with transaction(ui.sessions) as s:
            email = redeem_link(s, form.get("token", ""), clock.now())
            if email:  # whoever was signed in in this browser is signed out first
                end_db_session(s, request.cookies.get(SESSION_COOKIE, ""), clock.now())
            token = start_session(s, email, clock.now()) if email else ""
        if not email:
            return ui.message(request, 400, "error", ui.t(request)("link_invalid"))
        response = RedirectResponse("/account", status_code=303)
        ui.start_session(response, token)
        return response

    @router.post("/signout", response_model=None)
    async def signout(request: Request) -> Response:
        if await ui.form(request) is None:
            return ui.csrf_refused(request)
        with transaction(ui.sessions) as s:
            end_db_session(s, request.cookies.get(SESSION_COOKIE, ""), clock.now())
        response = RedirectResponse("/", status_code=303)
        ui.end_session(response)
        return response

    @router.get("/account", response_model=None)
    def account(request: Request, saved: str = "") -> Response:
        user = ui.user(request)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        with transaction(ui.sessions) as s:
            sub = subscriber_of(s, user, clock.now())
            rules = rules_of(s, sub.id)
            return ui.render(request, "account.html", title=ui.t(request)("account"), sub=sub,
                             rules=rules, saved=bool(saved), action="/account")  # fmt: skip

    @router.post("/account/rules", response_model=None)
    async def add_rule_route(request: Request) -> Response:
        return await _change(request, "add")

    @router.post("/account/rules/{rule_id}/delete", response_model=None)
    async def delete_rule_route(request: Request, rule_id: RowId) -> Response:
        return await _change(request, "delete", rule_id)

    @router.post("/account/prefs", response_model=None)
    async def prefs_route(request: Request) -> Response:
        return await _change(request, "prefs")

    async def _change(request: Request, what: str, rule_id: int = 0) -> Response:
        form, user = await ui.form(request), ui.user(request)
        if form is None:
            return ui.csrf_refused(request)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        try:
            with transaction(ui.sessions) as s:
                sub = subscriber_of(s, user, clock.now())
                apply_change(s, sub, what, form, rule_id)
        except StoreError as exc:
            return ui.message(request, 422, "error", str(exc))
        return RedirectResponse("/account?saved=1", status_code=303)

    return router


def apply_change(
    s: Session, sub: Subscriber, what: str, form: dict[str, str], rule_id: int = 0, own: bool = True
) -> None:
    """Apply one posted change (``add`` a rule, ``delete`` rule ``rule_id``, ``prefs``) to ``sub``'s
    settings (``own``: by the subscriber, not an admin); StoreError when the form is invalid."""
    now = clock.now()
    if what == "add":
        add_rule(s, sub, rule_spec(form), now)
    elif what == "delete":
        delete_rule(s, sub.id, rule_id)
    elif form.get("stop"):
        unsubscribe(s, sub.email, now)
    else:
        hour = form.get("digest_hour", "").strip()
        if hour and not re.fullmatch(r"[0-9]{1,2}", hour):
            raise StoreError(f"digest hour {hour!r}: give an hour from 0 to 23")
        prefs = DeliveryPrefs(
            language=form.get("language") or None, delivery=form.get("delivery") or None,
            digest_hour=int(hour) if hour else None, timezone=form.get("timezone") or None,
        )  # fmt: skip
        upsert_subscriber(s, sub.email, now, prefs, reactivate=own)  # their own save resumes mail; an admin's does not
