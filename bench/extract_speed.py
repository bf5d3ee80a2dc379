"""Benchmark: full extraction (decode + metadata + body + attachments + page kind) of a 100 KB page
against a bare BeautifulSoup(lxml) parse of the same page, measured in the same run.

    python bench/extract_speed.py [--quick]

The page is the simulated gov.cn document page wrapped in a realistic portal shell (a
mega-menu of ministries and provinces, a sidebar of related links, inline styles) up to
about 100 KB, UTF-8 and GBK. The target is extraction costing no more than 2× the bare
parse (ratio ≥ 0.5). Ends with ``BENCH extract_speed … ratio=<bare-parse time / extraction time>``.
"""

from __future__ import annotations

import argparse
import random
from functools import partial

from _timing import median_time
from bs4 import BeautifulSoup

from processing.decode import decode_html
from processing.extract import extract
from sim.model import default_origins
from sim.scenario import build_scenario
from sim.sites import SiteRenderer

TARGET_BYTES = 100_000


def portal_page(target: int = TARGET_BYTES) -> str:
    """The sim's gov.cn document page with a portal shell added until it reaches ``target`` bytes."""
    scenario = build_scenario(42)
    doc = scenario.document("g01")
    page = SiteRenderer(scenario, default_origins()).resolve("govcn", doc.path, {}, 0).body.decode("utf-8")
    rng = random.Random(42)
    names = ["国家发展和改革委员会", "教育部", "科学技术部", "工业和信息化部", "公安部", "民政部", "司法部", "财政部"]
    links: list[str] = []
    while len(page.encode()) + sum(len(x.encode()) for x in links) < target:
        n = rng.randrange(10**6)
        links.append(f'<li><a href="/bumen/{n}/index.htm" title="{rng.choice(names)}">{rng.choice(names)}</a></li>')
    shell = '<div class="mega-menu"><ul>' + "".join(links) + "</ul></div>"
    return page.replace("<body>", "<body>" + shell, 1) if "<body>" in page else shell + page


def _extract(raw: bytes, content_type: str, url: str) -> object:
    return extract(decode_html(raw, content_type).text, url)


def _bare_parse(raw: bytes, encoding: str) -> object:
    return BeautifulSoup(raw.decode(encoding), "lxml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a few seconds)")
    args = parser.parse_args()
    rounds = 15 if args.quick else 80
    text = portal_page()
    url = "http://www.gov.cn/zhengce/content/202509/content_7016790.htm"
    check = extract(text, url)
    if check.kind != "document" or not check.metadata.doc_number or "mega-menu" in check.text:
        raise SystemExit("the benchmark page no longer extracts as a document; fix the page or the extractor")
    rows = []
    for enc in ("utf-8", "gbk"):
        raw = text.encode(enc, errors="replace")
        ours = median_time(partial(_extract, raw, f"text/html; charset={enc}", url), rounds, warmup=1)
        bare = median_time(partial(_bare_parse, raw, "gb18030" if enc == "gbk" else enc), rounds, warmup=1)
        rows.append((enc, len(raw), ours, bare))
    print(f"{'page':<8}{'KB':>6}{'extraction ms':>15}{'pages/s':>9}{'bs4 parse ms':>14}{'pages/s':>9}{'ratio':>7}")
    for enc, size, ours, bare in rows:
        print(
            f"{enc:<8}{size / 1000:>6.0f}{ours * 1000:>15.2f}{1 / ours:>9.0f}{bare * 1000:>14.2f}{1 / bare:>9.0f}"
            f"{bare / ours:>7.2f}"
        )
    ours_all = sum(r[2] for r in rows)
    bare_all = sum(r[3] for r in rows)
    print(
        f"BENCH extract_speed page_kb={rows[0][1] / 1000:.0f} ours_pages_s={len(rows) / ours_all:.0f} "
        f"bs4_pages_s={len(rows) / bare_all:.0f} ratio={bare_all / ours_all:.2f}"
    )


if __name__ == "__main__":
    main()
