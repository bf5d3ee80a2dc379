"""CSV exports are inert in spreadsheets: an archived title cannot become a formula."""

from __future__ import annotations

import csv
import io

from store.exports import CSV_FIELDS, csv_chunks


def test_cells_a_spreadsheet_would_evaluate_get_an_apostrophe():
    hostile = dict.fromkeys(CSV_FIELDS, "")
    hostile.update(title='=HYPERLINK("http://evil.example","点击")', agency="+1+1", doc_number="@SUM(A1)")
    plain = {**hostile, "title": "关于印发《规划》的通知", "agency": "国务院办公厅", "doc_number": "国办发〔2024〕1号"}
    rows = list(csv.DictReader(io.StringIO("".join(csv_chunks([hostile, plain])))))
    assert (rows[0]["title"], rows[0]["agency"], rows[0]["doc_number"]) == (
        '\'=HYPERLINK("http://evil.example","点击")',
        "'+1+1",
        "'@SUM(A1)",
    )
    assert (rows[1]["title"], rows[1]["agency"], rows[1]["doc_number"]) == (
        "关于印发《规划》的通知",
        "国务院办公厅",
        "国办发〔2024〕1号",
    )
