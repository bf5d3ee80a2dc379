"""Server-rendered pages: search, a document's history, a version (permalink), a diff, raw downloads.

Everything shown from the archive goes through Jinja2's autoescaping; archived HTML is never
rendered — a capture is only offered as a download (``application/octet-stream``,
``Content-Disposition: attachment``). Links to original URLs are kept only when they are http(s).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from store.attachments import attachment_version_detail
from store.queries import history, raw_capture, version_detail
from store.search import CANDIDATES
from web.api import diff_of
from web.searching import BadSearch, SearchRequest, run_search
from web.trends import TrendRequest, chart, run_trend, to_csv, tracked_terms
from web.ui import MAX_ROW_ID, RowId, Ui

LABELS = (
    ("title", "标题"), ("agency", "发文机关"), ("doc_number", "发文字号"), ("written_date", "成文日期"),
    ("publish_date", "发布日期"), ("index_number", "索引号"), ("topic", "主题分类"), ("validity", "有效性"),
)  # fmt: skip


def not_found(ui: Ui, request: Request, what: str) -> HTMLResponse:
    """The 404 page naming what is missing."""
    return ui.message(request, 404, "not_found", f"{what} is not in the archive.")


def pages_router(ui: Ui) -> APIRouter:
    """The HTML routes over one archive."""
    router = APIRouter(include_in_schema=False)
    settings, sessions = ui.settings, ui.sessions

    @router.get("/", response_class=HTMLResponse)
    def search_page(request: Request) -> HTMLResponse:
        req = SearchRequest.from_params(request.query_params)
        results, error = None, None
        if req.q:
            try:
                with sessions() as s:
                    results = run_search(s, req)
            except BadSearch as exc:
                error = str(exc)
        params = {k: dict(req.params).get(k, "") for k in ("agency", "topic", "validity", "published_from",
                                                            "published_to", "event_kind")}  # fmt: skip
        status = 422 if error else 200
        keep = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "size", "format", "lang")]
        return ui.render(request, "search.html", status, title=req.q or "搜索 Search", req=req, params=params,
                      results=results, error=error, cap=CANDIDATES, export_query=urlencode(keep))  # fmt: skip

    @router.get("/documents/{doc_id}", response_class=HTMLResponse)
    def document_page(request: Request, doc_id: RowId) -> HTMLResponse:
        with sessions() as s:
            doc = history(s, str(doc_id))
        if doc is None:
            return not_found(ui, request, f"Document {doc_id}")
        title = (doc["versions"][-1]["title"] if doc["versions"] else None) or doc["url"]
        return ui.render(request, "document.html", title=title, doc=doc)

    @router.get("/documents/{doc_id}/versions/{version_id}", response_class=HTMLResponse)
    def version_page(request: Request, doc_id: RowId, version_id: RowId) -> HTMLResponse:
        with sessions() as s:
            v = version_detail(s, version_id)
        if v is None or v["doc_id"] != doc_id:
            return not_found(ui, request, f"Version {version_id} of document {doc_id}")
        permalink = f"{settings.base_url.rstrip('/')}/documents/{doc_id}/versions/{version_id}"
        return ui.render(request, "version.html", title=v["metadata"]["title"] or v["url"], v=v, labels=LABELS,
                      permalink=permalink)  # fmt: skip

    @router.get("/documents/{doc_id}/diff", response_class=HTMLResponse)
    def diff_page(request: Request, doc_id: RowId) -> HTMLResponse:
        args = request.query_params
        ids = [args.get("from", ""), args.get("to", "")]
        if not all(i.isdigit() and 0 < int(i) <= MAX_ROW_ID for i in ids):
            return ui.message(request, 422, "diff", "give two version ids: ?from=…&to=…")
        with sessions() as s:
            old, new = (version_detail(s, int(i)) for i in ids)
        if old is None or new is None or old["doc_id"] != doc_id or new["doc_id"] != doc_id:
            return not_found(ui, request, f"One of versions {ids[0]} and {ids[1]} of document {doc_id}")
        return ui.render(request, "diff.html", title="Diff", old=old, new=new, d=diff_of(old, new))

    @router.get("/attachments/versions/{version_id}", response_class=HTMLResponse)
    def attachment_page(request: Request, version_id: RowId) -> HTMLResponse:
        with sessions() as s:
            v = attachment_version_detail(s, version_id)
        if v is None:
            return not_found(ui, request, f"Attachment version {version_id}")
        prev = v["previous"]
        d = diff_of({"metadata": {}, "text": prev["text"], "version_id": prev["version_id"]},
                    {"metadata": {}, "text": v["text"], "version_id": v["version_id"]}) if prev else None  # fmt: skip
        return ui.render(request, "attachment.html", title=v["name"] or v["url"], v=v, d=d)

    @router.get("/trends", response_class=HTMLResponse)
    def trends_page(request: Request) -> HTMLResponse:
        table, error, req = None, None, TrendRequest()
        try:
            req = TrendRequest.from_params(request.query_params)
            if req.asked:
                with sessions() as s:
                    table = run_trend(s, req)
        except BadSearch as exc:
            error = str(exc)
        csv_query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
        return ui.render(request, "trends.html", 422 if error else 200, title=ui.t(request)("trends"), req=req,
                         table=table, error=error, chart=chart(table) if table else {}, terms=tracked_terms(),
                         csv_query=csv_query)  # fmt: skip

    @router.get("/trends.csv")
    def trends_csv(request: Request) -> Response:
        try:
            req = TrendRequest.from_params(request.query_params)
        except BadSearch as exc:
            return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
        if not req.asked:
            return Response("give q (a search) or tag (a tracked term)", 422, media_type="text/plain; charset=utf-8")
        with sessions() as s:
            table = run_trend(s, req)
        headers = {"Content-Disposition": 'attachment; filename="policywatch-trend.csv"'}
        return Response(to_csv(table), media_type="text/csv; charset=utf-8", headers=headers)

    @router.get("/captures/{capture_id}/raw")
    def raw(request: Request, capture_id: RowId) -> Response:
        with sessions() as s:
            found = raw_capture(s, capture_id)
        if found is None:
            return not_found(ui, request, f"Capture {capture_id}")
        body, name = found
        headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
        return Response(body, media_type="application/octet-stream", headers=headers)

    return router
