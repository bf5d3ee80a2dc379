"""The ``policywatch`` command line: a thin click layer over the library (a composition root).

Archive and crawl commands live here; subscriber and alert commands in :mod:`cli.mail`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from common import clock
from common.errors import PolicywatchError
from common.settings import Settings, load_settings


def _settings(ctx: click.Context) -> Settings:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings(obj.get("config"))
    settings: Settings = obj["settings"]
    return settings


def _sessions(ctx: click.Context, require: bool = True) -> Any:
    from store.db import make_engine, require_schema, session_factory

    engine = make_engine(_settings(ctx).database_url)
    if require:
        require_schema(engine)
    return session_factory(engine)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PolicywatchError as exc:
            raise click.ClickException(str(exc)) from exc
        except DBAPIError as exc:  # the archive database refused: say which and what to try
            raise click.ClickException(
                f"the archive database refused the operation: {exc.orig}. If it is locked or busy, another "
                "policywatch process is writing; try again. Otherwise check database_url and that the server runs."
            ) from exc


@click.group(cls=_Group)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="policywatch.toml to use (default: $POLICYWATCH_CONFIG or ./policywatch.toml)",
)
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """policywatch: archive Chinese government policy documents and report what changes or vanishes."""
    ctx.ensure_object(dict)["config"] = config


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the archive database."""
    from store.db import make_engine
    from store.schema import upgrade

    settings = _settings(ctx)
    upgrade(make_engine(settings.database_url))
    shown = make_engine(settings.database_url).url.render_as_string(hide_password=True)
    click.echo(f"archive ready: {shown} ({len(settings.sources)} sources configured)")


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--now", default=None, help="ISO-8601 instant the run pretends is now (replays, tests)")
@click.pass_context
def crawl(ctx: click.Context, sources: tuple[str, ...], now: str | None) -> None:
    """Crawl SOURCES (default: every enabled source that is not paused) once."""
    from dataclasses import replace

    from crawlers.run import crawl_in_process
    from store.jobs import paused_sources

    settings = _settings(ctx)
    if now:
        clock.set_now(now)
        settings = replace(settings, now=now)
    if not sources:
        with _sessions(ctx)() as s:
            paused = paused_sources(s)
        sources = tuple(src.name for src in settings.sources if src.enabled and src.name not in paused)
        for name in sorted(set(paused) & {src.name for src in settings.sources}):
            click.echo(f"skipping {name}: paused (policywatch source resume {name})", err=True)
        if not sources:
            return
    crawl_in_process(settings, list(sources))


@main.command()
@click.pass_context
def daemon(ctx: click.Context) -> None:
    """Run the scheduler: every source on its schedule, then alert dispatch."""
    import scheduler

    scheduler.run_daemon(_settings(ctx))


