"""SQL implementations of the review and audit repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.domain import (
    AuditRecord,
    Correction,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    RecordId,
    ReviewAction,
    ReviewClaim,
    ReviewDecision,
)
from storage.sql import rows
from storage.sql.columns import json_object
from storage.sql.sealing import Sealer
from storage.sql.tables import audit_record as audit_table
from storage.sql.tables import correction as correction_table
from storage.sql.tables import document as document_table
from storage.sql.tables import filing as filing_table
from storage.sql.tables import review_claim as claim_table
from storage.sql.tables import review_decision as decision_table

__all__ = ["SqlAuditRepository", "SqlReviewRepository"]


class SqlReviewRepository:
    """Claims (one row per claimed filing), corrections and decisions (rows never updated)."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def claim(
        self, filing_id: FilingId, *, reviewer: str, now: datetime, until: datetime
    ) -> ReviewClaim:
        """Take or renew the lock unless another reviewer holds it; atomic on both databases.

        An expired or own claim is taken over by one conditional ``UPDATE``; a
        free filing by an ``INSERT`` that the primary key lets only one racer win.
        """
        values = {"reviewer": reviewer, "claimed_at": now, "expires_at": until}
        taken = self._session.execute(
            update(claim_table)
            .where(
                claim_table.c.filing_id == filing_id,
                or_(claim_table.c.reviewer == reviewer, claim_table.c.expires_at <= now),
            )
            .values(values)
        )
        if taken.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            nested = self._session.begin_nested()
            try:
                self._session.execute(insert(claim_table), {"filing_id": filing_id, **values})
                nested.commit()
            except IntegrityError:
                nested.rollback()  # another reviewer holds it (or has just taken it)
        held = self.get_claim(filing_id)
        if held is None:  # pragma: no cover - a row was updated or inserted above
            raise RuntimeError(f"claim on {filing_id} vanished")
        return held

    def get_claim(self, filing_id: FilingId) -> ReviewClaim | None:
        row = self._session.execute(
            select(claim_table).where(claim_table.c.filing_id == filing_id)
        ).first()
        return _claim(row._mapping) if row is not None else None

    def claims(self, filing_ids: list[FilingId]) -> dict[FilingId, ReviewClaim]:
        if not filing_ids:
            return {}
        result = self._session.execute(
            select(claim_table).where(claim_table.c.filing_id.in_(filing_ids))
        )
        found = (_claim(r._mapping) for r in result)
        return {claim.filing_id: claim for claim in found}

    def release(self, filing_id: FilingId, *, reviewer: str) -> bool:
        result = self._session.execute(
            delete(claim_table).where(
                claim_table.c.filing_id == filing_id, claim_table.c.reviewer == reviewer
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE

    def add_correction(self, correction: Correction) -> None:
        self._session.execute(
            insert(correction_table),
            {
                "id": correction.id,
                "filing_id": correction.filing_id,
                "document_id": correction.document_id,
                "page": correction.page,
                "doc_index": correction.index,
                "field": correction.field,
                "machine_value": self._sealer.text(
                    "correction", "machine_value", correction.id, correction.machine_value
                ),
                "reviewer_value": self._sealer.text(
                    "correction", "reviewer_value", correction.id, correction.reviewer_value
                ),
                "reviewer": correction.reviewer,
                "created_at": correction.created_at,
            },
        )

    def corrections(self, filing_id: FilingId | None = None) -> list[Correction]:
        query = select(correction_table).order_by(
            correction_table.c.created_at, correction_table.c.id
        )
        if filing_id is not None:
            query = query.where(correction_table.c.filing_id == filing_id)
        return [_correction(r._mapping, self._sealer) for r in self._session.execute(query)]

    def corrections_for(self, filing_ids: Sequence[FilingId]) -> list[Correction]:
        if not filing_ids:
            return []
        query = (
            select(correction_table)
            .where(correction_table.c.filing_id.in_(list(filing_ids)))
            .order_by(correction_table.c.created_at, correction_table.c.id)
        )
        return [_correction(r._mapping, self._sealer) for r in self._session.execute(query)]

    def add_decision(self, decision: ReviewDecision) -> None:
        self._session.execute(
            insert(decision_table),
            {
                "id": decision.id,
                "filing_id": decision.filing_id,
                "action": decision.action.value,
                "reasons": list(decision.reasons),
                "note": decision.note,
                "message": decision.message,
                "reviewer": decision.reviewer,
                "created_at": decision.created_at,
                "from_status": decision.from_status.value,
                "to_status": decision.to_status.value,
                "machine_checks": list(decision.machine_checks),
            },
        )

    def scrub(self, filing_id: FilingId) -> None:
        self._session.execute(
            update(correction_table)
            .where(correction_table.c.filing_id == filing_id)
            .values(machine_value=None, reviewer_value="")
        )
        self._session.execute(
            update(decision_table)
            .where(decision_table.c.filing_id == filing_id)
            .values(note="", message="")
        )

    def decisions(self, filing_id: FilingId | None = None) -> list[ReviewDecision]:
        query = select(decision_table).order_by(decision_table.c.created_at, decision_table.c.id)
        if filing_id is not None:
            query = query.where(decision_table.c.filing_id == filing_id)
        return [_decision(r._mapping) for r in self._session.execute(query)]

    def queue(
        self,
        *,
        statuses: tuple[FilingStatus, ...],
        insured_region: str | None = None,
        filing_type: str | None = None,
        check: str | None = None,
        limit: int = 50,
        after: FilingId | None = None,
    ) -> list[Filing]:
        """Waiting filings, oldest submission first.

        ``needs_review`` filings wait for a person; a ``provisional`` one waits
        once a document has arrived after its decision (the proof it owed).
        """
        f = filing_table
        waiting = []
        if FilingStatus.NEEDS_REVIEW in statuses:
            waiting.append(f.c.status == FilingStatus.NEEDS_REVIEW.value)
        if FilingStatus.PROVISIONAL in statuses:
            proof = exists().where(
                document_table.c.filing_id == f.c.id, document_table.c.created_at > f.c.updated_at
            )
            waiting.append(and_(f.c.status == FilingStatus.PROVISIONAL.value, proof))
        if not waiting:
            return []
        query = select(f).where(or_(*waiting)).order_by(f.c.submitted_at, f.c.id).limit(limit)
        if insured_region:
            prefix = insured_region.rstrip("0") if insured_region.endswith("00") else insured_region
            query = query.where(f.c.insured_region.startswith(prefix, autoescape=True))
        if filing_type:
            query = query.where(f.c.filing_type == filing_type)
        if check:
            query = query.where(f.c.open_checks.contains(f",{check},", autoescape=True))
        if after is not None:
            cursor = self._session.execute(
                select(f.c.submitted_at).where(f.c.id == after)
            ).scalar_one_or_none()
            if cursor is None:
                return []
            query = query.where(
                or_(f.c.submitted_at > cursor, and_(f.c.submitted_at == cursor, f.c.id > after))
            )
        return [
            rows.filing_from_row(r._mapping, self._sealer) for r in self._session.execute(query)
        ]

    def count_by_status(self, statuses: tuple[FilingStatus, ...]) -> dict[FilingStatus, int]:
        result = self._session.execute(
            select(filing_table.c.status, func.count())
            .where(filing_table.c.status.in_([s.value for s in statuses]))
            .group_by(filing_table.c.status)
        )
        counts = dict.fromkeys(statuses, 0)
        counts.update({FilingStatus(status): int(n) for status, n in result})
        return counts


class SqlAuditRepository:
    """Audit records: appended, never changed."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: AuditRecord) -> None:
        self._session.execute(
            insert(audit_table),
            {
                "id": record.id,
                "at": record.at,
                "actor": record.actor,
                "role": record.role,
                "action": record.action,
                "address": record.address,
                "filing_id": record.filing_id,
                "target": record.target,
                "detail": record.detail,
            },
        )

    def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        filing_id: FilingId | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        a = audit_table
        query = select(a).order_by(a.c.at.desc(), a.c.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(a.c.actor == actor)
        if action is not None:
            query = query.where(a.c.action == action)
        if filing_id is not None:
            query = query.where(a.c.filing_id == filing_id)
        if since is not None:
            query = query.where(a.c.at >= since)
        if until is not None:
            query = query.where(a.c.at < until)
        return [_audit(r._mapping) for r in self._session.execute(query)]


def _claim(row: Any) -> ReviewClaim:
    return ReviewClaim(
        filing_id=FilingId(row["filing_id"]),
        reviewer=row["reviewer"],
        claimed_at=row["claimed_at"],
        expires_at=row["expires_at"],
    )


def _correction(row: Any, sealer: Sealer) -> Correction:
    key = row["id"]
    return Correction(
        id=RecordId(row["id"]),
        filing_id=FilingId(row["filing_id"]),
        document_id=DocumentId(row["document_id"]),
        page=row["page"],
        index=row["doc_index"],
        field=row["field"],
        machine_value=sealer.open_text("correction", "machine_value", key, row["machine_value"]),
        reviewer_value=sealer.open_text("correction", "reviewer_value", key, row["reviewer_value"])
        or "",
        reviewer=row["reviewer"],
        created_at=row["created_at"],
    )


def _decision(row: Any) -> ReviewDecision:
    return ReviewDecision(
        id=RecordId(row["id"]),
        filing_id=FilingId(row["filing_id"]),
        action=ReviewAction(row["action"]),
        reasons=tuple(row["reasons"] or ()),
        note=row["note"],
        message=row["message"],
        reviewer=row["reviewer"],
        created_at=row["created_at"],
        from_status=FilingStatus(row["from_status"]),
        to_status=FilingStatus(row["to_status"]),
        machine_checks=tuple(row["machine_checks"] or ()),
    )


def _audit(row: Any) -> AuditRecord:
    return AuditRecord(
        id=RecordId(row["id"]),
        at=row["at"],
        actor=row["actor"],
        role=row["role"],
        action=row["action"],
        address=row["address"],
        filing_id=FilingId(row["filing_id"]) if row["filing_id"] is not None else None,
        target=row["target"],
        detail=json_object(row["detail"]),
    )
