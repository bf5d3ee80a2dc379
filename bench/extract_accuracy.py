"""Scorer: per-field extraction accuracy on a folder of saved pages with a ``truth.jsonl``.

    python bench/extract_accuracy.py [FOLDER] [--json] [--quick]

FOLDER defaults to ``../shared/corpus/pages``. Each truth row names a ``file`` and the
expected ``title, agency, doc_number, written_date, publish_date, index_number, topic,
validity`` (``null`` when the page does not state it). A field is *exact* when the extracted
value equals the truth after trimming (dates are ISO on both sides); a field is *invented*
when the truth is null and the extractor returned something. The reference, measured in the
same run, is a naive extractor: the ``<title>`` element plus a ``label：value`` regex over the
page text. Ends with ``BENCH extract_accuracy … ratio=<our accuracy / reference accuracy>``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from processing.decode import decode_html
from processing.extract import extract

FIELDS = ("title", "agency", "doc_number", "written_date", "publish_date", "index_number", "topic", "validity")
DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "pages"
_NAIVE_LABELS = {
    "agency": "发文机关",
    "doc_number": "发文字号",
    "written_date": "成文日期",
    "publish_date": "发布日期",
    "index_number": "索引号",
    "topic": "主题分类",
    "validity": "有效性",
}


def ours(raw: bytes) -> dict[str, str | None]:
    """policywatch's extractor."""
    return extract(decode_html(raw).text, "http://www.example.gov.cn/a/b/c.html").metadata.as_dict()


def naive(raw: bytes) -> dict[str, str | None]:
    """The reference: ``<title>`` and ``label：value`` regexes over the visible text."""
    text = decode_html(raw).text
    try:
        doc = lxml_html.fromstring(text)
        title = (doc.findtext(".//title") or "").strip() or None
        body = " ".join(doc.itertext())
    except Exception:
        title, body = None, text
    out: dict[str, str | None] = {"title": title}
    for field, label in _NAIVE_LABELS.items():
        m = re.search(label + r"\s*[:：]\s*(\S+)", body)
        out[field] = m.group(1) if m else None
    return out


def score(folder: Path, extractor: Any) -> dict[str, Any]:
    """Per-field exact/total/invented counts and the failures, for one extractor."""
    rows = [json.loads(x) for x in (folder / "truth.jsonl").read_text("utf-8").splitlines() if x.strip()]
    exact: Counter[str] = Counter()
    total: Counter[str] = Counter()
    invented: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    for row in rows:
        got = extractor((folder / row["file"]).read_bytes())
        for field in FIELDS:
            want, have = row.get(field), got.get(field)
            have = have.strip() if isinstance(have, str) and have.strip() else None
            if want is None:
                if have is not None:
                    invented[field] += 1
                    failures.append({"file": row["file"], "field": field, "truth": None, "got": have})
                continue
            total[field] += 1
            if have == str(want).strip():
                exact[field] += 1
            else:
                failures.append({"file": row["file"], "field": field, "truth": want, "got": have})
    n_exact, n_total = sum(exact.values()), sum(total.values())
    return {
        "pages": len(rows),
        "fields": {f: {"exact": exact[f], "total": total[f], "invented": invented[f]} for f in FIELDS},
        "exact": n_exact,
        "total": n_total,
        "invented": sum(invented.values()),
        "accuracy": n_exact / n_total if n_total else 0.0,
        "failures": failures,
    }


def _print(mine: dict[str, Any], ref: dict[str, Any]) -> None:
    print(f"{mine['pages']} pages; exact match after trimming, dates ISO")
    print(f"{'field':<14}{'ours':>12}{'invented':>10}{'reference':>12}{'invented':>10}")
    for f in FIELDS:
        a, b = mine["fields"][f], ref["fields"][f]
        print(
            f"{f:<14}{a['exact']:>6}/{a['total']:<5}{a['invented']:>10}{b['exact']:>6}/{b['total']:<5}{b['invented']:>10}"
        )
    print(f"{'all':<14}{mine['accuracy']:>11.1%} {mine['invented']:>10}{ref['accuracy']:>11.1%} {ref['invented']:>10}")
    for fail in mine["failures"]:
        print(f"  FAIL {fail['file']} {fail['field']}: truth={fail['truth']!r} got={fail['got']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--json", action="store_true", help="print one JSON document (ours and reference)")
    parser.add_argument("--quick", action="store_true", help="accepted for the bench convention (the run is quick)")
    args = parser.parse_args()
    if not (args.folder / "truth.jsonl").is_file():
        print(f"no truth.jsonl in {args.folder}: pass a folder of pages with ground truth", file=sys.stderr)
        return 2
    mine, ref = score(args.folder, ours), score(args.folder, naive)
    if args.json:
        print(json.dumps({"ours": mine, "reference": ref}, ensure_ascii=False))
        return 0
    _print(mine, ref)
    ratio = mine["accuracy"] / ref["accuracy"] if ref["accuracy"] else float("inf")
    print(
        f"BENCH extract_accuracy pages={mine['pages']} fields={mine['total']} accuracy={mine['accuracy']:.3f} "
        f"invented={mine['invented']} ref_accuracy={ref['accuracy']:.3f} ratio={ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
