"""The admin pages: every subscriber (their rules and mail, changed as they could change them) and
the configured sources' crawl status, with pause/resume (the daemon skips a paused source).

Only addresses made admins by ``policywatch admin create`` get in; everyone else gets a 403 (a
303 to the sign-in page when not signed in).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common import clock
from common.errors import StoreError
from store.db import transaction
from store.jobs import blocked, pause_source, resume_source, source_status
from store.models import Subscriber
from store.subscribers import all_subscribers, rules_of
from web.account import apply_change
from web.ui import RowId, Ui


def admin_router(ui: Ui) -> APIRouter:
    """``/admin`` and ``/admin/subscribers/{id}`` with its rule and preference forms."""
    router = APIRouter(include_in_schema=False)

    def gate(request: Request) -> Response | None:
        user = ui.user(request)
        if user is None:
            return RedirectResponse("/signin", status_code=303)
        if not user.is_admin:
            return ui.message(request, 403, "admin", ui.t(request)("admins_only"))
        return None

    @router.get("/admin", response_model=None)
    def overview(request: Request) -> Response:
        if (stop := gate(request)) is not None:
            return stop
        names = [src.name for src in ui.settings.sources if src.enabled]
        with ui.sessions() as s:
            subs = [(sub, len(rules)) for sub, rules in all_subscribers(s)]
            sources = source_status(s, names, clock.now())
            walls = blocked(s)
            return ui.render(request, "admin.html", title=ui.t(request)("admin"), subs=subs,
                             sources=sources, walls=walls)  # fmt: skip

    @router.get("/admin/subscribers/{sub_id}", response_model=None)
    def subscriber_page(request: Request, sub_id: RowId, saved: str = "") -> Response:
        if (stop := gate(request)) is not None:
            return stop
        with ui.sessions() as s:
            sub = s.get(Subscriber, sub_id)
            if sub is None:
                return ui.message(request, 404, "not_found", f"Subscriber {sub_id} does not exist.")
            return ui.render(request, "account.html", title=sub.email, sub=sub, rules=rules_of(s, sub.id),
                             saved=bool(saved), action=f"/admin/subscribers/{sub_id}")  # fmt: skip

    async def change(request: Request, sub_id: RowId, what: str, rule_id: int = 0) -> Response:
        form = await ui.form(request)
        if form is None:
            return ui.csrf_refused(request)
        if (stop := gate(request)) is not None:
            return stop
        try:
            with transaction(ui.sessions) as s:
                sub = s.get(Subscriber, sub_id)
                if sub is None:
                    return ui.message(request, 404, "not_found", f"Subscriber {sub_id} does not exist.")
                apply_change(s, sub, what, form, rule_id, own=False)
        except StoreError as exc:
            return ui.message(request, 422, "error", str(exc))
        return RedirectResponse(f"/admin/subscribers/{sub_id}?saved=1", status_code=303)

    @router.post("/admin/subscribers/{sub_id}/rules", response_model=None)
    async def add(request: Request, sub_id: RowId) -> Response:
        return await change(request, sub_id, "add")

    @router.post("/admin/subscribers/{sub_id}/rules/{rule_id}/delete", response_model=None)
    async def delete(request: Request, sub_id: RowId, rule_id: RowId) -> Response:
        return await change(request, sub_id, "delete", rule_id)

    @router.post("/admin/subscribers/{sub_id}/prefs", response_model=None)
    async def prefs(request: Request, sub_id: RowId) -> Response:
        return await change(request, sub_id, "prefs")

    @router.post("/admin/sources/{name}/{action}", response_model=None)
    async def source_action(request: Request, name: str, action: str) -> Response:
        form = await ui.form(request)
        if form is None:
            return ui.csrf_refused(request)
        if (stop := gate(request)) is not None:
            return stop
        if action not in ("pause", "resume") or name not in {src.name for src in ui.settings.sources}:
            return ui.message(request, 404, "not_found", f"No configured source {name!r} to {action}.")
        user = ui.user(request)
        with transaction(ui.sessions) as s:
            if action == "pause":
                pause_source(s, name, clock.now(), user.email if user else "")
            else:
                resume_source(s, name)
        return RedirectResponse("/admin", status_code=303)

    return router
