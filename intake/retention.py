"""Retention: closed filings lose their personal data; anonymous statistics stay.

A filing is closed once ``rejected``, ``cancelled`` or ``expired``. When it
has been closed for longer than the retention period, :meth:`purge` deletes
its documents, their page readings and every blob no other document still
references, and blanks its personal fields: the applicant's name and phone,
the ID number (kept masked, ``3210**********1234``), the contact, the person
filing on the applicant's behalf, the applicant's note, the values read from
documents in its verification runs, and the reviewers' corrected values and
notes. What stays is anonymous: the filing's type, regions, dates, statuses
and every check's code and outcome, so statistics and audits still add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Final

import structlog

from intake.domain import Applicant, Filing, FilingId, FilingStatus
from intake.identity import mask_id_number
from intake.ports import BlobStore, Clock, UnitOfWorkFactory

__all__ = ["CLOSED_STATUSES", "PURGED_NAME", "PurgeReport", "RetentionService"]

log = structlog.get_logger(__name__)

CLOSED_STATUSES: Final = (FilingStatus.REJECTED, FilingStatus.CANCELLED, FilingStatus.EXPIRED)
PURGED_NAME: Final = "（已清除）"
"""The applicant's name after retention: the mark that a filing was purged."""


@dataclass(slots=True, kw_only=True)
class PurgeReport:
    filings: list[FilingId] = field(default_factory=list)
    documents: int = 0
    blobs_deleted: int = 0


class RetentionService:
    """Purges the personal data of filings closed longer than the retention period."""

    def __init__(self, uow_factory: UnitOfWorkFactory, *, blobs: BlobStore, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._blobs = blobs
        self._clock = clock

    def due(self, *, older_than_days: int) -> list[Filing]:
        """Closed filings not changed for ``older_than_days`` days, not purged yet."""
        cutoff = self._clock.now() - timedelta(days=older_than_days)
        with self._uow_factory() as uow:
            closed = uow.filings.list(statuses=CLOSED_STATUSES, limit=1_000_000)
        return [f for f in closed if f.updated_at < cutoff and f.applicant.name != PURGED_NAME]

    def purge(self, *, older_than_days: int, dry_run: bool = False) -> PurgeReport:
        """Purge every due filing; with ``dry_run`` only say which.

        Each filing is purged in one transaction; blobs are deleted after it
        commits, and only those no remaining document references (a blob
        left behind by a crash in between is an orphan for ``intake gc``).
        """
        report = PurgeReport()
        for filing in self.due(older_than_days=older_than_days):
            report.filings.append(filing.id)
            if dry_run:
                continue
            with self._uow_factory() as uow:
                report.documents += len(uow.documents.list_for_filing(filing.id))
                keys = uow.documents.delete_for_filing(filing.id)
                still_used = uow.documents.referenced_blobs()
                uow.readings.delete([k for k in keys if k not in still_used])
                uow.verifications.scrub(filing.id)
                uow.reviews.scrub(filing.id)
                # Webhook bodies carry the filing as its app saw it: they go too.
                uow.webhooks.delete_for_filing(filing.id)
                uow.filings.update(_anonymous(filing))
                uow.commit()
            for key in set(keys) - still_used:
                if self._blobs.exists(key):
                    self._blobs.delete(key)
                    report.blobs_deleted += 1
        if report.filings and not dry_run:
            log.info("intake.retention.purged", filings=len(report.filings))
        return report


def _anonymous(filing: Filing) -> Filing:
    return replace(
        filing,
        applicant=Applicant(
            name=PURGED_NAME, id_number=mask_id_number(filing.applicant.id_number), phone=""
        ),
        contact=None,
        on_behalf_of=None,
        review_request_note=None,
    )
