"""Extraction against the shared corpus of real pages and its ground truth (truth.jsonl)."""

import json
import os
from functools import cache
from pathlib import Path

import pytest

from processing.decode import decode_html
from processing.extract import extract
from processing.types import PageKind

CORPUS = Path(
    os.environ.get("POLICYWATCH_CORPUS_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "corpus")
)
PAGES = CORPUS / "pages"


def _truth() -> list[dict]:
    path = PAGES / "truth.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


TRUTH = _truth()
FIELDS = ("title", "agency", "doc_number", "written_date", "publish_date", "index_number", "topic", "validity")
KINDS = {"list_page": PageKind.LISTING}  # every other page_type in truth.jsonl is a document


@cache
def _extract_file(name: str):
    decoded = decode_html((PAGES / name).read_bytes())
    return extract(decoded.text, "http://www.example.gov.cn/a/b/c.html")


ABSENT = pytest.param(None, marks=pytest.mark.skip(reason=f"shared corpus absent: {PAGES}"))
FIELD_CASES = [pytest.param((r, f), id=f"{r['file'][:2]}-{f}") for r in TRUTH for f in FIELDS] or [ABSENT]
KIND_CASES = [pytest.param(r, id=r["file"][:2]) for r in TRUTH] or [ABSENT]


@pytest.mark.parametrize("case", FIELD_CASES)
def test_corpus_field(case):
    row, field = case
    assert getattr(_extract_file(row["file"]).metadata, field) == row[field]


@pytest.mark.parametrize("row", KIND_CASES)
def test_corpus_page_kind(row):
    assert _extract_file(row["file"]).kind is KINDS.get(row["page_type"], PageKind.DOCUMENT)
