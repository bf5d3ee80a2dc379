"""Operations commands: ``status``, ``export``, ``trends``, ``source pause|resume``."""

from __future__ import annotations

import sys
from typing import Any

import click

from cli import _print_json, _sessions, _settings, main
from common import clock


@main.command()
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Sources (last and next run, last outcome, documents due), blocked hosts, archive counts, outbox backlog."""
    from store.db import make_engine
    from store.jobs import blocked, next_runs, source_status
    from store.outbox import outbox_counts
    from store.queries import summary

    settings = _settings(ctx)
    names = [src.name for src in settings.sources if src.enabled]
    upcoming = next_runs(make_engine(settings.database_url))
    with _sessions(ctx)() as s:
        sources = source_status(s, names, clock.now())
        data = {"archive": summary(s), "sources": sources, "blocked_hosts": blocked(s), "outbox": outbox_counts(s)}
    for row in sources:
        job = next(
            (t for i, t in upcoming.items() if i.startswith("crawl:") and row["source"] in i[6:].split("+")), None
        )
        row["next_run"] = job
    if as_json:
        _print_json(data)
        return
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    def when(t: Any) -> str:
        return f"{t:%Y-%m-%d %H:%M} UTC" if t else "—"

    click.echo(f"{'source':<24}{'last run':<22}{'outcome':<32}{'next run':<22}{'due':>6}")
    for row in data["sources"]:
        job, crawl = row["last_job"] or {}, row["last_crawl"] or {}
        crawled = f"crawl {crawl['status']}, +{crawl['new']} new" if crawl else ""
        outcome = ", ".join(filter(None, [job.get("status"), crawled])) or "—"  # job: only under the daemon
        outcome = f"PAUSED; {outcome}" if row.get("paused") else outcome
        click.echo(
            f"{row['source']:<24}{when(job.get('started_at') or crawl.get('started_at')):<22}{outcome:<32}"
            f"{when(row['next_run']):<22}{row['documents_due']:>6}"
        )
    archive = data["archive"]
    click.echo(
        f"\narchive: {archive['documents']} documents, {archive['versions']} versions, {archive['captures']} captures"
    )
    walls = ", ".join(f"{b['host']} ({b['reason']})" for b in data["blocked_hosts"]) or "none"
    click.echo(f"blocked hosts: {walls}")
    backlog = ", ".join(f"{k} {n}" for k, n in sorted(data["outbox"].items())) or "empty"
    click.echo(f"outbox: {backlog}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "warc"]), required=True)
@click.option("--query", default="", help="only the documents this search finds (default: the whole archive)")
@click.option("--mode", type=click.Choice(["any", "current", "removed"]), default="any", show_default=True)
@click.option("--latest-only", is_flag=True, help="each document's current version only (csv, jsonl)")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="file to write")
@click.pass_context
def export(ctx: click.Context, fmt: str, query: str, mode: str, latest_only: bool, out: str) -> None:
    """Export versions (CSV metadata, JSONL with text) or the captures' WARC records, streamed."""
    from pathlib import Path

    from tqdm import tqdm

    from store.exports import count_versions, version_records, write_csv, write_jsonl, write_warc
    from web.searching import BadSearch, SearchRequest, found_documents

    settings = _settings(ctx)
    target, part = Path(out), Path(out + ".part")
    with _sessions(ctx)() as s:
        doc_ids = None
        if query:
            try:
                doc_ids = found_documents(s, SearchRequest(q=query, mode=mode))
            except BadSearch as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"{len(doc_ids)} documents match {query!r}", err=True)
        total = None if fmt == "warc" else count_versions(s, doc_ids, latest_only)
        with tqdm(total=total, unit=" records", desc=f"export {fmt}", file=sys.stderr) as bar:
            if fmt == "warc":
                with part.open("wb") as fh:
                    n, missing = write_warc(s, Path(settings.data_dir) / "warc", doc_ids, fh, bar.update)
                if missing:
                    click.echo(f"{len(missing)} captures have no WARC file here (e.g. {missing[:5]})", err=True)
            else:
                with part.open("w", encoding="utf-8", newline="") as fh:
                    write = write_csv if fmt == "csv" else write_jsonl
                    n = write(version_records(s, doc_ids, latest_only), fh, bar.update)
    part.replace(target)
    click.echo(f"{n} records written to {target}")


@main.group()
def source() -> None:
    """Pause and resume configured sources (admins can do the same at /admin)."""


def _known(ctx: click.Context, name: str) -> None:
    names = [src.name for src in _settings(ctx).sources]
    if name not in names:
        raise click.ClickException(f"no source named {name!r} in the configuration; configured: {', '.join(names)}")


@source.command("pause")
@click.argument("name")
@click.pass_context
def source_pause(ctx: click.Context, name: str) -> None:
    """Skip NAME's scheduled crawls until it is resumed."""
    from store.db import transaction
    from store.jobs import pause_source

    _known(ctx, name)
    with transaction(_sessions(ctx)) as s:
        done = pause_source(s, name, clock.now(), "command line")
    click.echo(f"{name} {'paused' if done else 'was already paused'}; the daemon skips its crawls")


@source.command("resume")
@click.argument("name")
@click.pass_context
def source_resume(ctx: click.Context, name: str) -> None:
    """Crawl NAME on its schedule again."""
    from store.db import transaction
    from store.jobs import resume_source

    _known(ctx, name)
    with transaction(_sessions(ctx)) as s:
        done = resume_source(s, name)
    click.echo(f"{name} {'resumed' if done else 'was not paused'}")


@main.command()
@click.argument("query", required=False, default="")
@click.option("--tag", default="", help="a tracked term (alone, or narrowing QUERY)")
@click.option("--by", type=click.Choice(["all", "source", "province", "level"]), default="all", show_default=True)
@click.option("--axis", type=click.Choice(["published", "captured"]), default="published", show_default=True)
@click.option("--from", "first", default="", help="first month, YYYY-MM")
@click.option("--to", "last", default="", help="last month, YYYY-MM")
@click.option("--csv", "as_csv", is_flag=True, help="print CSV (group, month, matching, documents, share, coverage)")
@click.pass_context
def trends(ctx: click.Context, query: str, tag: str, by: str, axis: str, first: str, last: str, as_csv: bool) -> None:
    """Share of documents matching QUERY (or --tag) per month and group, with each month's coverage."""
    from web.searching import BadSearch
    from web.trends import TrendRequest, run_trend, to_csv

    try:
        req = TrendRequest.from_params({"q": query, "tag": tag, "by": by, "axis": axis, "from": first, "to": last})
    except BadSearch as exc:
        raise click.ClickException(str(exc)) from exc
    if not req.asked:
        raise click.ClickException("give a QUERY or --tag TERM")
    with _sessions(ctx)() as s:
        table = run_trend(s, req)
    if as_csv:
        click.echo(to_csv(table).lstrip("\ufeff"), nl=False)
        return
    click.echo(f"{'group':<16}{'month':<9}{'matching':>9}{'documents':>11}{'share':>9}  coverage")
    for r in table.rows():
        share = "—" if r["share"] is None else f"{float(str(r['share'])) * 100:.1f}%"
        click.echo(
            f"{r['group']!s:<16}{r['month']!s:<9}{r['matching']!s:>9}{r['documents']!s:>11}{share:>9}  {r['coverage']}"
        )
