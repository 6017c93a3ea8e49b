"""Bulk re-verification: jobs that verify many stored filings again, or preview a pack.

A job takes the filings a filter selects and one pack (the current packs, or a
candidate directory to preview a change). Its filings are split into batches
that run on the task backend (in-process, or Celery workers). Each filing is
an item of the job, finished exactly once: a conditional update on the item
decides, in the same transaction as the verification row and the status move,
so a batch delivered twice, or a worker killed half-way, neither loses nor
duplicates a filing. A job resumes from its pending items::

    start ──> running ──(every item done or failed)──> done
                     └──cancel──> cancelled (pending items cancelled)

A dry run computes and reports, and changes no filing. A real run stores each
new verdict as a new verification row and moves the filing's status through
the workflow table; a filing under review, or claimed by a reviewer, is not
moved and the item says so. An approved or provisional filing that the new
verdict would not grant goes to a reviewer, never straight to
``needs_materials``: a machine does not withdraw what was granted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final
from uuid import UUID, uuid4

import structlog

from intake.domain import (
    Filing,
    FilingId,
    FilingStatus,
    JobFilter,
    JobId,
    JobItem,
    JobItemStatus,
    JobStatus,
    Principal,
    ReverifyJob,
    ReviewClaim,
    VerificationId,
    VerificationRecord,
)
from intake.errors import InvalidJobError, JobNotFoundError
from intake.ports import Clock, UnitOfWork, UnitOfWorkFactory
from intake.verification import VerificationService, open_checks
from intake.workflow import can_transition
from verifiers import Decision, PolicyBook, Verdict, VerifierConfigError, load_packs

__all__ = [
    "BATCH_SIZE",
    "JobProgress",
    "ReverifyService",
]

log = structlog.get_logger(__name__)

BATCH_SIZE: Final = 500
REREAD_BATCH_SIZE: Final = 1
"""Filings per batch when their pages are read again: OCR is slow, spread it over workers."""
_UNDER_REVIEW: Final = frozenset({FilingStatus.NEEDS_REVIEW})
_DECISION_STATUS: Final = {
    Decision.APPROVE.value: FilingStatus.APPROVED,
    Decision.NEEDS_MATERIALS.value: FilingStatus.NEEDS_MATERIALS,
    Decision.REVIEW.value: FilingStatus.NEEDS_REVIEW,
}
_GRANTED: Final = (FilingStatus.APPROVED, FilingStatus.PROVISIONAL)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobProgress:
    """How far a job got, and what it found."""

    job: ReverifyJob
    done: int
    failed: int
    cancelled: int
    pending: int
    changed: int
    transitions: dict[str, int] = field(default_factory=dict)
    """``old → new`` decision counts over finished items."""
    by_region: dict[str, dict[str, int]] = field(default_factory=dict)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    """For changed filings: how often each check code changed outcome."""


Dispatch = Callable[[JobId, list[FilingId]], None]
"""Sends a batch of a job to the task backend (it calls :meth:`ReverifyService.run_batch`)."""


class ReverifyService:
    """Starts, runs, resumes, cancels and reports bulk re-verification jobs."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        verification: VerificationService,
        clock: Clock,
        engine_version: Callable[[], str],
        dispatch: Dispatch | None = None,
        reread: Callable[[FilingId], object] | None = None,
        batch_size: int = BATCH_SIZE,
        reread_batch_size: int = REREAD_BATCH_SIZE,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        self._uow_factory = uow_factory
        self._verification = verification
        self._clock = clock
        self._engine_version = engine_version
        self._dispatch = dispatch
        self._reread = reread
        self._batch_size = batch_size
        self._reread_batch_size = reread_batch_size
        self._new_id = new_id
        self._books: dict[str, PolicyBook] = {}

    def set_dispatch(self, dispatch: Dispatch) -> None:
        """Name the task backend (wiring sets it once the dispatcher exists)."""
        self._dispatch = dispatch

    # -- starting and steering -----------------------------------------------------

    def start(
        self,
        principal: Principal,
        *,
        where: JobFilter,
        policy_dir: str | None = None,
        reread: bool = False,
        dry_run: bool = False,
    ) -> ReverifyJob:
        """Create a job over the filings ``where`` selects and send its batches.

        Raises:
            InvalidJobError: The candidate pack directory does not load.
        """
        if policy_dir is not None:
            self._book(policy_dir)  # refuse a bad candidate before anything is stored
        job = ReverifyJob(
            id=JobId(self._new_id()),
            created_at=self._clock.now(),
            created_by=principal.key_id,
            filter=where,
            policy_dir=policy_dir,
            reread=reread,
            dry_run=dry_run,
        )
        with self._uow_factory() as uow:
            selected = uow.jobs.select_filings(where)
            job.total = len(selected)
            if not selected:
                job.status, job.finished_at = JobStatus.DONE, job.created_at
            items = [
                JobItem(job_id=job.id, filing_id=i, insured_region=region, filing_type=kind)
                for i, region, kind in selected
            ]
            uow.jobs.add(job, items)
            uow.commit()
        log.info("intake.job.started", job_id=str(job.id), total=job.total, dry_run=dry_run)
        self._send([i.filing_id for i in items], job.id, reread=reread)
        return job

    def resume(self, job_id: JobId | None = None) -> int:
        """Send the pending items of a running job (or of every running job) again.

        Returns:
            How many pending items were sent.
        """
        with self._uow_factory() as uow:
            jobs = (
                [j for j in [uow.jobs.get(job_id)] if j is not None]
                if job_id is not None
                else uow.jobs.list_jobs(status=JobStatus.RUNNING, limit=1000)
            )
            pending = {
                job.id: uow.jobs.pending(job.id) for job in jobs if job.status is JobStatus.RUNNING
            }
        for running, filing_ids in pending.items():
            self._send(filing_ids, running, reread=any(j.reread for j in jobs if j.id == running))
        return sum(len(ids) for ids in pending.values())

    def cancel(self, job_id: JobId) -> ReverifyJob:
        """Stop a job: its pending items are cancelled; finished ones stay as they are."""
        with self._uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None:
                raise JobNotFoundError(job_id)
            if job.status is JobStatus.RUNNING:
                now = self._clock.now()
                uow.jobs.cancel_pending(job_id, at=now)
                job.status, job.finished_at = JobStatus.CANCELLED, now
                uow.jobs.update(job)
                uow.commit()
        return job

    # -- the work ----------------------------------------------------------------------

    def run_batch(self, job_id: JobId, filing_ids: Sequence[FilingId]) -> int:
        """Re-verify the pending filings of a batch; safe to run twice, or concurrently.

        The whole batch is one transaction. If it fails, each filing is tried
        on its own, and a filing that fails alone is recorded as ``failed``
        with its reason: one poison filing cannot stall a job.

        Returns:
            How many items this call finished.
        """
        with self._uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None or job.status is not JobStatus.RUNNING:
                return 0
            pending = [
                i.filing_id
                for i in uow.jobs.items(
                    job_id, filing_ids=list(filing_ids), status=JobItemStatus.PENDING
                )
            ]
        if not pending:
            return 0
        if job.reread and self._reread is not None:
            for filing_id in pending:
                self._reread_quietly(filing_id)
        try:
            finished = self._run(job, pending)
        except Exception:  # the batch boundary: isolate the filing that breaks it
            log.warning("intake.job.batch_failed", job_id=str(job_id), exc_info=True)
            finished = 0
            for filing_id in pending:
                try:
                    finished += self._run(job, [filing_id])
                except Exception as error:
                    finished += self._fail(job, filing_id, error)
        self._finish_if_complete(job_id)
        return finished

    def _run(self, job: ReverifyJob, filing_ids: Sequence[FilingId]) -> int:
        book = self._book(job.policy_dir) if job.policy_dir else None
        now = self._clock.now()
        finished = 0
        with self._uow_factory() as uow:
            filings = uow.filings.get_many(filing_ids)
            old = uow.verifications.latest_for(filing_ids)
            claims = uow.reviews.claims(list(filing_ids))
            verdicts = self._verification.verdicts(uow, filings, book=book)
            for filing in filings:
                verdict = verdicts[filing.id]
                previous = old.get(filing.id)
                item = self._item(job, filing, verdict, previous)
                record = None
                if not job.dry_run:
                    record, item = self._apply(uow, job, filing, verdict, item, claims)
                if not uow.jobs.finish(replace(item, finished_at=now)):
                    continue  # another delivery of this batch finished it first
                if record is not None:
                    uow.verifications.add(record)
                finished += 1
            missing = set(filing_ids) - {f.id for f in filings}
            for filing_id in missing:  # deleted since the job started
                gone = JobItem(
                    job_id=job.id,
                    filing_id=filing_id,
                    status=JobItemStatus.FAILED,
                    note="the filing no longer exists",
                    finished_at=now,
                )
                finished += int(uow.jobs.finish(gone))
            uow.commit()
        return finished

    def _item(
        self,
        job: ReverifyJob,
        filing: Filing,
        verdict: Verdict,
        previous: VerificationRecord | None,
    ) -> JobItem:
        before = {
            _check_key(c): c for c in (previous.verdict.get("checks", []) if previous else [])
        }
        changes = []
        for check in verdict.export()["checks"]:
            old = before.pop(_check_key(check), None)
            if old is None or old.get("outcome") != check["outcome"]:
                changes.append(
                    {
                        "code": check["code"],
                        "old": old.get("outcome") if old else None,
                        "new": check["outcome"],
                        "message": check.get("message", ""),
                    }
                )
        changes.extend(
            {"code": old["code"], "old": old.get("outcome"), "new": None, "message": ""}
            for old in before.values()
        )
        # A material group that went missing, or was found, is a reason too.
        was_missing = {
            m.get("group"): m for m in (previous.verdict.get("missing", []) if previous else [])
        }
        now_missing = {m.code: m for m in verdict.missing}
        for group in sorted(set(was_missing) ^ set(now_missing), key=str):
            name = now_missing[group].name if group in now_missing else was_missing[group]["name"]
            changes.append(
                {
                    "code": f"missing.{group}",
                    "old": "missing" if group in was_missing else "present",
                    "new": "missing" if group in now_missing else "present",
                    "message": name,
                }
            )
        old_decision = previous.decision if previous else None
        new_decision = verdict.decision.value
        return JobItem(
            job_id=job.id,
            filing_id=filing.id,
            status=JobItemStatus.DONE,
            insured_region=filing.insured_region,
            filing_type=filing.filing_type.value,
            old_decision=old_decision,
            new_decision=new_decision,
            old_status=filing.status.value,
            new_status=filing.status.value,
            changed=old_decision != new_decision,
            changes=tuple(changes),
        )

    def _apply(
        self,
        uow: UnitOfWork,
        job: ReverifyJob,
        filing: Filing,
        verdict: Verdict,
        item: JobItem,
        claims: dict[FilingId, ReviewClaim],
    ) -> tuple[VerificationRecord, JobItem]:
        record = VerificationRecord(
            id=VerificationId(self._new_id()),
            filing_id=filing.id,
            created_at=self._clock.now(),
            decision=verdict.decision.value,
            policy=verdict.policy,
            policy_version=verdict.policy_version,
            engine_version=self._engine_version(),
            verdict={**verdict.export(), "job_id": str(job.id)},
        )
        target = _DECISION_STATUS[verdict.decision.value]
        if verdict.decision is Decision.APPROVE and verdict.provisional:
            target = FilingStatus.PROVISIONAL
        if filing.status in _GRANTED and target not in _GRANTED:
            # A granted filing is never withdrawn by a machine: a person looks at it.
            target = FilingStatus.NEEDS_REVIEW
        claim = claims.get(filing.id)
        note = ""
        moved = filing
        if claim is not None and claim.expires_at > self._clock.now():
            note = f"not moved: claimed by reviewer {claim.reviewer}"
        elif filing.status in _UNDER_REVIEW:
            note = "not moved: waiting for a reviewer"
        elif target is not filing.status and not can_transition(filing.status, target):
            note = f"not moved: {filing.status.value} does not lead to {target.value}"
        elif target is not filing.status:
            granted = target in _GRANTED
            moved = replace(
                filing,
                status=target,
                valid_from=verdict.valid_from if granted else filing.valid_from,
                valid_until=verdict.valid_until if granted else filing.valid_until,
                updated_at=self._clock.now(),
            )
        uow.filings.update(replace(moved, open_checks=open_checks(verdict)))
        item = replace(item, new_status=moved.status.value, note=note, verification_id=record.id)
        return record, item

    def fail_batch(self, job_id: JobId, filing_ids: Sequence[FilingId], reason: str) -> int:
        """Record a batch that the task backend gave up on (retries spent): its pending
        items end ``failed`` with the reason, so the job still finishes.

        Returns:
            How many items this call failed.
        """
        now = self._clock.now()
        failed = 0
        with self._uow_factory() as uow:
            for filing_id in filing_ids:
                item = JobItem(
                    job_id=job_id,
                    filing_id=filing_id,
                    status=JobItemStatus.FAILED,
                    note=reason[:1000],
                    finished_at=now,
                )
                failed += int(uow.jobs.finish(item))
            uow.commit()
        self._finish_if_complete(job_id)
        return failed

    def _fail(self, job: ReverifyJob, filing_id: FilingId, error: Exception) -> int:
        log.error("intake.job.filing_failed", job_id=str(job.id), filing_id=str(filing_id))
        item = JobItem(
            job_id=job.id,
            filing_id=filing_id,
            status=JobItemStatus.FAILED,
            note=f"{type(error).__name__}: {error}"[:1000],
            finished_at=self._clock.now(),
        )
        with self._uow_factory() as uow:
            finished = uow.jobs.finish(item)
            uow.commit()
        return int(finished)

    def _reread_quietly(self, filing_id: FilingId) -> None:
        assert self._reread is not None  # noqa: S101  # checked by the caller
        try:
            self._reread(filing_id)
        except Exception:  # the verdict then names the page it could not read
            log.warning("intake.job.reread_failed", filing_id=str(filing_id), exc_info=True)

    def _finish_if_complete(self, job_id: JobId) -> None:
        with self._uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None or job.status is not JobStatus.RUNNING:
                return
            if uow.jobs.pending(job_id, limit=1):
                return
            job.status, job.finished_at = JobStatus.DONE, self._clock.now()
            uow.jobs.update(job)
            uow.commit()
        log.info("intake.job.done", job_id=str(job_id))

    # -- reports -----------------------------------------------------------------------

    def progress(self, job_id: JobId, *, with_reasons: bool = True) -> JobProgress:
        """Counts of a job: done, failed, changed, and old → new decisions by region and type.

        Raises:
            JobNotFoundError: No such job.
        """
        with self._uow_factory() as uow:
            job = uow.jobs.get(job_id)
            if job is None:
                raise JobNotFoundError(job_id)
            groups = uow.jobs.summary(job_id)
            # The reasons read every changed item: a progress bar polling asks without them.
            changed_items = uow.jobs.items(job_id, changed_only=True) if with_reasons else []
        status: Counter[str] = Counter()
        transitions: Counter[str] = Counter()
        by_region: dict[str, Counter[str]] = {}
        by_type: dict[str, Counter[str]] = {}
        changed = 0
        for group in groups:
            n = int(group["n"])
            status[group["status"]] += n
            if group["status"] not in (JobItemStatus.DONE.value,):
                continue
            changed += n if group["changed"] else 0
            move = f"{group['old_decision'] or 'none'} → {group['new_decision']}"
            transitions[move] += n
            by_region.setdefault(group["insured_region"], Counter())[move] += n
            by_type.setdefault(group["filing_type"], Counter())[move] += n
        reasons: Counter[str] = Counter(
            change["code"] for item in changed_items for change in item.changes
        )
        return JobProgress(
            job=job,
            done=status[JobItemStatus.DONE.value],
            failed=status[JobItemStatus.FAILED.value],
            cancelled=status[JobItemStatus.CANCELLED.value],
            pending=status[JobItemStatus.PENDING.value],
            changed=changed,
            transitions=dict(transitions),
            by_region={k: dict(v) for k, v in sorted(by_region.items())},
            by_type={k: dict(v) for k, v in sorted(by_type.items())},
            reasons=dict(reasons.most_common()),
        )

    def changes(
        self, job_id: JobId, *, limit: int | None = None, after: FilingId | None = None
    ) -> list[JobItem]:
        """The job's filings whose decision changed, with the checks that changed."""
        with self._uow_factory() as uow:
            if uow.jobs.get(job_id) is None:
                raise JobNotFoundError(job_id)
            return uow.jobs.items(job_id, changed_only=True, limit=limit, after=after)

    def failures(self, job_id: JobId) -> list[JobItem]:
        with self._uow_factory() as uow:
            return uow.jobs.items(job_id, status=JobItemStatus.FAILED)

    # -- helpers -----------------------------------------------------------------------

    def _send(self, filing_ids: list[FilingId], job_id: JobId, *, reread: bool) -> None:
        if self._dispatch is None:
            raise RuntimeError("no task backend to run the job's batches")
        size = self._reread_batch_size if reread else self._batch_size
        for start in range(0, len(filing_ids), size):
            self._dispatch(job_id, filing_ids[start : start + size])

    def _book(self, policy_dir: str) -> PolicyBook:
        if policy_dir not in self._books:
            directory = Path(policy_dir)
            if not directory.is_dir():
                raise InvalidJobError("not a directory of policy packs", field="policy")
            try:
                self._books[policy_dir] = load_packs(directory)
            except VerifierConfigError as error:
                raise InvalidJobError(str(error), field="policy") from error
        return self._books[policy_dir]


def _check_key(check: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """A check of one verdict: its code and the documents it looked at."""
    documents = {str(e.get("document_id", "")) for e in check.get("evidence") or ()}
    return (str(check.get("code", "")), tuple(sorted(documents)))
