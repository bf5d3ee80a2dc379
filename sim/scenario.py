"""The scripted world: which documents each site has and what happens to them on each day.

:func:`build_scenario` is pure (no server, no clock): the same seed gives the same
documents, URLs, texts and schedule. The schedule (days 0..LAST_DAY) is fixed; the seed
picks texts, dates and identifiers. See docs/sim.md for the truth kinds and
:func:`sim.truth.expected_events` for what a crawler should report.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim import content
from sim.build import DocSpec, make_documents, make_reprint
from sim.model import (
    LAST_DAY,
    SITES,
    Attachment,
    DocState,
    Document,
    ExpectedEvent,
    TruthEvent,
    Version,
    day_date,
    day_time,
    default_origins,
)
from sim.templates.common import folder_of
from sim.truth import expected_events, pending_verdicts

__all__ = [
    "LAST_DAY",
    "ExpectedEvent",
    "PathHit",
    "Scenario",
    "TruthEvent",
    "build_scenario",
    "expected_events",
    "pending_verdicts",
]

# (key, first day, quirk, keywords present from the start)
SPECS: dict[str, tuple[DocSpec, ...]] = {
    "govcn": (
        DocSpec("g01", 0, None, ("社会信用体系", "失信被执行人")),
        DocSpec("g02", 0, "slow"),
        DocSpec("g03", 0),
        DocSpec("g04", 0, None, ("健康码",)),
        *(DocSpec(f"g{i:02d}", 0) for i in range(5, 8)),
        DocSpec("g08", 0, None, ("全国文明城市",)),  # removed later: its removal is alerted
        *(DocSpec(f"g{i:02d}", 0) for i in range(9, 13)),
        DocSpec("g13", 1, None, ("社会信用体系", "信用修复")),
        DocSpec("g14", 1),
        DocSpec("g15", 6, None, ("网格化管理",)),
    ),
    "trs": (
        DocSpec("t01", 0),
        DocSpec("t02", 0),
        DocSpec("t03", 0, "intermittent"),
        *(DocSpec(f"t{i:02d}", 0) for i in range(4, 8)),
        DocSpec("t08", 0, None, ("信用修复",)),
        DocSpec("t09", 0),
        DocSpec("t10", 0, None, ("联合惩戒",)),
        DocSpec("t11", 4, None, ("失信被执行人", "联合惩戒")),
    ),
    "wenming": (
        DocSpec("w01", 0, None, ("全国文明城市",)),
        DocSpec("w02", 0, "no_charset"),
        DocSpec("w03", 0),
        DocSpec("w04", 0, "wrong_charset"),
        DocSpec("w05", 0, None, ("网格化管理",)),
        DocSpec("w06", 7, None, ("全国文明城市",)),
    ),
    "credit": (
        DocSpec("c01", 0, None, ("信用修复",)),
        DocSpec("c02", 0, None, ("失信被执行人",)),
        DocSpec("c03", 0, None, ("联合惩戒",)),
    ),
}

# (day, kind, document key, detail)
SCHEDULE: tuple[tuple[int, str, str, dict[str, Any]], ...] = (
    (1, "revised", "g03", {"change": "inserted", "keyword": "社会信用体系"}),
    (1, "revised", "t02", {"change": "reworded"}),
    (2, "revised", "t09", {"change": "reworded"}),  # flip-flop: reverted on day 3
    (2, "validity_changed", "t04", {"old": "有效", "new": "失效"}),
    (2, "metadata_changed", "g05", {"field": "title"}),
    (2, "deleted", "g07", {"how": "http_404"}),
    (2, "deleted", "w03", {"how": "soft_404"}),
    (3, "deleted", "t05", {"how": "http_410"}),
    (3, "deleted", "g08", {"how": "redirect_home"}),
    (3, "delisted", "g09", {}),
    (3, "reverted", "t09", {"to_version": 1}),
    (4, "moved", "t06", {}),
    (4, "cosmetic_edit", "g12", {"visible": False}),  # full-width digits and a \u3000 only
    (5, "cosmetic_edit", "g11", {"visible": True, "class": "cosmetic"}),  # one ，→；
    (5, "attachment_removed", "t08", {"kind": "docx"}),  # a broken link in a live document
    (6, "restored", "g07", {}),
    (6, "deleted", "t07", {"how": "http_404"}),
    (7, "revised", "g10", {"change": "removed"}),
)
# (key, site, day, key of the reprinted document): a 转发 of another site's document
REPRINTS: tuple[tuple[str, str, int, str], ...] = (("t12", "trs", 3, "g13"),)
OUTAGES: dict[str, frozenset[int]] = {"wenming": frozenset({5})}
BLOCKED: dict[str, int] = {"credit": 0}
STABLE: dict[str, tuple[str, ...]] = {
    "govcn": ("g11", "g12"),
    "trs": ("t09", "t10"),
    "wenming": ("w01", "w05"),
    "credit": (),
}


@dataclass(frozen=True)
class PathHit:
    """What a URL path points at on a day: a document, or a document that moved away from it."""

    doc: Document
    state: DocState
    moved_away: bool


@dataclass
class Scenario:
    """All documents of the four sites with their per-day states, plus the truth events."""

    seed: int
    corpus_dir: Path | None
    documents: dict[str, list[Document]]
    outages: dict[str, frozenset[int]]
    blocked: dict[str, int]
    events: list[TruthEvent]
    _paths: dict[tuple[str, int], dict[str, PathHit]] = field(default_factory=dict, repr=False)

    @property
    def uses_corpus(self) -> bool:
        """True when real corpus texts were used."""
        return self.corpus_dir is not None

    def document(self, key: str) -> Document:
        """The document with ``key`` (e.g. ``"g07"``)."""
        for docs in self.documents.values():
            for doc in docs:
                if doc.key == key:
                    return doc
        raise KeyError(key)

    def listed(self, site: str, day: int) -> list[tuple[Document, DocState]]:
        """Documents in the site's list on ``day``, newest first."""
        items = [(d, d.state(day)) for d in self.documents[site]]
        items = [(d, s) for d, s in items if s.exists and s.listed]
        return sorted(items, key=lambda it: (it[0].published, it[0].doc_id), reverse=True)

    def lookup(self, site: str, path: str, day: int) -> PathHit | None:
        """The document a URL path points to on ``day`` (live, gone, or moved away), if any."""
        day = max(0, min(day, LAST_DAY))
        table = self._paths.get((site, day))
        if table is None:
            table = {}
            for doc in self.documents[site]:
                state = doc.state(day)
                if not state.exists:
                    continue
                table[state.path] = PathHit(doc, state, False)
                for old in state.moved_from:
                    table[old] = PathHit(doc, state, True)
            self._paths[(site, day)] = table
        return table.get(path)

    def attachment(self, site: str, path: str, day: int) -> tuple[Document, DocState, Attachment] | None:
        """The attachment served at ``path`` on ``day`` (only while its document is live)."""
        folder, _, name = path.rpartition("/")
        for doc in self.documents[site]:
            state = doc.state(day)
            if state.live and folder_of(state.path) == folder + "/":
                for att in doc.attachments:
                    if att.name == name and name not in state.files_gone:
                        return doc, state, att
        return None

    def truth(self, origins: Mapping[str, str] | None = None) -> list[TruthEvent]:
        """The truth events with absolute URLs (default origins: ports 8800..8803)."""
        origins = origins or default_origins()

        def absolute(site: str, path: str | None) -> str | None:
            """Origin + path; ``/`` stands for the site origin itself."""
            if path is None:
                return None
            return origins[site] if path == "/" else origins[site] + path

        def new_site(event: TruthEvent) -> str:
            """A reprint's ``new_url`` is the reprinted document, usually on another site."""
            return self.document(event.detail["of"]).site if event.kind == "reprint" else event.site

        return [
            replace(e, url=absolute(e.site, e.url) or "", new_url=absolute(new_site(e), e.new_url)) for e in self.events
        ]


