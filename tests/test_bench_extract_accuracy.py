"""The extraction scorer (bench/extract_accuracy.py): on the shared corpus, and on pages with known truth."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.model import default_origins
from sim.scenario import build_scenario
from sim.sites import SiteRenderer
from tests.conftest import CORPUS, REPO

SCORER = REPO / "bench" / "extract_accuracy.py"


def _run(*args: str) -> dict:
    done = subprocess.run([sys.executable, str(SCORER), *args, "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(not (CORPUS / "pages" / "truth.jsonl").is_file(), reason="shared corpus absent")
def test_corpus_accuracy_meets_the_target():
    ours = _run(str(CORPUS / "pages"))["ours"]
    assert ours["accuracy"] >= 0.97, ours["failures"]
    assert ours["invented"] == 0, ours["failures"]


def test_scorer_counts_exact_wrong_and_invented_fields(tmp_path: Path):
    scenario = build_scenario(42)
    render = SiteRenderer(scenario, default_origins())
    rows = []
    for key in ("g01", "t04"):
        doc = scenario.document(key)
        (tmp_path / f"{key}.html").write_bytes(render.resolve(doc.site, doc.path, {}, 0).body)
        rows.append(
            {
                "file": f"{key}.html",
                "title": doc.original.title,
                "agency": doc.agency,
                "doc_number": doc.doc_number,
                "written_date": doc.written.isoformat(),
                "publish_date": doc.published.date().isoformat(),
                "index_number": doc.index_no,
                "topic": doc.topic,
                "validity": "有效" if doc.site == "trs" else None,
            }
        )
    rows[0]["title"] = "一个错误的标题"  # a wrong truth must count as a failure
    rows[1]["topic"] = None  # a stated value where truth says null counts as invented
    (tmp_path / "truth.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    ours = _run(str(tmp_path))["ours"]
    assert ours["pages"] == 2 and ours["invented"] == 1
    assert ours["total"] == 14 and ours["exact"] == 13  # 7 stated fields per page; one wrong title
    assert {(f["file"], f["field"]) for f in ours["failures"]} == {("g01.html", "title"), ("t04.html", "topic")}


def test_scorer_explains_a_folder_without_truth(tmp_path: Path):
    done = subprocess.run([sys.executable, str(SCORER), str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "no truth.jsonl" in done.stderr


def test_every_sim_document_page_scores_exact(tmp_path: Path):
    """Every live document page of the three sim families, truth taken from the scenario model."""
    scenario = build_scenario(42)
    render = SiteRenderer(scenario, default_origins())
    rows = []
    for site in ("govcn", "trs", "wenming"):
        for doc in scenario.documents[site]:
            state = doc.state(doc.first_day)
            (tmp_path / f"{doc.key}.html").write_bytes(render.resolve(site, state.path, {}, doc.first_day).body)
            news = site == "wenming"  # news pages state only a title and a date (and a 来源, not an agency)
            rows.append({
                "file": f"{doc.key}.html", "title": state.version.title,
                "agency": None if news else doc.agency, "doc_number": None if news else doc.doc_number,
                "written_date": None if news else doc.written.isoformat(),
                "publish_date": doc.published.date().isoformat(),
                "index_number": None if news else doc.index_no, "topic": None if news else doc.topic,
                "validity": state.version.validity if site == "trs" else None,
            })  # fmt: skip
    (tmp_path / "truth.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    ours = _run(str(tmp_path))["ours"]
    assert ours["pages"] == 33 and ours["total"] == 213  # 32 documents + the reprint t12 (8 fields)
    assert ours["exact"] == ours["total"] and ours["invented"] == 0, ours["failures"]
