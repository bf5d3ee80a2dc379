"""Typed settings: defaults here, overridden by ``policywatch.toml``, then by ``POLICYWATCH_*`` env vars.

Every setting is a field of :class:`Settings` with its help text in ``SETTINGS_HELP``.
Secrets (SMTP password, database password) belong in the environment or a ``.env``
file, never in the TOML file that is committed with a deployment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from common.errors import ConfigError

SOURCE_KINDS = (
    "govcn",
    "trs",
    "hanweb",
    "gkmlpt",
    "listing",
    "wenming",
    "urls",
)  # wenming = listing with 文明网 defaults

AGE_FROM = ("published", "first_seen")

SETTINGS_HELP: dict[str, str] = {
    "database_url": "SQLAlchemy URL of the archive (SQLite file by default, postgresql+psycopg://… on servers)",
    "data_dir": "directory for WARC files and other archive data",
    "contact_url": "URL naming the project/operator, sent in the User-Agent",
    "contact_email": "operator e-mail sent in the User-Agent so site owners can reach you",
    "download_delay": "seconds between two requests to the same host (default 3)",
    "max_listing_pages": "page cap per listing; hitting it marks the listing crawl partial",
    "confirm_failures": "failed checks needed before a document is reported removed",
    "confirm_hours": "hours the failed checks must span before a document is reported removed",
    "recheck_new_days": "documents younger than this many days are re-checked every recheck_new_every_days",
    "recheck_new_every_days": "re-check interval of new documents (default 1 day)",
    "recheck_weekly_until_days": "then re-checked every recheck_weekly_every_days until this age",
    "recheck_weekly_every_days": "re-check interval of documents of middle age (default 7 days)",
    "recheck_old_every_days": "re-check interval of older documents (default 30 days)",
    "recheck_age_from": "published (age from the document's 发布/成文 date when known) | first_seen",
    "warc_rotate_mb": "size in MB at which a run's WARC file is closed and the next one started",
    "processing_workers": "processes analysing pages during a crawl (-1: one per spare core, 0: inline)",
    "fetch_attachments": "fetch, archive and version the files (PDF, DOCX, ...) documents link to",
    "attachment_max_mb": "largest attachment fetched, in MB (a bigger one is recorded as a failed fetch, not archived)",
    "page_max_mb": "largest page (listing or document) read, in MB; a bigger or endless one is refused and recorded",
    "download_timeout": "seconds one download may take in all (a trickling server is cut off and recorded)",
    "redis_url": "Redis URL (env POLICYWATCH_REDIS_URL) for distributed mode: crawl processes share one frontier",
    "crawl_timeout": "seconds after which the daemon kills a crawl subprocess",
    "base_url": "public URL of this policywatch instance, used in permalinks and e-mails",
    "smtp_host": "SMTP server for alerts",
    "smtp_port": "SMTP port (587 with STARTTLS, 465 with SSL, 25 plain)",
    "smtp_user": "SMTP login (empty: no login)",
    "smtp_password": "SMTP password (env POLICYWATCH_SMTP_PASSWORD only)",
    "smtp_security": "none | starttls | ssl",
    "smtp_ca_file": "PEM file of the CA that signed the SMTP server's certificate (default: the system's CAs)",
    "mail_from": "From: address of alert e-mails",
    "secret_key": "key that signs unsubscribe links (env POLICYWATCH_SECRET_KEY)",
    "alert_on": "event kinds a watch rule without its own event list is alerted about",
    "alert_claim_lease_s": "seconds after which a mail claimed by a dispatcher that never finished is taken over",
    "dispatch_every_min": "minutes between the daemon's alert dispatch passes",
    "log_format": "text | json: the daemon's log lines on stderr",
    "now": "ISO-8601 instant the run pretends is now (replays and tests)",
}


@dataclass(frozen=True)
class SourceConfig:
    """One monitored column (栏目): a name, a CMS family and where its listing starts."""

    name: str
    kind: str
    start_urls: tuple[str, ...]
    description: str = ""
    schedule: str = "0 6 * * *"
    download_delay: float | None = None
    max_pages: int | None = None
    search_api: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    enabled: bool = True


@dataclass(frozen=True)
class Settings:
    """All settings of one policywatch instance. Build with :func:`load_settings`."""

    database_url: str = "sqlite:///policywatch.db"
    data_dir: str = "policywatch-data"
    contact_url: str = "https://github.com/policywatch/policywatch"
    contact_email: str = "operator@example.org"
    download_delay: float = 3.0
    max_listing_pages: int = 50
    confirm_failures: int = 3
    confirm_hours: float = 48.0
    recheck_new_days: float = 14.0
    recheck_new_every_days: float = 1.0
    recheck_weekly_until_days: float = 90.0
    recheck_weekly_every_days: float = 7.0
    recheck_old_every_days: float = 30.0
    recheck_age_from: str = "published"
    processing_workers: int = -1
    warc_rotate_mb: int = 512
    fetch_attachments: bool = True
    attachment_max_mb: int = 50
    page_max_mb: int = 20
    download_timeout: float = 30.0
    redis_url: str = ""
    crawl_timeout: int = 3600
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "none"
    smtp_ca_file: str = ""
    mail_from: str = "policywatch <policywatch@localhost>"
    secret_key: str = ""
    alert_on: tuple[str, ...] = ("new", "revised", "removed", "attachment_changed", "attachment_removed")
    alert_claim_lease_s: int = 300
    dispatch_every_min: int = 5
    log_format: str = "text"
    now: str = ""
    sources: tuple[SourceConfig, ...] = ()
    config_path: str = ""

    @property
    def user_agent(self) -> str:
        """The honest User-Agent: project name, version, contact URL and e-mail."""
        return f"policywatch/0.1 (+{self.contact_url}; mailto:{self.contact_email})"

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``; ConfigError naming the known ones otherwise."""
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} in {self.config_path or 'the config'} (known: {known})")


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, tuple):
            items = value.split(",") if isinstance(value, str) else value
            return tuple(str(v).strip() for v in items if str(v).strip())
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: cannot use {value!r} ({exc})") from exc
    return str(value)