def _set_from(doc: Document, day: int, **changes: object) -> None:
    for d in range(day, LAST_DAY + 1):
        doc.states[d] = replace(doc.states[d], **changes)  # type: ignore[arg-type]


def _set_version(doc: Document, day: int, **changes: object) -> None:
    for d in range(day, LAST_DAY + 1):
        version = replace(doc.states[d].version, **changes)  # type: ignore[arg-type]
        doc.states[d] = replace(doc.states[d], version=version)


def _reword(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], str, str]:
    for old, new in (("应当", "必须"), ("可以", "应当"), ("。", "，并向社会公开。")):
        for i, para in enumerate(paragraphs[1:], start=1):
            if old in para and len(para) > 20:
                changed = para.replace(old, new, 1)
                return (*paragraphs[:i], changed, *paragraphs[i + 1 :]), para, changed
    raise ValueError("nothing to reword")


_TO_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_HALF_WIDTH = str.maketrans("（），：；", "(),:;")


def _width_edit(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], int, int]:
    """An edit NFKC plus whitespace removal folds away: one run of ASCII digits becomes
    full-width digits (or, in texts with no ASCII digits, one paragraph's full-width
    brackets and commas become ASCII) and another paragraph gains a leading ``\u3000``.
    Returns the new paragraphs and the indexes of the two touched paragraphs."""
    body = range(1, len(paragraphs))  # paragraph 0 feeds the description meta: left alone
    digits = next((i for i in body if re.search(r"[0-9]+", paragraphs[i])), None)
    out = list(paragraphs)
    if digits is not None:
        out[digits] = re.sub(r"[0-9]+", lambda m: m.group(0).translate(_TO_FULL_WIDTH), out[digits], count=1)
    else:
        digits = next(i for i in body if paragraphs[i].translate(_TO_HALF_WIDTH) != paragraphs[i])
        out[digits] = out[digits].translate(_TO_HALF_WIDTH)
    spaced = next(i for i in body if i != digits and paragraphs[i] and not paragraphs[i][0].isspace())
    out[spaced] = "\u3000" + out[spaced]
    return tuple(out), digits, spaced


