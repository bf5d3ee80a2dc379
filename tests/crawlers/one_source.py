"""A throwaway archive with one source, for crawl tests against the sim sites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.settings import load_settings
from store.db import make_engine, session_factory
from store.schema import upgrade


def one_source_archive(
    tmp_path: Path, name: str, kind: str, urls: list[str], workers: int = 0, extra: str = ""
) -> tuple[Path, Any]:
    """Write a policywatch.toml with one source (delay 0; ``extra``: more top-level settings) and
    create its SQLite archive; returns the config path and a session factory on the archive."""
    config = tmp_path / "policywatch.toml"
    listed = ", ".join(f'"{u}"' for u in urls)
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "a.db"}"\ndata_dir = "{tmp_path / "data"}"\n'
        f'download_delay = 0.0\nprocessing_workers = {workers}\n{extra}\n[[sources]]\nname = "{name}"\n'
        f'kind = "{kind}"\nstart_urls = [{listed}]\n',
        encoding="utf-8",
    )
    engine = make_engine(load_settings(config, env={}).database_url)
    upgrade(engine)
    return config, session_factory(engine)
