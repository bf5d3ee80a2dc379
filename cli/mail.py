"""Subscriber and alert commands: subscribe, unsubscribe, subscribers, alerts dispatch|digest|test."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from cli import _print_json, _sessions, _settings, main
from common import clock


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated (ASCII or full-width commas) and repeated options, flattened."""
    return tuple(p.strip() for v in values for p in v.replace("，", ",").split(",") if p.strip())


@main.command()
@click.argument("email")
@click.option(
    "--keywords", multiple=True, help="matched on word boundaries, comma-separated: 社会信用体系,全国文明城市"
)
@click.option("--phrases", multiple=True, help="matched as exact substrings, comma-separated")
@click.option("--source", "sources", multiple=True, help="only these sources (names from the config)")
@click.option("--agency", "agencies", multiple=True, help="only documents whose 发文机关 contains this")
@click.option("--topic", "topics", multiple=True, help="only documents whose 主题分类 contains this")
@click.option(
    "--events", multiple=True, help="event kinds (default: the instance's alert_on), e.g. new,revised_substantive"
)
@click.option("--delivery", type=click.Choice(["instant", "digest", "both"]), default=None)
@click.option("--digest-hour", type=click.IntRange(0, 23), default=None, help="local hour of the daily digest (8)")
@click.option("--timezone", default=None, help="IANA time zone of the digest hour (Asia/Shanghai)")
@click.option(
    "--lang", "language", type=click.Choice(["zh", "en"]), default=None, help="language of the mail's framing"
)
@click.option("--name", default=None)
@click.option("--replace", is_flag=True, help="replace the subscriber's rules instead of adding one")
@click.pass_context
def subscribe(ctx: click.Context, email: str, **opts: Any) -> None:
    """Subscribe EMAIL (or change their settings) and give them a watch rule."""
    from store.db import transaction
    from store.subscribers import DeliveryPrefs, RuleSpec, add_rule, upsert_subscriber

    prefs = DeliveryPrefs(opts["name"], opts["language"], opts["delivery"], opts["digest_hour"], opts["timezone"])
    spec = RuleSpec(*(_split(opts[k]) for k in ("keywords", "phrases", "sources", "agencies", "topics", "events")))
    unknown = sorted(set(spec.sources) - {src.name for src in _settings(ctx).sources})
    if unknown:
        raise click.ClickException(f"unknown source(s) {', '.join(unknown)}; see the [[sources]] names in the config")
    with transaction(_sessions(ctx)) as s:
        sub = upsert_subscriber(s, email, clock.now(), prefs)
        rule = add_rule(s, sub, spec, clock.now(), replace=opts["replace"])
        click.echo(f"{sub.email} ({sub.delivery}, {sub.language}) — rule {rule.id}: {_rule_text(rule)}")


def _rule_text(rule: Any) -> str:
    parts = [f"keywords {'、'.join(rule.keywords)}" if rule.keywords else ""]
    parts += [f"phrases {'、'.join(rule.phrases)}" if rule.phrases else ""]
    for label, values in (("sources", rule.sources), ("agency", rule.agencies), ("topic", rule.topics)):
        parts.append(f"{label} {'、'.join(values)}" if values else "")
    parts.append(f"events {','.join(rule.events)}" if rule.events else "default events")
    return "; ".join(p for p in parts if p)


@main.command()
@click.argument("email")
@click.pass_context
def unsubscribe(ctx: click.Context, email: str) -> None:
    """Stop all mail to EMAIL (mail not yet sent is cancelled; rules are kept)."""
    from store.db import transaction
    from store.subscribers import unsubscribe as stop

    with transaction(_sessions(ctx)) as s:
        if not stop(s, email, clock.now()):
            raise click.ClickException(f"{email} is not a subscriber (see `policywatch subscribers`)")
    click.echo(f"{email} unsubscribed")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def subscribers(ctx: click.Context, as_json: bool) -> None:
    """List subscribers, their delivery settings and rules."""
    from store.subscribers import all_subscribers

    with _sessions(ctx)() as s:
        rows: list[dict[str, Any]] = [
            {
                "email": sub.email, "name": sub.name, "active": sub.active, "delivery": sub.delivery,
                "language": sub.language, "digest_hour": sub.digest_hour, "timezone": sub.timezone,
                "rules": [{"id": r.id, "text": _rule_text(r), "keywords": r.keywords, "phrases": r.phrases,
                           "sources": r.sources, "agencies": r.agencies, "topics": r.topics, "events": r.events}
                          for r in rules],
            }
            for sub, rules in all_subscribers(s)
        ]  # fmt: skip
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        state = "" if row["active"] else " [unsubscribed]"
        when = f"digest {row['digest_hour']}:00 {row['timezone']}"
        click.echo(f"{row['email']}{state}  {row['delivery']}, {row['language']}, {when}")
        for r in row["rules"]:
            click.echo(f"  rule {r['id']}: {r['text']}")
    if not rows:
        click.echo("no subscribers (add one with `policywatch subscribe EMAIL --keywords …`)")


@main.group()
def alerts() -> None:
    """Alert e-mail commands."""


def _at(now: str | None) -> datetime:
    return clock.parse_instant(now) if now else clock.now()


@alerts.command("dispatch")
@click.option("--dry-run", is_flag=True, help="show what would be sent; send nothing")
@click.pass_context
def alerts_dispatch(ctx: click.Context, dry_run: bool) -> None:
    """Send every pending alert and digest e-mail once."""
    from alerts.dispatch import dispatch
    from alerts.preview import preview

    root = ctx.find_root()
    if dry_run:
        lines = preview(_sessions(root), _settings(root), clock.now())
        click.echo("\n".join(lines) if lines else "nothing to send")
        return
    result = dispatch(_sessions(root), _settings(root))
    click.echo(f"sent {result.sent}, failed {result.failed} (will retry)")
    if result.failed:
        sys.exit(1)


@alerts.command("digest")
@click.option("--now", default=None, help="ISO-8601 instant to build the digests for (default: now)")
@click.pass_context
def alerts_digest(ctx: click.Context, now: str | None) -> None:
    """Build the daily digests due now (or at --now) and send them."""
    from alerts.dispatch import dispatch
    from store.db import transaction
    from store.digests import assign_digests

    root, at = ctx.find_root(), _at(now)
    with transaction(_sessions(root)) as s:
        created = assign_digests(s, at)
    result = dispatch(_sessions(root), _settings(root), now=at)
    click.echo(f"{len(created)} digests built; sent {result.sent}, failed {result.failed}")
    if result.failed:
        sys.exit(1)


@alerts.command("test")
@click.argument("email")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default="zh")
@click.pass_context
def alerts_test(ctx: click.Context, email: str, language: str) -> None:
    """Send a sample alert to EMAIL through the configured SMTP server (checks the mail settings)."""
    from alerts.preview import send_sample

    subject = send_sample(_settings(ctx.find_root()), email, language)
    click.echo(f"sent {subject!r} to {email}")
