"""Archive care commands: ``verify`` (re-hash everything stored) and ``backup`` (a consistent copy)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from cli import _print_json, _sessions, _settings, main


@main.command()
@click.option("--no-text", is_flag=True, help="skip re-hashing the versions' texts (captures and WARC only)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
@click.pass_context
def verify(ctx: click.Context, no_text: bool, as_json: bool) -> None:
    """Re-hash every capture's stored bytes and WARC record, and every version's text; list mismatches.

    Exits with status 1 when anything does not match (for cron and monitoring)."""
    from dataclasses import asdict

    from tqdm import tqdm

    from processing.normalize import text_sha256
    from store.integrity import verify as run_verify
    from store.integrity import verify_total

    warc_dir = Path(_settings(ctx).data_dir) / "warc"
    with _sessions(ctx)() as s:
        total = verify_total(s, texts=not no_text)
        with tqdm(total=total, unit=" rows", desc="verify", file=sys.stderr, disable=as_json) as bar:
            report = run_verify(s, warc_dir, None if no_text else text_sha256, bar.update)
    if as_json:
        _print_json({**asdict(report), "ok": report.ok})
    else:
        for p in report.problems:
            click.echo(f"{p.kind} {p.id}: {p.message}")
        click.echo(
            f"verified {report.captures} captures, {report.warc_records} WARC records, {report.versions} versions: "
            + ("all match" if report.ok else f"{len(report.problems)} problems")
        )
    if not report.ok:
        ctx.exit(1)


@main.command()
@click.argument("destination", type=click.Path(file_okay=False))
@click.pass_context
def backup(ctx: click.Context, destination: str) -> None:
    """Copy the archive into DESTINATION: the database (SQLite online backup, or pg_dump for
    PostgreSQL), then its WARC files. Safe while crawls run; a second backup into the same
    folder copies only the WARC files that grew."""
    from tqdm import tqdm

    from store.backup import backup as run_backup
    from store.db import make_engine, require_schema

    settings = _settings(ctx)
    engine = make_engine(settings.database_url)
    require_schema(engine)
    with tqdm(unit="B", unit_scale=True, desc="WARC files", file=sys.stderr) as bar:

        def progress(total: int) -> Callable[[int], object]:
            bar.reset(total=total)  # the total is known once the database is copied
            return bar.update

        report = run_backup(engine, Path(settings.data_dir) / "warc", Path(destination), progress)
    click.echo(
        f"backup in {report.destination}: {report.database_file} ({report.database_bytes:,} bytes), "
        f"{report.warc_files} WARC files ({report.warc_copied} copied, {report.warc_bytes:,} bytes), MANIFEST.json"
    )
