"""What the queue and the filing page show: the use cases' results as display-ready values.

Times are shown in China time; ID numbers masked unless revealed. The pages'
evidence (images, boxes, fields, checks) is built in ``api/web/evidence.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.web.evidence import (
    DocumentView,
    VerdictView,
    document_view,
    latest_corrections,
    verdict_view,
)
from api.web.labels import ACTIONS, DECISIONS, KINDS, STATUSES, china_time, field_label, kind_label
from intake.domain import Correction, FilingStatus, ReviewDecision, VerificationRecord
from intake.review import QUEUE_STATUSES, QueueItem, ReviewFiling, mask_id_number
from intake.sla import SlaClock
from verifiers import PolicyBook

__all__ = [
    "FilingView",
    "HistoryRow",
    "QueueRow",
    "SlaView",
    "filing_view",
    "queue_row",
]


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    return f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分钟"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaView:
    due_at: str
    remaining: str
    overdue: bool
    calendar_complete: bool

    @classmethod
    def of(cls, sla: SlaClock | None, now: datetime) -> SlaView | None:
        if sla is None:
            return None
        left = sla.remaining(now)
        overdue = sla.overdue(now)
        return cls(
            due_at=china_time(sla.due_at),
            remaining=f"已超时 {_span(left)}" if overdue else f"剩余 {_span(left)}",
            overdue=overdue,
            calendar_complete=sla.calendar_complete,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueRow:
    id: str
    name: str
    masked_id: str
    filing_type: str
    insured: str
    treatment: str
    status: str
    submitted_at: str
    sla: SlaView | None
    holder: str | None
    mine: bool
    requested: bool
    open_checks: tuple[str, ...]


def _place(book: PolicyBook, code: str) -> str:
    return f"{book.regions.city_and_name_of(code)}（{code}）"


def _filing_type(book: PolicyBook, region: str, filing_type: str) -> str:
    rules = book.for_region(region).filing_types.get(filing_type)
    return rules.name if rules else filing_type


def queue_row(item: QueueItem, *, now: datetime, book: PolicyBook, me: str) -> QueueRow:
    filing = item.filing
    return QueueRow(
        id=str(filing.id),
        name=filing.applicant.name,
        masked_id=mask_id_number(filing.applicant.id_number),
        filing_type=_filing_type(book, filing.insured_region, filing.filing_type.value),
        insured=_place(book, filing.insured_region),
        treatment=_place(book, filing.treatment_region),
        status=STATUSES.get(filing.status, filing.status.value),
        submitted_at=china_time(filing.submitted_at),
        sla=SlaView.of(item.sla, now),
        holder=item.claim.reviewer if item.claim else None,
        mine=item.claim is not None and item.claim.reviewer == me,
        requested=item.requested_by_applicant,
        open_checks=filing.open_checks,
    )


# -- the filing page -------------------------------------------------------------------


# -- the filing page ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryRow:
    at: str
    who: str
    what: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FilingView:
    id: str
    status: str
    status_label: str
    name: str
    masked_id: str
    phone: str
    filing_type: str
    insured: str
    treatment: str
    start_date: str
    submitted_at: str
    sla: SlaView | None
    holder: str | None
    holder_until: str
    mine: bool
    decidable: bool
    requested: bool
    request_note: str
    documents: list[DocumentView]
    verdict: VerdictView | None
    verifications: list[HistoryRow]
    decisions: list[HistoryRow]
    corrections: list[HistoryRow]
    reject_reasons: dict[str, str]
    kinds: dict[str, str]


def filing_view(opened: ReviewFiling, *, now: datetime, book: PolicyBook, me: str) -> FilingView:
    filing = opened.filing
    ordinals = {str(d.id): n for n, d in enumerate(opened.documents, start=1)}
    latest = latest_corrections(opened.corrections)
    claim = opened.claim
    return FilingView(
        id=str(filing.id),
        status=filing.status.value,
        status_label=_status(filing.status),
        name=filing.applicant.name,
        masked_id=mask_id_number(filing.applicant.id_number),
        phone=_mask_phone(filing.applicant.phone),
        filing_type=_filing_type(book, filing.insured_region, filing.filing_type.value),
        insured=_place(book, filing.insured_region),
        treatment=_place(book, filing.treatment_region),
        start_date=filing.start_date.isoformat(),
        submitted_at=china_time(filing.submitted_at),
        sla=SlaView.of(opened.sla, now),
        holder=claim.reviewer if claim else None,
        holder_until=china_time(claim.expires_at) if claim else "",
        mine=claim is not None and claim.reviewer == me,
        decidable=filing.status in QUEUE_STATUSES,
        requested=filing.review_requested_at is not None,
        request_note=filing.review_request_note or "",
        documents=[
            document_view(d, opened.readings.get(d.id, []), ordinals[str(d.id)], latest)
            for d in opened.documents
        ],
        verdict=verdict_view(opened.verifications[-1] if opened.verifications else None, ordinals),
        verifications=[_verification_row(v) for v in reversed(opened.verifications)],
        decisions=[_decision_row(d) for d in reversed(opened.decisions)],
        corrections=[
            _correction_row(c, ordinals)
            for c in sorted(opened.corrections, key=lambda c: c.created_at, reverse=True)
        ],
        reject_reasons=opened.reject_reasons,
        kinds=dict(KINDS),
    )


def _verification_row(record: VerificationRecord) -> HistoryRow:
    return HistoryRow(
        at=china_time(record.created_at),
        who="系统",
        what=DECISIONS.get(record.decision, record.decision),
        detail=f"{record.policy} {record.policy_version} · 识别引擎 {record.engine_version}",
    )


def _decision_row(decision: ReviewDecision) -> HistoryRow:
    parts = (
        f"{_status(decision.from_status)} → {_status(decision.to_status)}",
        decision.message,
        f"备注：{decision.note}" if decision.note else "",
    )
    return HistoryRow(
        at=china_time(decision.created_at),
        who=decision.reviewer,
        what=ACTIONS.get(decision.action, decision.action.value),
        detail="；".join(part for part in parts if part),
    )


def _correction_row(correction: Correction, ordinals: dict[str, int]) -> HistoryRow:
    where = f"材料{ordinals.get(str(correction.document_id), '?')} 第{correction.page}页"
    machine = _shown(correction.field, correction.machine_value)
    return HistoryRow(
        at=china_time(correction.created_at),
        who=correction.reviewer,
        what=f"{where} {field_label(correction.field)}",
        detail=f"{machine} → {_shown(correction.field, correction.reviewer_value)}",
    )


def _status(status: FilingStatus) -> str:
    return STATUSES.get(status, status.value)


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "（未读出）"
    return kind_label(value) if field == "kind" else value


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone
