"""The filing page's evidence: each page with its boxes, each document's fields, each check.

Every box is a fraction of its page's reading frame (``api/web/frames.py``),
drawn as-is in an SVG whose view box is the unit square. Reviewers' corrections
are laid over the machine's values; both stay visible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from api.web.labels import DECISIONS, OUTCOMES, china_time, field_label, kind_label
from intake.domain import Correction, Document, VerificationRecord
from ocr.domain import Box, DocumentReading, FieldName, PageReading

__all__ = [
    "CheckView",
    "DocumentView",
    "EvidenceView",
    "FieldView",
    "FoundView",
    "PageView",
    "Rect",
    "VerdictView",
    "document_view",
    "latest_corrections",
    "verdict_view",
]

_OUTCOME_ORDER: Final = {"fail": 0, "unsure": 1, "pass": 2}


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


_CorrectionKey = tuple[str, int, int, str]


def latest_corrections(corrections: list[Correction]) -> dict[_CorrectionKey, Correction]:
    ordered = sorted(corrections, key=lambda c: c.created_at)
    return {(str(c.document_id), c.page, c.index, c.field): c for c in ordered}


def document_view(
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


def verdict_view(record: VerificationRecord | None, ordinals: dict[str, int]) -> VerdictView | None:
    """The latest verification's checks, failures first, each citing its evidence."""
    if record is None:
        return None
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
