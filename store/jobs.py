"""Daemon bookkeeping: what each job run did (``job_run``), which sources an admin paused, and what
``policywatch status`` shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, Table, delete, func, inspect, select, update
from sqlalchemy.orm import Session

from store.models import CrawlRun, Document, HostStatus, JobRun, Source, SourcePause


def start_job(session: Session, job: str, source: str | None, at: datetime) -> int:
    """Record a job run as started; returns its id."""
    row = JobRun(job=job, source=source, started_at=at, status="running", detail={})
    session.add(row)
    session.flush()
    return row.id


def finish_job(session: Session, job_run_id: int, at: datetime, status: str, exit_code: int | None,
               detail: dict[str, Any]) -> None:  # fmt: skip
    """Record how a job run ended (``ok``, ``failed``, ``timeout``, ``busy``, ``interrupted``)."""
    row = session.get(JobRun, job_run_id)
    if row is not None:
        row.finished_at, row.status, row.exit_code, row.detail = at, status, exit_code, detail


def interrupt_unfinished(session: Session, at: datetime) -> int:
    """Mark job runs left ``running`` by a daemon that died as ``interrupted`` (at start-up)."""
    res = session.execute(update(JobRun).where(JobRun.status == "running").values(status="interrupted", finished_at=at))
    return int(getattr(res, "rowcount", 0) or 0)


def latest_crawl_run(session: Session, source: str, since: datetime) -> CrawlRun | None:
    """The newest crawl run of ``source`` started at or after ``since``."""
    q = select(CrawlRun).where(CrawlRun.sources == source, CrawlRun.started_at >= since)
    return session.scalars(q.order_by(CrawlRun.id.desc()).limit(1)).first()


def next_runs(engine: Engine, table: str = "apscheduler_jobs") -> dict[str, datetime]:
    """Job id → next run time, read from APScheduler's job store in the archive (empty if none)."""
    if table not in inspect(engine).get_table_names():
        return {}
    jobs = Table(table, MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.next_run_time)).all()
    return {i: datetime.fromtimestamp(t, UTC) for i, t in rows if t is not None}


def source_status(session: Session, names: list[str], now: datetime) -> list[dict[str, Any]]:
    """Per configured source: its last job run and crawl run, and documents due for a re-check."""
    out = []
    paused = paused_sources(session)
    for name in names:
        job = session.scalars(select(JobRun).where(JobRun.source == name).order_by(JobRun.id.desc()).limit(1)).first()
        run = session.scalars(select(CrawlRun).where(CrawlRun.sources == name).order_by(CrawlRun.id.desc())).first()
        due = session.scalar(
            select(func.count(Document.id))
            .join(Source, Source.id == Document.source_id)
            .where(Source.name == name, Document.next_check_at <= now)
        )
        out.append({
            "source": name,
            "last_job": None if job is None else {
                "started_at": job.started_at, "finished_at": job.finished_at, "status": job.status,
                "exit_code": job.exit_code, "seconds": job.detail.get("seconds"),
            },
            "last_crawl": None if run is None else {
                "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status,
                "new": run.stats.get("event_new", 0), "revised": run.stats.get("event_revised", 0),
                "requests": run.stats.get("requests", run.stats.get("fetched", 0)),
            },
            "documents_due": int(due or 0),
            "paused": paused.get(name),
        })  # fmt: skip
    return out


def blocked(session: Session) -> list[dict[str, Any]]:
    """Hosts behind a bot wall."""
    rows = session.scalars(select(HostStatus).where(HostStatus.status == "blocked").order_by(HostStatus.host))
    return [{"host": h.host, "since": h.since, "reason": h.reason} for h in rows]


def paused_sources(session: Session) -> dict[str, dict[str, Any]]:
    """Paused source name → when and by whom."""
    rows = session.scalars(select(SourcePause).order_by(SourcePause.name))
    return {p.name: {"paused_at": p.paused_at, "paused_by": p.paused_by} for p in rows}


def pause_source(session: Session, name: str, at: datetime, by: str = "") -> bool:
    """Pause ``name`` (its scheduled crawls are skipped); False if it already was."""
    if session.scalar(select(SourcePause.id).where(SourcePause.name == name)) is not None:
        return False
    session.add(SourcePause(name=name, paused_at=at, paused_by=by))
    session.flush()
    return True


def resume_source(session: Session, name: str) -> bool:
    """Resume ``name``; False if it was not paused."""
    return bool(session.execute(delete(SourcePause).where(SourcePause.name == name)).rowcount)  # type: ignore[attr-defined]
