"""SQL implementation of the bulk-job repository: a job row and one row per filing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from intake.domain import (
    FilingId,
    JobFilter,
    JobId,
    JobItem,
    JobItemStatus,
    JobStatus,
    ReverifyJob,
    VerificationId,
)
from storage.sql.columns import json_object
from storage.sql.tables import filing as filing_table
from storage.sql.tables import job as job_table
from storage.sql.tables import job_item as item_table
from storage.sql.tables import verification as verification_table

__all__ = ["SqlJobRepository"]

_CHINA = ZoneInfo("Asia/Shanghai")
_FINISHED_COLUMNS = (
    "status",
    "old_decision",
    "new_decision",
    "old_status",
    "new_status",
    "changed",
    "changes",
    "note",
    "verification_id",
    "finished_at",
)
# One statement for every item, compiled once: a job finishes thousands a second.
_FINISH = (
    update(item_table)
    .where(
        item_table.c.job_id == bindparam("p_job"),
        item_table.c.filing_id == bindparam("p_filing"),
        item_table.c.status == JobItemStatus.PENDING.value,
    )
    .values({column: bindparam(f"v_{column}") for column in _FINISHED_COLUMNS})
)


class SqlJobRepository:
    """Jobs and their items; an item is finished once, by a conditional update."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def select_filings(self, where: JobFilter) -> list[tuple[FilingId, str, str]]:
        """The filings a filter takes: id, insured region and filing type, oldest first."""
        f = filing_table
        query = select(f.c.id, f.c.insured_region, f.c.filing_type).order_by(f.c.created_at, f.c.id)
        for condition in _conditions(where):
            query = query.where(condition)
        return [
            (FilingId(r.id), r.insured_region, r.filing_type) for r in self._session.execute(query)
        ]

    def add(self, job: ReverifyJob, items: Sequence[JobItem]) -> None:
        self._session.execute(insert(job_table), _job_values(job))
        rows = [_item_values(i) for i in items]
        for start in range(0, len(rows), 5000):
            self._session.execute(insert(item_table), rows[start : start + 5000])

    def get(self, job_id: JobId) -> ReverifyJob | None:
        row = self._session.execute(select(job_table).where(job_table.c.id == job_id)).first()
        return _job(row._mapping) if row is not None else None

    def list_jobs(self, *, status: JobStatus | None = None, limit: int = 100) -> list[ReverifyJob]:
        query = select(job_table).order_by(job_table.c.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(job_table.c.status == status.value)
        return [_job(r._mapping) for r in self._session.execute(query)]

    def update(self, job: ReverifyJob) -> None:
        values = _job_values(job)
        del values["id"]
        self._session.execute(update(job_table).where(job_table.c.id == job.id).values(values))

    def pending(self, job_id: JobId, *, limit: int | None = None) -> list[FilingId]:
        query = (
            select(item_table.c.filing_id)
            .where(item_table.c.job_id == job_id, item_table.c.status == JobItemStatus.PENDING)
            .order_by(item_table.c.filing_id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [FilingId(r) for r in self._session.execute(query).scalars()]

    def items(
        self,
        job_id: JobId,
        *,
        filing_ids: Sequence[FilingId] | None = None,
        changed_only: bool = False,
        status: JobItemStatus | None = None,
        limit: int | None = None,
        after: FilingId | None = None,
    ) -> list[JobItem]:
        query = (
            select(item_table).where(item_table.c.job_id == job_id).order_by(item_table.c.filing_id)
        )
        if filing_ids is not None:
            query = query.where(item_table.c.filing_id.in_(list(filing_ids)))
        if changed_only:
            query = query.where(item_table.c.changed.is_(True))
        if status is not None:
            query = query.where(item_table.c.status == status.value)
        if after is not None:
            query = query.where(item_table.c.filing_id > after)
        if limit is not None:
            query = query.limit(limit)
        return [_item(r._mapping) for r in self._session.execute(query)]

    def finish(self, item: JobItem) -> bool:
        """Record a pending item's outcome; ``False`` when it was finished already."""
        values = _item_values(item)
        params = {f"v_{key}": values[key] for key in _FINISHED_COLUMNS}
        result = self._session.execute(
            _FINISH, {"p_job": item.job_id, "p_filing": item.filing_id, **params}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    def cancel_pending(self, job_id: JobId, *, at: datetime) -> int:
        result = self._session.execute(
            update(item_table)
            .where(
                item_table.c.job_id == job_id,
                item_table.c.status == JobItemStatus.PENDING.value,
            )
            .values(status=JobItemStatus.CANCELLED.value, finished_at=at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    def summary(self, job_id: JobId) -> list[dict[str, Any]]:
        """Item counts grouped by status, change, decisions, region and type."""
        i = item_table
        query = (
            select(
                i.c.status,
                i.c.changed,
                i.c.old_decision,
                i.c.new_decision,
                i.c.insured_region,
                i.c.filing_type,
                func.count().label("n"),
            )
            .where(i.c.job_id == job_id)
            .group_by(
                i.c.status,
                i.c.changed,
                i.c.old_decision,
                i.c.new_decision,
                i.c.insured_region,
                i.c.filing_type,
            )
        )
        return [dict(r._mapping) for r in self._session.execute(query)]


def _conditions(where: JobFilter) -> list[ColumnElement[bool]]:
    f = filing_table
    conditions: list[ColumnElement[bool]] = []
    if where.statuses:
        conditions.append(f.c.status.in_([s.value for s in where.statuses]))
    if where.filing_types:
        conditions.append(f.c.filing_type.in_([t.value for t in where.filing_types]))
    for column, code in (
        (f.c.insured_region, where.insured_region),
        (f.c.treatment_region, where.treatment_region),
    ):
        if code:
            prefix = code.rstrip("0") if code.endswith("00") else code
            conditions.append(column.startswith(prefix, autoescape=True))
    if where.submitted_from:
        conditions.append(f.c.submitted_at >= _china_midnight(where.submitted_from))
    if where.submitted_until:
        end = _china_midnight(where.submitted_until) + timedelta(days=1)
        conditions.append(f.c.submitted_at < end)
    if where.failing_check:
        conditions.append(f.c.open_checks.contains(f",{where.failing_check},", autoescape=True))
    if where.policy_version:
        v = verification_table
        later = verification_table.alias("later")
        newest = (
            select(func.max(later.c.created_at))
            .where(later.c.filing_id == f.c.id)
            .scalar_subquery()
        )
        conditions.append(
            exists().where(
                v.c.filing_id == f.c.id,
                v.c.created_at == newest,
                v.c.policy_version == where.policy_version,
            )
        )
    return conditions


def _china_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=_CHINA).astimezone(UTC)


def _job_values(job: ReverifyJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "created_at": job.created_at,
        "created_by": job.created_by,
        "filter": job.filter.export(),
        "policy_dir": job.policy_dir,
        "reread": job.reread,
        "dry_run": job.dry_run,
        "status": job.status.value,
        "total": job.total,
        "finished_at": job.finished_at,
    }


def _job(row: Any) -> ReverifyJob:
    return ReverifyJob(
        id=JobId(row["id"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        filter=JobFilter.from_dict(json_object(row["filter"])),
        policy_dir=row["policy_dir"],
        reread=bool(row["reread"]),
        dry_run=bool(row["dry_run"]),
        status=JobStatus(row["status"]),
        total=row["total"],
        finished_at=row["finished_at"],
    )


def _item_values(item: JobItem) -> dict[str, Any]:
    return {
        "job_id": item.job_id,
        "filing_id": item.filing_id,
        "status": item.status.value,
        "insured_region": item.insured_region,
        "filing_type": item.filing_type,
        "old_decision": item.old_decision,
        "new_decision": item.new_decision,
        "old_status": item.old_status,
        "new_status": item.new_status,
        "changed": item.changed,
        "changes": list(item.changes),
        "note": item.note[:1000],
        "verification_id": item.verification_id,
        "finished_at": item.finished_at,
    }


def _item(row: Any) -> JobItem:
    return JobItem(
        job_id=JobId(row["job_id"]),
        filing_id=FilingId(row["filing_id"]),
        status=JobItemStatus(row["status"]),
        insured_region=row["insured_region"],
        filing_type=row["filing_type"],
        old_decision=row["old_decision"],
        new_decision=row["new_decision"],
        old_status=row["old_status"],
        new_status=row["new_status"],
        changed=bool(row["changed"]),
        changes=tuple(row["changes"] or ()),
        note=row["note"],
        verification_id=VerificationId(row["verification_id"]) if row["verification_id"] else None,
        finished_at=row["finished_at"],
    )