def _punctuation_edit(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """One "，" (or, in a text without one, "、") becomes "；" in one body paragraph (not paragraph 0)."""
    old = "，" if any("，" in p for p in paragraphs[1:]) else "、"
    at = next(i for i in range(1, len(paragraphs)) if old in paragraphs[i])
    out = list(paragraphs)
    out[at] = out[at].replace(old, "；", 1)
    return tuple(out), at


def _apply(doc: Document, day: int, kind: str, detail: dict[str, Any], rng: random.Random, top_id: int) -> TruthEvent:
    """Change ``doc`` from ``day`` on and return the truth event (site-relative URL)."""
    state = doc.states[day]
    paragraphs = state.version.paragraphs
    when = day_time(day)
    new_url = None
    info: dict[str, Any] = dict(detail)
    if kind == "revised" and detail["change"] == "inserted":
        sentence = content.KEYWORD_SENTENCES[detail["keyword"]]
        at = min(3, len(paragraphs) - 1)
        _set_version(doc, day, paragraphs=(*paragraphs[:at], sentence, *paragraphs[at:]), modified=when)
        info["text"] = sentence
    elif kind == "revised" and detail["change"] == "reworded":
        changed, old, new = _reword(paragraphs)
        _set_version(doc, day, paragraphs=changed, modified=when)
        info.update(old=old, new=new)
    elif kind == "revised":
        at = len(paragraphs) // 2
        info["text"] = paragraphs[at]
        _set_version(doc, day, paragraphs=paragraphs[:at] + paragraphs[at + 1 :], modified=when)
    elif kind == "reverted":
        # back to the first version's text; Last-Modified still moves on (it is a new edit)
        versions: list[Version] = []
        for d in range(doc.first_day, day):
            if not versions or doc.states[d].version != versions[-1]:
                versions.append(doc.states[d].version)
        target = versions[int(detail["to_version"]) - 1]
        info.update(old="\n".join(paragraphs), new="\n".join(target.paragraphs))
        _set_version(
            doc, day, title=target.title, paragraphs=target.paragraphs, validity=target.validity, modified=when
        )
    elif kind == "cosmetic_edit" and not detail["visible"]:
        # nothing a comparison form keeps changes, not even lastmodifiedtime
        changed, digits, spaced = _width_edit(paragraphs)
        _set_version(doc, day, paragraphs=changed)
        info.update(old=paragraphs[digits], new=changed[digits], indented=changed[spaced])
    elif kind == "cosmetic_edit":
        changed, at = _punctuation_edit(paragraphs)
        _set_version(doc, day, paragraphs=changed, modified=when)
        info.update(old=paragraphs[at], new=changed[at])
    elif kind == "metadata_changed":
        info.update(old=state.version.title, new=state.version.title + "（修订）")
        _set_version(doc, day, title=info["new"], modified=when)
    elif kind == "validity_changed":
        _set_version(doc, day, validity=detail["new"], modified=when)
    elif kind == "attachment_removed":
        (gone,) = [a.name for a in doc.attachments if a.kind == detail["kind"]]
        _set_from(doc, day, files_gone=(gone,))
        info["file"] = gone
    elif kind == "deleted":
        _set_from(doc, day, gone=detail["how"], listed=False)
    elif kind == "delisted":
        _set_from(doc, day, listed=False)
    elif kind == "restored":
        _set_from(doc, day, gone=None, listed=True)
    elif kind == "moved":
        new_id = top_id + rng.randint(300, 2000)
        stamp = day_date(day)
        new_url = f"/xxgk/zcwj/{stamp:%Y%m}/t{stamp:%Y%m%d}_{new_id}.html"
        _set_from(doc, day, path=new_url, moved_from=(state.path,))
        _set_version(doc, day, modified=when)
        info.update(doc_number=doc.doc_number, index_no=doc.index_no)
    else:
        raise ValueError(f"unknown scheduled kind {kind!r}")
    info.setdefault("key", doc.key)
    if kind in ("revised", "reverted", "cosmetic_edit"):
        info["files"] = len(doc.attachments)  # they carry the document's text: each changes with it
    return TruthEvent(day, kind, doc.site, state.path, new_url, info)


def build_scenario(seed: int = 42, corpus_dir: Path | None = None, use_corpus: bool = True) -> Scenario:
    """Build the seeded world. Uses the shared corpus when found (or ``corpus_dir``) unless
    ``use_corpus`` is False; otherwise texts come from the seeded generator."""
    root = (corpus_dir or content.corpus_dir()) if use_corpus else None
    if root is not None and not (root / "index.jsonl").is_file():
        root = None
    documents: dict[str, list[Document]] = {}
    events: list[TruthEvent] = []
    for site in SITES:
        docs = make_documents(site, SPECS[site], random.Random(f"{seed}:{site}"), root)
        stable = [d for d in docs if d.key in STABLE[site]]
        for doc in docs:
            doc.related = tuple((s.title, s.path) for s in stable if s is not doc)
            detail = {"key": doc.key, "title": doc.title, "doc_number": doc.doc_number}
            if site in BLOCKED:
                detail["behind_wall"] = "ruishu_412"
            events.append(TruthEvent(doc.first_day, "new", site, doc.path, None, detail))
        documents[site] = docs
    by_key = {d.key: d for docs in documents.values() for d in docs}
    for day, kind, key, detail in SCHEDULE:
        doc = by_key[key]
        top = max(int(d.doc_id) for d in documents[doc.site])
        events.append(_apply(doc, day, kind, detail, random.Random(f"{seed}:{key}:{day}"), top))
    for key, site, day, of in REPRINTS:
        source = by_key[of]
        rng = random.Random(f"{seed}:{site}:{key}")
        doc = make_reprint(site, key, source, day, documents[site], rng)
        doc.related = tuple((s.title, s.path) for s in documents[site] if s.key in STABLE[site])
        documents[site].append(doc)
        detail = {"key": key, "title": doc.title, "doc_number": doc.doc_number}
        events.append(TruthEvent(day, "new", site, doc.path, None, detail))
        events.append(TruthEvent(day, "reprint", site, doc.path, source.state(day).path, {"of": of}))
    for site, days in OUTAGES.items():
        events.extend(TruthEvent(d, "outage", site, "/", None, {"status": "503"}) for d in sorted(days))
    for site, day in BLOCKED.items():
        events.append(TruthEvent(day, "blocked", site, "/", None, {"status": "412", "waf": "ruishu"}))
    events.sort(key=lambda e: (e.day, SITES.index(e.site), e.kind, e.url))
    return Scenario(seed, root, documents, dict(OUTAGES), dict(BLOCKED), events)