@main.command()
@click.option("--since", default=None, help="only events at or after this ISO-8601 instant")
@click.option("--kind", "kinds", multiple=True, help="only these event kinds (repeatable)")
@click.option("--json", "as_json", is_flag=True, help="print a JSON array")
@click.pass_context
def events(ctx: click.Context, since: str | None, kinds: tuple[str, ...], as_json: bool) -> None:
    """List detected events."""
    from store.queries import events as query_events

    with _sessions(ctx)() as s:
        rows = query_events(s, clock.parse_instant(since) if since else None, list(kinds))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        click.echo(f"{r['at']}  {r['kind']:<18} doc {r['doc_id'] or '-':<5} {r['url']}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default="http://localhost/", help="URL the page came from (resolves attachment links)")
@click.option("--json", "as_json", is_flag=True)
def extract(file: str, url: str, as_json: bool) -> None:
    """Print the fields extracted from a saved HTML FILE (raw bytes, any encoding)."""
    from processing.decode import decode_html
    from processing.extract import extract as run_extract

    decoded = decode_html(Path(file).read_bytes())
    ex = run_extract(decoded.text, url)
    meta = ex.metadata.as_dict()
    meta.pop("doc_number_norm")
    data = {
        **meta,
        "text": ex.text,
        "attachments": [a.url for a in ex.attachments],
        "kind": str(ex.kind),
        "encoding": decoded.encoding,
    }
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        if key != "text":
            click.echo(f"{key:>13}: {value}")
    click.echo("\n" + ex.text)


def _read_text(path: str) -> str:
    from processing.decode import decode_html
    from processing.extract import extract as run_extract

    raw = Path(path).read_bytes()
    text = decode_html(raw).text
    if path.lower().endswith((".htm", ".html", ".shtml")) or text.lstrip().startswith("<"):
        return run_extract(text, "http://localhost/").text
    return text


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def diff(old: str, new: str, as_json: bool) -> None:
    """Word-level diff of two files (HTML pages or plain text)."""
    from processing.diff import render_text, word_diff
    from processing.segment import default_segmenter
    from processing.tag import find_terms

    d = word_diff(_read_text(old), _read_text(new), default_segmenter().tokens, terms=find_terms)
    if as_json:
        _print_json(
            {
                "ops": d.ops,
                "inserted_chars": d.inserted_chars,
                "deleted_chars": d.deleted_chars,
                "change_count": d.change_count,
                "terms_added": d.terms_added,
                "terms_removed": d.terms_removed,
                "timed_out": d.timed_out,
            }
        )
        return
    click.echo(render_text(d) if not d.is_empty else "no changes")
    click.echo(f"\n{d.change_count} changes, +{d.inserted_chars} / -{d.deleted_chars} characters", err=True)


@main.command()
@click.argument("url_or_doc")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def history(ctx: click.Context, url_or_doc: str, as_json: bool) -> None:
    """Versions, captures and events of a document (by id or URL)."""
    from store.queries import history as query_history

    with _sessions(ctx)() as s:
        data = query_history(s, url_or_doc)
    if data is None:
        raise click.ClickException(f"no document {url_or_doc!r} in the archive (try `policywatch search`)")
    if as_json:
        _print_json(data)
        return
    click.echo(f"document {data['doc_id']}  {data['url']}  state={data['state']}")
    for v in data["versions"]:
        click.echo(f"  v{v['seq']} {v['created_at']}  {v['title']}  [{v['validity'] or '-'}]")
        click.echo(f"      cite: {v['citation']}")
    for e in data["events"]:
        click.echo(f"  {e['at']}  {e['kind']:<18}{_evidence_line(e['details'])}")
    for r in data["reprints"]:
        what = "reprint of" if r["role"] == "original" else "reprinted as"
        click.echo(f"  {what} doc {r['doc_id']} ({r['similarity']:.0%} alike)  {r['url']}")
    for a in data["attachments"]:
        click.echo(f"  attachment {a['name'] or '-'}  {a['url']}  {_attachment_state(a)}")
        for av in a["versions"]:
            pages = f", {av['pages']} pages" if av["pages"] else ""
            size = f"{av['size']} bytes{pages}, {av['chars']} chars"
            note = f"  ({av['error']})" if av["error"] else ""
            click.echo(f"      v{av['seq']} {av['at']}  {size}  sha256 {av['raw_sha256'][:16]}…{note}")


def _attachment_state(a: dict[str, Any]) -> str:
    return f"state={a['state']}" + ("" if a["linked"] else " (no longer linked)")


def _evidence_line(details: dict[str, Any]) -> str:
    ev = details.get("evidence") or {}
    gone, ok = ev.get("first_gone"), ev.get("last_ok")
    parts = [f"class={details['class']}"] if details.get("class") else []
    if gone:
        seen = f"last seen OK {ok['at'][:16]}" if ok else "never seen OK"
        parts.append(f"{seen} … first seen gone ({gone['outcome']}) {gone['at'][:16]}")
    if "changed" in details:  # a reappearance, compared with the last version seen
        since = f"v{details.get('last_seen_seq')}"
        if details["changed"]:
            delta = f"+{details.get('inserted_chars', 0)}/-{details.get('deleted_chars', 0)} chars"
            parts.append(f"changed since {since}: {', '.join(details.get('changes', []))} ({delta})")
        else:
            parts.append(f"unchanged since {since}")
    return "  " + "; ".join(parts) if parts else ""


@main.command()
@click.argument("query")
@click.option("--mode", type=click.Choice(["any", "current", "removed"]), default="any", show_default=True,
              help="any version, the current text only, or passages later removed")  # fmt: skip
@click.option("--source", "sources", multiple=True, help="only these sources (repeatable)")
@click.option("--agency", default="", help="发文机关 contains this")
@click.option("--topic", default="", help="主题分类 contains this")
@click.option("--published-from", default="", help="发布日期 from (YYYY-MM-DD)")
@click.option("--published-to", default="", help="发布日期 to (YYYY-MM-DD)")
@click.option("--event", "event_kind", default="", help="documents with an event of this kind")
@click.option("--page", default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx: click.Context, query: str, as_json: bool, page: int, **filters: Any) -> None:
    """Full-text search over every version: terms, "phrases", OR, -exclusion (see README)."""
    from web.searching import BadSearch, SearchRequest, run_search

    params = {"q": query, "mode": filters.pop("mode"), "page": str(page), **{k: v for k, v in filters.items() if v}}
    req = SearchRequest.from_params({**params, "source": filters.get("sources") or ()})
    try:
        with _sessions(ctx)() as s:
            results = run_search(s, req)
    except BadSearch as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _print_json(results.as_dict())
        return
    for h in results.hits:
        mark = "" if h.current else f" (earlier version; matches v{', v'.join(map(str, h.matching_versions))})"
        click.echo(f"doc {h.doc_id} v{h.seq}{mark}  {h.title}  {h.doc_number or ''}  {h.url}")
        for snip in h.snippets[:1]:
            click.echo(f"    …{snip['before']}[{snip['hit']}]{snip['after']}…")
    more = f" among the newest matches, about {results.estimated_total} in all" if results.truncated else ""
    click.echo(f"{results.total} documents{more}" if results.hits else "no matches")


@main.command()
@click.argument("host")
@click.pass_context
def unblock(ctx: click.Context, host: str) -> None:
    """Crawl HOST (host:port) again after a bot wall, once the site has agreed to it."""
    from store.crawlbook import unblock_host
    from store.db import transaction

    with transaction(_sessions(ctx)) as s:
        if not unblock_host(s, host.lower()):
            raise click.ClickException(f"{host} is not blocked (see `policywatch status` for blocked hosts)")
    settings = _settings(ctx)
    if settings.redis_url:  # distributed mode also shares the wall in Redis
        from crawlers.distributed import unblock_shared

        unblock_shared(settings.redis_url, host.lower())
    click.echo(f"{host} will be crawled again on the next run")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Run the web application (archive search, sign-in, subscriptions, the unsubscribe links of
    alert mails) until interrupted."""
    import uvicorn

    from alerts.signin import sign_in_mailer
    from common.logs import RedactTokens
    from store.accounts import LINK_TTL
    from web.app import create_app

    settings = _settings(ctx)
    if not settings.secret_key:
        click.echo("warning: POLICYWATCH_SECRET_KEY is not set: sign-in mail and unsubscribe links will not work",
                   err=True)  # fmt: skip
    mailer = sign_in_mailer(settings, int(LINK_TTL.total_seconds() // 60))
    config = uvicorn.Config(create_app(settings, _sessions(ctx), mailer), host=host, port=port, log_level="info")
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())  # after Config set up uvicorn's logging
    uvicorn.Server(config).run()


@main.group()
def admin() -> None:
    """Admins of the web app: they manage sources and every subscriber."""


@admin.command("create")
@click.argument("email")
@click.pass_context
def admin_create(ctx: click.Context, email: str) -> None:
    """Make EMAIL an admin (they sign in with a link mailed to that address)."""
    from store.accounts import create_admin
    from store.db import transaction

    with transaction(_sessions(ctx)) as s:
        added = create_admin(s, email, clock.now())
    where = _settings(ctx).base_url.rstrip("/") + "/signin"
    click.echo(f"{email} is {'now' if added else 'already'} an admin; they sign in at {where}")


@admin.command("list")
@click.pass_context
def admin_list(ctx: click.Context) -> None:
    """Print every admin address."""
    from store.accounts import admins

    with _sessions(ctx)() as s:
        for email in admins(s):
            click.echo(email)


@main.group()
def sim() -> None:
    """The simulated government web used by tests and the demo."""


@sim.command("serve")
@click.option("--port", default=8800, show_default=True, help="first port; the four sites use PORT..PORT+3")
@click.option("--day", default=0, show_default=True)
@click.option("--seed", default=42, show_default=True)
def sim_serve(port: int, day: int, seed: int) -> None:
    """Serve the simulated web until interrupted."""
    from sim.server import serve_forever

    serve_forever(port, day, seed)


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="keep the demo archive here (default: a new temporary directory)",
)
def demo(directory: str | None) -> None:
    """Crawl the simulated web through its scenario and report what policywatch found."""
    from demo import run_demo

    run_demo(directory)


from cli import care, mail, ops  # noqa: E402, F401  (register their commands on ``main``)

if __name__ == "__main__":
    main()
