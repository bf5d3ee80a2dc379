"""Trends: the share of documents matching a query or tracked term per month and group, as a
server-rendered SVG chart (no script, no CDN), a table, CSV and JSON.

``GET /trends?q=…|tag=…&by=all|source|province|level&axis=published|captured&from=YYYY-MM&to=YYYY-MM``;
``/trends.csv`` and ``/api/v1/trends`` take the same parameters.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from common.clock import beijing
from processing.query import parse_query
from processing.terms import default_terms
from processing.trends import AXES, GROUPINGS, DocRow, TrendTable, build, month_of
from store.trends import document_dates, matching_ids
from web.searching import BadSearch, text_query

PALETTE = (
    "#a11",
    "#1f5fa8",
    "#2a8a3e",
    "#b86e00",
    "#6b3fa0",
    "#0f8a8a",
    "#c2185b",
    "#5d6d1e",
    "#444",
    "#8d6e63",
    "#e07b00",
    "#3b9bd6",
    "#9aa000",
)  # one colour per group: 12 groups and 未知
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 880, 320, 56, 170, 16, 56


@dataclass(frozen=True)
class TrendRequest:
    """What a trends form or API call asks for."""

    q: str = ""
    tag: str = ""
    by: str = "all"
    axis: str = "published"
    first: str = ""
    last: str = ""

    @classmethod
    def from_params(cls, params: Any) -> TrendRequest:
        """From a query string; BadSearch naming a bad parameter."""
        get = params.get
        req = cls(
            q=(get("q") or "").strip()[:500], tag=(get("tag") or "").strip()[:200], by=get("by") or "all",
            axis=get("axis") or "published", first=(get("from") or "").strip(), last=(get("to") or "").strip(),
        )  # fmt: skip
        if req.by not in GROUPINGS:
            raise BadSearch(f"by must be one of {', '.join(GROUPINGS)}")
        if req.axis not in AXES:
            raise BadSearch(f"axis must be one of {', '.join(AXES)}")
        for name, value in (("from", req.first), ("to", req.last)):
            if value and not re.fullmatch(r"(19|20)\d\d-(0[1-9]|1[0-2])", value):
                raise BadSearch(f"{name}: {value!r} is not a month (YYYY-MM)")
        return req

    @property
    def asked(self) -> bool:
        """True when there is something to count."""
        return bool(self.q or self.tag)


def run_trend(session: Session, req: TrendRequest) -> TrendTable:
    """The trend table ``req`` asks for."""
    query = text_query(parse_query(req.q)) if req.q else None
    matching = matching_ids(session, query, req.tag)
    rows = (
        DocRow(doc_id, month_of(beijing(published if req.axis == "published" and published else first_seen)),
               month_of(beijing(first_seen)), source, host, agency)
        for doc_id, published, first_seen, source, host, agency in document_dates(session)
    )  # fmt: skip
    return build(rows, matching, req.by, req.axis, req.first, req.last)


def tracked_terms() -> list[str]:
    """The shipped tracked terms (suggestions for the form)."""
    return sorted({t.term for t in default_terms()})


def to_csv(table: TrendTable) -> str:
    """The table as CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["group", "month", "matching", "documents", "share", "coverage"])
    writer.writeheader()
    writer.writerows(table.rows())
    return "\ufeff" + buf.getvalue()


def chart(table: TrendTable) -> dict[str, Any]:
    """Geometry of the SVG line chart: one polyline per group (broken at gaps), shaded columns for
    months not fully covered, axis ticks. The template draws it; labels are escaped there."""
    months, plot_w, plot_h = table.months, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not months:
        return {}
    top = max((s for g in table.groups for m in months if (s := table.share(g, m)) is not None), default=0.0)
    top = _nice(top)
    step = plot_w / len(months)  # one band per month, the point in its middle

    def x(i: int) -> float:
        return round(LEFT + (i + 0.5) * step, 1)

    def y(share: float) -> float:
        return round(TOP + plot_h - (share / top) * plot_h, 1) if top else TOP + plot_h

    lines = []
    for n, g in enumerate(table.groups):
        segments: list[list[tuple[float, float]]] = [[]]
        for i, m in enumerate(months):
            share = table.share(g, m)
            if share is None:
                segments.append([])
                continue
            segments[-1].append((x(i), y(share)))
        color = PALETTE[n % len(PALETTE)]
        paths = [" ".join(f"{px},{py}" for px, py in seg) for seg in segments if seg]
        points = [pt for seg in segments for pt in seg]
        lines.append({"group": g, "color": color, "paths": paths, "points": points, "legend_y": TOP + 14 + n * 18})
    shade = _shaded_columns(table, x, step)
    every = max(1, len(months) // 12)
    ticks = [{"x": x(i), "label": m} for i, m in enumerate(months) if i % every == 0]
    yticks = [{"y": y(top * k / 4), "label": _percent(top * k / 4)} for k in range(5)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
            "bottom": TOP + plot_h, "lines": lines, "shade": shade, "ticks": ticks, "yticks": yticks,
            "legend_x": WIDTH - RIGHT + 12}  # fmt: skip


def _shaded_columns(table: TrendTable, x: Any, step: float) -> list[dict[str, Any]]:
    """A column per month where no group is fully covered: grey for gaps, light for retro/backfill."""
    out = []
    for i, m in enumerate(table.months):
        kinds = {table.coverage[(g, m)] for g in table.groups}
        if "live" in kinds:
            continue
        kind = "gap" if kinds == {"gap"} else "partial"
        out.append({"x": round(x(i) - step / 2, 1), "w": round(max(step, 2), 1), "kind": kind, "month": m})
    return out


def _percent(share: float) -> str:
    """A share as a percentage with no more decimals than it needs (12.5%, 25%, 0.25%)."""
    text = f"{share * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _nice(value: float) -> float:
    """A round upper bound for the y axis (a share in 0..1)."""
    for bound in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1.0):
        if value <= bound:
            return bound
    return 1.0
