"""Where a page came from: PDF text layers that disagree with their pixels, born-digital pages.

A PDF page is read from its pixels; its text layer is a claim by whoever made
the file. A layer saying what the pixels do not (invisible text over a blank
page, white text, text off the page or contradicting the image under it) is a
forgery signal: ``document.text_layer`` sends the filing to a person. A kind
that exists on paper (the pack's ``provenance.paper_kinds``) arriving as a
born-digital page, with no camera or scanner image, is no evidence for an
automatic approval: ``document.born_digital``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ocr.domain import PageSource
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, EvidenceRef, Outcome
from verifiers.evidence import CheckContext, ref

__all__ = ["check_born_digital", "check_text_layers"]

_SHOWN_LINES: Final = 3


def check_text_layers(ctx: CheckContext, evidence: Sequence[Evidence]) -> list[CheckResult]:
    """Judge the text layer of every PDF page that has one, once per page.

    Args:
        ctx: The check context.
        evidence: Every document of the filing.

    Returns:
        One ``document.text_layer`` result per page with a text layer: a pass
        when the pixels show what it says, else ``unsure`` naming the lines.
    """
    results: list[CheckResult] = []
    seen: set[tuple[str, int]] = set()
    for item in evidence:
        finding = item.text_layer
        if finding is None or (item.document_id, item.page) in seen:
            continue
        seen.add((item.document_id, item.page))
        where = [_page_ref(item)]
        if finding.agrees:
            message = "PDF文字层与页面图像一致"
            results.append(ctx.result(CheckCode.TEXT_LAYER, Outcome.PASS, message, where))
            continue
        lines = "；".join(line.text for line in finding.disagreements[:_SHOWN_LINES])
        message = (
            f"PDF文字层与页面图像不一致，请人工核对（图像中{finding.agreement:.0%}的文字层内容可见；"
            f"不可见或不符的文字：{lines}）"
        )
        results.append(ctx.result(CheckCode.TEXT_LAYER, Outcome.UNSURE, message, where))
    return results


def check_born_digital(ctx: CheckContext, item: Evidence) -> list[CheckResult]:
    """A paper kind on a born-digital page is ``unsure``; anything else gives no result.

    Args:
        ctx: The check context.
        item: One document.

    Returns:
        A ``document.born_digital`` result, or nothing.
    """
    if item.source is not PageSource.BORN_DIGITAL:
        return []
    if item.reading.kind not in ctx.pack.provenance.paper_kinds:
        return []
    message = "该材料是电子生成的PDF页面，不是纸质证件或材料的拍照或扫描件，请人工核对"
    return [ctx.result(CheckCode.BORN_DIGITAL, Outcome.UNSURE, message, [ref(item)])]


def _page_ref(item: Evidence) -> EvidenceRef:
    return EvidenceRef(
        document_id=item.document_id,
        page=item.page,
        kind=item.reading.kind.value,
        box=(0.0, 0.0, 1.0, 1.0),
    )
