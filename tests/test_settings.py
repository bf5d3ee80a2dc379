"""Settings: defaults, TOML, env overrides, clear errors; the shipped example config loads."""

import sys
from pathlib import Path

import pytest

from common.errors import ConfigError
from common.settings import SETTINGS_HELP, Settings, load_settings
from crawlers.run import SPIDERS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "policywatch.example.toml"


def test_example_config_loads_and_every_source_has_a_spider_and_description():
    s = load_settings(EXAMPLE, env={})
    assert {src.name for src in s.sources} >= {"govcn-zuixin", "ndrc-tz", "wenming-yw", "watched-documents"}
    for src in s.sources:
        assert src.kind in SPIDERS and src.description
        lines = src.description.splitlines()
        fields = [line.split(":", 1)[0] for line in lines]
        assert fields == ["Issuer", "Listing URL", "Update frequency", "Caveats"], src.name
        assert all(len(line.split(":", 1)[1].strip()) > 3 for line in lines), src.name
        assert src.start_urls and all(u.startswith(("http://", "https://")) for u in src.start_urls)
        if "unverified" in src.description:
            assert not src.enabled, f"{src.name}: an unverified listing URL must ship disabled"


def test_example_config_covers_the_localities_of_the_domain_brief():
    names = " ".join(src.name for src in load_settings(EXAMPLE, env={}).sources)
    for place in ("govcn", "wenming", "tianjin", "suzhou", "zhengzhou", "shenzhen", "hangzhou", "beijing",
                  "shanghai", "chengdu", "wuxi", "nanyang"):  # fmt: skip
        assert place in names


def test_every_family_spider_is_documented():
    for kind, spider in SPIDERS.items():
        doc = sys.modules[spider.__module__].__doc__ or ""
        for term in ("Issuer:", "Listing URL:", "Update frequency:", "Caveats:"):
            assert term in doc, f"{kind} spider module lacks {term}"


def test_env_overrides_toml(tmp_path):
    cfg = tmp_path / "pw.toml"
    cfg.write_text('database_url = "sqlite:///a.db"\ndownload_delay = 5\n', encoding="utf-8")
    s = load_settings(cfg, env={"POLICYWATCH_DATABASE_URL": "sqlite:///b.db", "POLICYWATCH_ALERT_ON": "new,removed"})
    assert s.database_url == "sqlite:///b.db" and s.download_delay == 5.0 and s.alert_on == ("new", "removed")


def test_user_agent_is_honest():
    ua = Settings(contact_email="ops@example.org").user_agent
    assert ua.startswith("policywatch/") and "ops@example.org" in ua and "Mozilla" not in ua


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nname='a'\nkind='magic'\nstart_urls=[]\n", "kind 'magic'"),
        ("[[sources]]\nname='a'\n", "lacks kind, start_urls"),
        ("speling = 1\n", "unknown settings"),
        ("download_delay = 'slow'\n", "download_delay"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_config_errors_name_the_problem(tmp_path, text, message):
    cfg = tmp_path / "pw.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg, env={})


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_every_setting_is_documented():
    names = {f for f in Settings.__dataclass_fields__ if f not in ("sources", "config_path")}
    assert names == set(SETTINGS_HELP)
