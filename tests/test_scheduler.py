"""The daemon: jobs from the config, persisted in the archive, crawls as real subprocesses."""

import json
from pathlib import Path

import pytest

import scheduler
from common.errors import ConfigError
from common.settings import load_settings
from demo import demo_config
from sim.server import SimWeb
from store.db import make_engine, session_factory
from store.queries import events
from store.schema import upgrade


@pytest.fixture
def sim_config(tmp_path, smtp_sink):
    web = SimWeb(base_port=0, seed=42)
    web.start()
    cfg = tmp_path / "policywatch.toml"
    cfg.write_text(demo_config(web, smtp_sink.port, tmp_path), encoding="utf-8")
    settings = load_settings(cfg, env={})
    upgrade(make_engine(settings.database_url))
    yield settings, web
    web.stop()


def test_jobs_are_built_from_sources_with_deliberate_options(sim_config):
    settings, _ = sim_config
    sched = scheduler.build_scheduler(settings)
    ids = {j[0].id for j in sched._pending_jobs}
    assert ids == {f"crawl:{s.name}" for s in settings.sources} | {"alerts:dispatch", "alerts:digest"}
    job = next(j for j, *_ in sched._pending_jobs if j.id == "crawl:sim-govcn")
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 3600
    assert job.args == (settings.config_path, "sim-govcn")
    assert str(job.trigger).startswith("cron[") and "Asia/Shanghai" in repr(job.trigger)


def test_bad_schedule_is_a_config_error(tmp_path):
    cfg = tmp_path / "pw.toml"
    cfg.write_text("[[sources]]\nname='a'\nkind='urls'\nstart_urls=['http://x/']\nschedule='every day'\n")
    with pytest.raises(ConfigError, match="schedule 'every day'"):
        scheduler.build_scheduler(load_settings(cfg, env={}))


def test_interval_schedules_for_tests_and_busy_columns():
    assert str(scheduler.trigger_of("every 3 s", "a")).startswith("interval[0:00:03")
    assert str(scheduler.trigger_of("every 2 h", "a")).startswith("interval[2:00:00")
    with pytest.raises(ConfigError, match="source a: schedule 'every 3 weeks'"):
        scheduler.trigger_of("every 3 weeks", "a")


def test_crawl_job_runs_scrapy_subprocess_and_records_events(sim_config):
    from store.models import CrawlRun, JobRun

    settings, web = sim_config
    assert scheduler.crawl_job(settings.config_path, "sim-trs") == 0
    with session_factory(make_engine(settings.database_url))() as s:
        kinds = [e["kind"] for e in events(s)]
        (job,) = s.query(JobRun).all()
        run = s.get(CrawlRun, job.detail["crawl_run"])
        assert (job.job, job.source, job.status, job.exit_code) == ("crawl", "sim-trs", "ok", 0)
        assert run.sources == "sim-trs" and job.detail["crawl_status"] == run.status == "ok"
        assert job.finished_at is not None and job.finished_at >= job.started_at and job.detail["seconds"] > 0
    assert kinds.count("new") == 10  # the TRS site lists 10 documents on day 0
    assert any(r[0] == "trs" and r[2] == "/robots.txt" for r in web.requests_log)
    env = scheduler.crawl_env(settings)
    assert env["POLICYWATCH_CONFIG"] == settings.config_path and env["SCRAPY_SETTINGS_MODULE"] == "crawlers.settings"
    assert json.dumps(kinds)
    assert Path(settings.data_dir, "warc").is_dir() and any(Path(settings.data_dir, "warc").iterdir())


def test_jobs_of_sources_no_longer_configured_are_pruned(tmp_path):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from store.schema import prune_jobs

    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url)})
    sched.start(paused=True)
    for job_id in ("crawl:a", "crawl:b", "alerts:dispatch"):
        sched.add_job(scheduler.dispatch_job, "interval", hours=1, args=["x"], id=job_id)
    sched.shutdown()
    engine = make_engine(url)
    assert prune_jobs(engine, "crawl:", {"crawl:a"}) == ["crawl:b"]
    again = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url)})
    again.start(paused=True)
    assert {j.id for j in again.get_jobs()} == {"crawl:a", "alerts:dispatch"}
    again.shutdown()
    assert prune_jobs(make_engine(f"sqlite:///{tmp_path / 'none.db'}"), "crawl:", set()) == []


def test_sources_sharing_a_host_and_schedule_are_one_job(tmp_path):
    cfg = tmp_path / "pw.toml"
    cfg.write_text(
        "[[sources]]\nname='a'\nkind='trs'\nstart_urls=['http://www.x.gov.cn/a/index.html']\n"
        "[[sources]]\nname='b'\nkind='trs'\nstart_urls=['http://www.x.gov.cn/b/index.html']\n"
        "[[sources]]\nname='c'\nkind='trs'\nstart_urls=['http://www.y.gov.cn/c/index.html']\n"
        "[[sources]]\nname='d'\nkind='trs'\nstart_urls=['http://www.x.gov.cn/d/index.html']\nschedule='0 20 * * *'\n",
        encoding="utf-8",
    )
    settings = load_settings(cfg, env={})
    jobs = {j.id: j.args[1:] for j, *_ in scheduler.build_scheduler(settings)._pending_jobs}
    assert jobs == {
        "crawl:a+b": ("a", "b"),
        "crawl:c": ("c",),
        "crawl:d": ("d",),
        "alerts:dispatch": (),
        "alerts:digest": (),
    }


def test_a_crawl_that_cannot_take_its_host_lock_is_recorded_busy(sim_config, tmp_path):
    from crawlers.hostlock import host_locks
    from crawlers.run import hosts_of
    from store.models import JobRun

    settings, _ = sim_config
    cfg = Path(settings.config_path)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("secret_key", "crawl_timeout = 1\nsecret_key"), "utf-8")
    src = settings.source("sim-trs")
    with host_locks(settings.data_dir, hosts_of(src), timeout=5):  # another crawl holds the host
        assert scheduler.crawl_job(settings.config_path, "sim-trs") == -2
    with session_factory(make_engine(settings.database_url))() as s:
        (job,) = s.query(JobRun).all()
    assert (job.source, job.status, job.exit_code) == ("sim-trs", "busy", -2) and job.detail["error"]


def test_a_paused_source_is_skipped_and_recorded_until_resumed(sim_config):
    from click.testing import CliRunner

    from cli import main
    from store.models import JobRun

    settings, web = sim_config
    cli = ["--config", settings.config_path]
    out = CliRunner().invoke(main, [*cli, "source", "pause", "sim-trs"]).output
    assert "sim-trs paused" in out
    assert "no source named 'nope'" in CliRunner().invoke(main, [*cli, "source", "pause", "nope"]).output
    assert scheduler.crawl_job(settings.config_path, "sim-trs") == 0
    assert not [r for r in web.requests_log if r[0] == "trs"]  # not one request to the paused site
    sessions = session_factory(make_engine(settings.database_url))
    with sessions() as s:
        (job,) = s.query(JobRun).all()
        assert (job.source, job.status, job.detail["paused_by"]) == ("sim-trs", "paused", "command line")
    status = CliRunner().invoke(main, [*cli, "status"]).output
    assert "PAUSED; paused" in next(line for line in status.splitlines() if line.startswith("sim-trs"))
    assert "sim-trs resumed" in CliRunner().invoke(main, [*cli, "source", "resume", "sim-trs"]).output
    assert scheduler.crawl_job(settings.config_path, "sim-trs") == 0
    assert [r for r in web.requests_log if r[0] == "trs"]
