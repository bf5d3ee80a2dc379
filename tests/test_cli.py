"""The command line, on sim pages (always) and its error messages."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.model import Document, default_origins
from sim.scenario import build_scenario
from sim.sites import SiteRenderer

SCENARIO = build_scenario(42)
RENDER = SiteRenderer(SCENARIO, default_origins())
README = Path(__file__).resolve().parents[1] / "README.md"


def _page(site: str, key: str, tmp_path: Path, day: int = 0) -> tuple[Path, Document]:
    doc = next(d for d in SCENARIO.documents[site] if d.key == key)
    page = RENDER.resolve(site, doc.path, {}, day)
    assert page.status == 200
    out = tmp_path / f"{key}-{day}.html"
    out.write_bytes(page.body)
    return out, doc


@pytest.mark.parametrize(("site", "key"), [("govcn", "g01"), ("trs", "t04"), ("wenming", "w04")])
def test_extract_prints_the_metadata_of_a_sim_page(tmp_path, site, key):
    path, doc = _page(site, key, tmp_path)
    res = CliRunner().invoke(main, ["extract", str(path), "--json", "--url", default_origins()[site] + doc.path])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["title"] == doc.original.title
    assert data["publish_date"] == doc.published.date().isoformat()
    if site == "wenming":  # a news page: its 来源 line names a source, never an issuing agency
        assert data["agency"] is None and data["doc_number"] is None
    else:
        assert data["agency"] == doc.agency
        assert data["doc_number"] == doc.doc_number and data["index_number"] == doc.index_no
        assert data["written_date"] == doc.written.isoformat()
    assert doc.original.paragraphs[-1].strip()[:20] in data["text"]
    assert "打印本页" not in data["text"] and "关闭窗口" not in data["text"]
    if site == "trs":
        assert data["validity"] == "有效"
        assert {a.rsplit(".", 1)[1] for a in data["attachments"]} == {"pdf", "docx"}
        assert all(a.startswith(default_origins()["trs"]) for a in data["attachments"])


def test_diff_of_a_revised_sim_page_is_word_level(tmp_path):
    old, _ = _page("govcn", "g03", tmp_path, day=0)
    new, _ = _page("govcn", "g03", tmp_path, day=1)
    res = CliRunner().invoke(main, ["diff", str(old), str(new), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{") :])
    inserted = "".join(t for op, t in data["ops"] if op == 1)
    assert "社会信用体系" in inserted and data["deleted_chars"] == 0
    assert all(op == 0 for op, t in data["ops"] if "第一条" in t or "（此件公开发布）" in t)


def test_commands_on_an_uninitialised_archive_say_run_init(tmp_path):
    cfg = tmp_path / "pw.toml"
    cfg.write_text(f'database_url = "sqlite:///{tmp_path / "a.db"}"\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["--config", str(cfg), "events"])
    assert res.exit_code == 1 and "policywatch init" in res.output and "Traceback" not in res.output


def test_crawl_of_an_uninitialised_archive_fails_fast_with_what_to_do(tmp_path):
    """Every source failing to open must end the process with the reason, not hang the reactor."""
    cfg = tmp_path / "pw.toml"
    sources = "".join(
        f'[[sources]]\nname = "s{i}"\nkind = "trs"\nstart_urls = ["http://127.0.0.1:9/c{i}/index.html"]\n'
        for i in range(2)
    )
    cfg.write_text(f'database_url = "sqlite:///{tmp_path / "a.db"}"\ndata_dir = "{tmp_path}"\n{sources}', "utf-8")
    cmd = [sys.executable, "-m", "cli", "--config", str(cfg), "crawl"]
    done = subprocess.run([*cmd, "s0", "s1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "2 source(s) could not be crawled" in done.stderr and done.stderr.count("policywatch init") == 2
    every = subprocess.run(cmd, capture_output=True, text=True, timeout=120)  # reads paused sources first
    assert every.returncode == 1 and "no tables yet: run `policywatch init` first" in every.stderr


def test_init_subscribe_search_on_an_empty_archive(tmp_path):
    cfg = tmp_path / "pw.toml"
    cfg.write_text(f'database_url = "sqlite:///{tmp_path / "a.db"}"\n', encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--config", str(cfg), "init"]).exit_code == 0
    res = run(main, ["--config", str(cfg), "subscribe", "r@example.org", "--keywords", "社会信用体系，健康码"])
    assert res.exit_code == 0 and "keywords 社会信用体系、健康码" in res.output
    bad = run(main, ["--config", str(cfg), "subscribe", "nobody", "--keywords", "x"])
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output
    assert run(main, ["--config", str(cfg), "search", "社会信用体系"]).output.strip() == "no matches"
    assert run(main, ["--config", str(cfg), "crawl", "nosuch"]).output.count("no source named 'nosuch'") == 1
    res = run(main, ["--config", str(cfg), "unblock", "127.0.0.1:9"])
    assert res.exit_code == 1 and "is not blocked" in res.output


def test_readme_documents_every_command_and_setting():
    from common.settings import SETTINGS_HELP

    readme = README.read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        subs = getattr(cmd, "commands", None)
        names = [f"{name} {s}" for s in subs] if subs else [name]
        for full in names:
            assert re.search(rf"policywatch {full}\b", readme), f"README lacks `policywatch {full}`"
    for setting in SETTINGS_HELP:
        assert f"`{setting}`" in readme or f"`{setting}`," in readme or setting in readme, setting
