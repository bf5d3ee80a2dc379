"""Trend tables: how many documents match a term or query per month and group (site, province,
issuer level), out of how many documents the archive holds for that month and group.

A share, never a bare count: crawling more sites must not look like a rise. And every cell says
how well it is covered — ``gap`` (no documents at all: no data, not zero), ``retro`` (published
before the group was first crawled: only documents still online then were found, so removals
before that are missing), ``backfill`` (by capture month: the first crawl's month holds the whole
backlog) or ``live``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from processing.regions import UNKNOWN, agency_level, province_of

GROUPINGS = ("all", "source", "province", "level")
AXES = ("published", "captured")
COVERAGE = ("live", "retro", "backfill", "gap")
MAX_MONTHS = 600


@dataclass(frozen=True)
class DocRow:
    """What a trend needs of one document: its month on the axis, when it was first captured, where it is from."""

    doc_id: int
    month: str  # YYYY-MM on the chosen axis
    first_month: str  # YYYY-MM of its first capture
    source: str
    host: str
    agency: str | None


@dataclass
class TrendTable:
    """Counts per (group, month) with coverage; ``months`` is every month of the range, in order."""

    months: list[str]
    groups: list[str]
    matches: Counter[tuple[str, str]] = field(default_factory=Counter)
    totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    coverage: dict[tuple[str, str], str] = field(default_factory=dict)

    def share(self, group: str, month: str) -> float | None:
        """Matching documents / documents, or None for a gap (no documents that month)."""
        total = self.totals[(group, month)]
        return self.matches[(group, month)] / total if total else None

    def rows(self) -> list[dict[str, object]]:
        """One row per group and month (the CSV and the JSON)."""
        out: list[dict[str, object]] = []
        for g in self.groups:
            for m in self.months:
                share = self.share(g, m)
                out.append({
                    "group": g, "month": m, "matching": self.matches[(g, m)], "documents": self.totals[(g, m)],
                    "share": None if share is None else round(share, 6), "coverage": self.coverage[(g, m)],
                })  # fmt: skip
        return out


def group_of(row: DocRow, grouping: str) -> str:
    """The group a document falls in for ``grouping`` (see :data:`GROUPINGS`)."""
    if grouping == "source":
        return row.source
    if grouping == "province":
        return province_of(row.agency, row.host)
    if grouping == "level":
        return agency_level(row.agency)
    return "全部"


def month_range(first: str, last: str, most: int = MAX_MONTHS) -> list[str]:
    """Every YYYY-MM from ``first`` to ``last`` inclusive; only the last ``most`` of them when the
    range is longer (a mistyped year must not push the recent months out)."""
    if not first or not last or first > last:
        return []
    y, m = int(last[:4]), int(last[5:7])
    out: list[str] = []
    while f"{y:04d}-{m:02d}" >= first and len(out) < most:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def build(
    rows: Iterable[DocRow], matching: set[int], grouping: str, axis: str,
    first: str = "", last: str = "", max_groups: int = 12,
) -> TrendTable:  # fmt: skip
    """The trend table of ``rows`` (all documents) of which ``matching`` match, grouped by
    ``grouping``, over months ``first``..``last`` (default: the documents' own range). Only the
    ``max_groups`` groups with most matching (then most) documents are kept, and 未知 if present."""
    totals: Counter[tuple[str, str]] = Counter()
    matches: Counter[tuple[str, str]] = Counter()
    started: dict[str, str] = {}  # site → month of its first capture
    sites: dict[tuple[str, str], set[str]] = {}  # (group, month) → the sites whose documents are counted there
    for r in rows:
        started[r.source] = min(started.get(r.source, r.first_month), r.first_month)
        if not r.month or (first and r.month < first) or (last and r.month > last):
            continue
        g = group_of(r, grouping)
        totals[(g, r.month)] += 1
        matches[(g, r.month)] += r.doc_id in matching
        sites.setdefault((g, r.month), set()).add(r.source)
    seen = sorted({m for _g, m in totals})
    months = month_range(first or (seen[0] if seen else ""), last or (seen[-1] if seen else ""))
    weight: dict[str, tuple[int, int]] = {}
    for (g, m), n in totals.items():
        hits, docs = weight.get(g, (0, 0))
        weight[g] = (hits + matches[(g, m)], docs + n)
    ordered = sorted((g for g in weight if g != UNKNOWN), key=lambda g: (-weight[g][0], -weight[g][1], g))
    groups = ordered[:max_groups] + ([UNKNOWN] if UNKNOWN in weight else [])
    table = TrendTable(months, groups, matches, totals)
    for g in groups:
        for m in months:
            firsts = {started[s] for s in sites.get((g, m), ())}
            table.coverage[(g, m)] = _coverage(totals[(g, m)], m, firsts, axis)
    return table


def _coverage(total: int, month: str, first_months: set[str], axis: str) -> str:
    """A cell's coverage from the first-capture months of the sites counted in it: any site not
    yet crawled then makes it ``retro``, any site's first crawl in that month ``backfill``."""
    if not total:
        return "gap"
    if axis == "published" and any(month < f for f in first_months):
        return "retro"
    if axis == "captured" and month in first_months:
        return "backfill"
    return "live"


def month_of(day: date | None) -> str:
    """YYYY-MM of a date (empty for None). Give instants in Beijing time: a document published on
    1 March is stored as midnight Beijing time, still February in UTC."""
    return f"{day.year:04d}-{day.month:02d}" if day else ""
