"""What the templates show: the use cases' results turned into plain, display-ready values.

Times are shown in China time; ID numbers masked unless revealed; every box is
a fraction of its page, drawn as-is in an SVG whose view box is the unit square.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from api.web.labels import ACTIONS, DECISIONS, KINDS, OUTCOMES, STATUSES, field_label, kind_label
from intake.domain import Correction, Document, FilingStatus
from intake.review import QUEUE_STATUSES, QueueItem, ReviewFiling, mask_id_number
from intake.sla import CHINA_TZ, SlaClock
from ocr.domain import Box, DocumentReading, FieldName, PageReading
from verifiers import PolicyBook

__all__ = [
    "CheckView",
    "DocumentView",
    "FilingView",
    "PageView",
    "QueueRow",
    "SlaView",
    "china_time",
    "filing_view",
    "queue_row",
]

_OUTCOME_ORDER: Final = {"fail": 0, "unsure": 1, "pass": 2}


def china_time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Rect:
    """A box drawn over a page: ``x``, ``y``, ``w``, ``h`` as fractions of the page."""

    x: float
    y: float
    w: float
    h: float
    css: str
    title: str
    index: int
    field: str = ""


def _rect(box: Box | None, css: str, title: str, *, index: int, field: str = "") -> Rect | None:
    if box is None:
        return None
    x0, y0, x1, y1 = (round(min(max(v, 0.0), 1.0), 4) for v in box)
    if x1 <= x0 or y1 <= y0:
        return None
    return Rect(
        x=x0, y=y0, w=round(x1 - x0, 4), h=round(y1 - y0, 4), css=css, title=title, index=index,
        field=field,
    )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldView:
    name: str
    label: str
    value: str
    machine: str | None
    corrected: bool
    confidence: float | None
    box: str
    """``x0,y0,x1,y1`` for the page's script to highlight, or empty."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundView:
    """One document read on a page, with the reviewer's corrections laid over the machine's."""

    index: int
    kind: str
    kind_label: str
    machine_kind: str
    kind_corrected: bool
    kind_confidence: float
    fields: list[FieldView]
    addable: list[tuple[str, str]]
    seals: list[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class PageView:
    number: int
    width: int
    height: int
    image_url: str
    read: bool
    rects: list[Rect]
    found: list[FoundView]
    problems: list[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentView:
    id: str
    ordinal: int
    label: str
    status: str
    failure_reason: str | None
    pages: list[PageView]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceView:
    where: str
    kind: str
    field: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckView:
    code: str
    outcome: str
    outcome_label: str
    message: str
    blocking: bool
    evidence: list[EvidenceView]
    cite: str
    """The evidence as JSON for the page's script: ``[{d, p, b, f, i}]``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictView:
    decision: str
    policy: str
    at: str
    checks: list[CheckView]
    missing: list[str]
    valid_from: str | None
    valid_until: str | None


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
    latest = _latest_corrections(opened.corrections)
    claim = opened.claim
    return FilingView(
        id=str(filing.id),
        status=filing.status.value,
        status_label=STATUSES.get(filing.status, filing.status.value),
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
            _document_view(d, opened.readings.get(d.id, []), ordinals[str(d.id)], latest)
            for d in opened.documents
        ],
        verdict=_verdict_view(opened, ordinals),
        verifications=[
            HistoryRow(
                at=china_time(v.created_at),
                who="系统",
                what=DECISIONS.get(v.decision, v.decision),
                detail=f"{v.policy} {v.policy_version} · 识别引擎 {v.engine_version}",
            )
            for v in reversed(opened.verifications)
        ],
        decisions=[
            HistoryRow(
                at=china_time(d.created_at),
                who=d.reviewer,
                what=ACTIONS.get(d.action, d.action.value),
                detail="；".join(
                    part
                    for part in (
                        f"{_status(d.from_status)} → {_status(d.to_status)}",
                        d.message,
                        f"备注：{d.note}" if d.note else "",
                    )
                    if part
                ),
            )
            for d in reversed(opened.decisions)
        ],
        corrections=[
            HistoryRow(
                at=china_time(c.created_at),
                who=c.reviewer,
                what=f"材料{ordinals.get(str(c.document_id), '?')} 第{c.page}页 "
                f"{field_label(c.field)}",
                detail=f"{_shown(c.field, c.machine_value)} → {_shown(c.field, c.reviewer_value)}",
            )
            for c in sorted(opened.corrections, key=lambda c: c.created_at, reverse=True)
        ],
        reject_reasons=opened.reject_reasons,
        kinds=dict(KINDS),
    )


def _status(status: FilingStatus) -> str:
    return STATUSES.get(status, status.value)


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "（未读出）"
    return kind_label(value) if field == "kind" else value


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone


_CorrectionKey = tuple[str, int, int, str]


def _latest_corrections(corrections: list[Correction]) -> dict[_CorrectionKey, Correction]:
    ordered = sorted(corrections, key=lambda c: c.created_at)
    return {(str(c.document_id), c.page, c.index, c.field): c for c in ordered}


def _document_view(
    document: Document,
    readings: list[PageReading | None],
    ordinal: int,
    latest: dict[_CorrectionKey, Correction],
) -> DocumentView:
    kind = document.kind or document.declared_kind
    pages = [
        _page_view(document, page.number, page.width, page.height, reading, latest)
        for page, reading in zip(document.pages, readings, strict=False)
    ]
    return DocumentView(
        id=str(document.id),
        ordinal=ordinal,
        label=kind_label(kind.value if kind else None),
        status=document.status.value,
        failure_reason=document.failure_reason,
        pages=pages,
    )


def _page_view(
    document: Document,
    number: int,
    width: int,
    height: int,
    reading: PageReading | None,
    latest: dict[_CorrectionKey, Correction],
) -> PageView:
    found = [
        _found_view(str(document.id), number, d, latest)
        for d in (reading.documents if reading else ())
    ]
    if reading is not None and reading.quality.rotation % 180 == 90:
        width, height = height, width  # shown upright, as it was read (api/web/frames.py)
    return PageView(
        number=number,
        width=width,
        height=height,
        image_url=f"/review/filings/{document.filing_id}/documents/{document.id}/pages/{number}/image",
        read=reading is not None,
        rects=[
            r for d in (reading.documents if reading else ()) for r in _rects(d) if r is not None
        ],
        found=found,
        problems=[p.message for p in reading.quality.problems] if reading else [],
    )


def _rects(found: DocumentReading) -> list[Rect | None]:
    return [
        _rect(found.box, "doc", f"材料：{kind_label(found.kind.value)}", index=found.index),
        *(_rect(line.box, "line", line.text, index=found.index) for line in found.lines),
        *(
            _rect(f.box, "field", f"{field_label(name)}：{f.value}", index=found.index, field=name)
            for name, f in found.fields.items()
        ),
        *(
            _rect(s.box, "seal", f"印章：{s.text or '未读出'}", index=found.index)
            for s in found.seals
        ),
    ]


def _found_view(
    document_id: str, page: int, found: DocumentReading, latest: dict[_CorrectionKey, Correction]
) -> FoundView:
    def corrected(name: str) -> Correction | None:
        return latest.get((document_id, page, found.index, name))

    names = list(found.fields) + sorted(
        {f for (d, p, i, f) in latest if (d, p, i) == (document_id, page, found.index)}
        - {"kind", *found.fields}
    )
    fields = []
    for name in names:
        read = found.fields.get(name)
        fixed = corrected(name)
        box = ",".join(f"{v:.4f}" for v in read.box) if read and read.box else ""
        fields.append(
            FieldView(
                name=name,
                label=field_label(name),
                value=fixed.reviewer_value if fixed else (read.value if read else ""),
                machine=read.value if read else None,
                corrected=fixed is not None,
                confidence=read.confidence if read else None,
                box=box,
            )
        )
    kind_fix = corrected("kind")
    return FoundView(
        index=found.index,
        kind=kind_fix.reviewer_value if kind_fix else found.kind.value,
        kind_label=kind_label(kind_fix.reviewer_value if kind_fix else found.kind.value),
        machine_kind=found.kind.value,
        kind_corrected=kind_fix is not None,
        kind_confidence=found.kind_confidence,
        fields=fields,
        addable=[(n.value, field_label(n.value)) for n in FieldName if n.value not in names],
        seals=[f"{s.text or '（印章文字未读出）'}" for s in found.seals],
    )


def _verdict_view(opened: ReviewFiling, ordinals: dict[str, int]) -> VerdictView | None:
    if not opened.verifications:
        return None
    record = opened.verifications[-1]
    verdict: dict[str, Any] = record.verdict
    checks = sorted(
        (_check_view(c, ordinals) for c in verdict.get("checks", [])),
        key=lambda c: (_OUTCOME_ORDER.get(c.outcome, 3), not c.blocking, c.code),
    )
    return VerdictView(
        decision=DECISIONS.get(record.decision, record.decision),
        policy=f"{record.policy} {record.policy_version}",
        at=china_time(record.created_at),
        checks=checks,
        missing=[m.get("name") or m.get("group", "") for m in verdict.get("missing", [])],
        valid_from=verdict.get("valid_from"),
        valid_until=verdict.get("valid_until"),
    )


def _check_view(check: dict[str, Any], ordinals: dict[str, int]) -> CheckView:
    evidence = check.get("evidence", [])
    cite = [
        {
            "d": e.get("document_id"),
            "p": e.get("page"),
            "b": e.get("box"),
            "f": e.get("field"),
        }
        for e in evidence
    ]
    outcome = str(check.get("outcome", ""))
    return CheckView(
        code=str(check.get("code", "")),
        outcome=outcome,
        outcome_label=OUTCOMES.get(outcome, outcome),
        message=str(check.get("message", "")),
        blocking=bool(check.get("blocking", True)),
        evidence=[
            EvidenceView(
                where=f"材料{ordinals.get(str(e.get('document_id')), '?')} 第{e.get('page')}页",
                kind=kind_label(e.get("kind")) if e.get("kind") else "",
                field=field_label(e.get("field")),
                value=str(e.get("value") or ""),
            )
            for e in evidence
        ],
        cite=json.dumps(cite, ensure_ascii=False, separators=(",", ":")),
    )