def _source(raw: dict[str, Any], where: str) -> SourceConfig:
    missing = [k for k in ("name", "kind", "start_urls") if k not in raw]
    if missing:
        raise ConfigError(f"{where}: a [[sources]] entry lacks {', '.join(missing)}")
    if raw["kind"] not in SOURCE_KINDS:
        raise ConfigError(
            f"{where}: source {raw['name']!r} has kind {raw['kind']!r}; use one of {', '.join(SOURCE_KINDS)}"
        )
    known = {f.name for f in fields(SourceConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: source {raw['name']!r} has unknown keys {sorted(unknown)}")
    data = dict(raw)
    data["start_urls"] = tuple(raw["start_urls"])
    data["selectors"] = dict(raw.get("selectors", {}))
    return SourceConfig(**data)


def load_dotenv(path: Path) -> None:
    """Load ``KEY=value`` lines from ``path`` into the environment without overriding it."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def load_settings(config: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read settings: defaults, then the TOML file (if it exists), then ``POLICYWATCH_*`` variables.

    ``config`` defaults to ``$POLICYWATCH_CONFIG`` or ``./policywatch.toml``. A missing
    default file is fine (defaults apply); a missing explicitly named file is an error.
    """
    load_dotenv(Path(".env"))
    environ = dict(os.environ if env is None else env)
    explicit = config is not None or "POLICYWATCH_CONFIG" in environ
    path = Path(config or environ.get("POLICYWATCH_CONFIG", "policywatch.toml"))
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    elif explicit:
        raise ConfigError(f"config file {path} not found (create it, or run `policywatch init --config {path}`)")
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in ("sources", "config_path"):
            continue
        value = environ.get(f"POLICYWATCH_{f.name.upper()}", raw.get(f.name))
        if value is not None:
            values[f.name] = _coerce(f.name, value, getattr(defaults, f.name))
    unknown = set(raw) - {f.name for f in fields(Settings)}
    if unknown:
        raise ConfigError(f"{path}: unknown settings {sorted(unknown)}; see README 'Configuration'")
    if values.get("recheck_age_from", "published") not in AGE_FROM:
        raise ConfigError(f"{path}: recheck_age_from must be one of {', '.join(AGE_FROM)}")
    for name, allowed in (("smtp_security", ("none", "starttls", "ssl")), ("log_format", ("text", "json"))):
        if values.get(name, getattr(defaults, name)) not in allowed:
            raise ConfigError(f"{path}: {name} must be one of {', '.join(allowed)}")
    sources = tuple(_source(s, str(path)) for s in raw.get("sources", []))
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise ConfigError(f"{path}: two sources share a name")
    return replace(defaults, **values, sources=sources, config_path=str(path.resolve()))
