"""Documents that could not be read: each is a blocking ``unsure`` for a person to look at.

A document whose analysis failed, a page with no stored reading, or a page on
which the reader found no document at all gives no evidence. Left out
silently, it would let the filing be judged on the rest, so an approval could
rest on materials nobody looked at. The check is built here without the pack:
no pack may disable it or make it advisory, and the decision never demotes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, EvidenceRef, Outcome, UnreadDocument, UnreadReason

__all__ = ["check_unread"]

_WHY: Final[dict[UnreadReason, str]] = {
    UnreadReason.FAILED: "材料无法处理",
    UnreadReason.NO_READING: "材料尚无识别结果",
    UnreadReason.NO_DOCUMENT: "未能在图片中找到材料",
}


def check_unread(unread: Sequence[UnreadDocument]) -> list[CheckResult]:
    """Report each unread document or page as a blocking ``document.unreadable`` check.

    Args:
        unread: The documents and pages of the filing that yielded no evidence.

    Returns:
        One ``unsure``, blocking result per item, citing the document and page.
    """
    return [
        CheckResult(
            code=CheckCode.DOCUMENT_UNREADABLE.value,
            outcome=Outcome.UNSURE,
            message=_message(item),
            evidence=(EvidenceRef(document_id=item.document_id, page=item.page or 0),),
            blocking=True,
        )
        for item in unread
    ]


def _message(item: UnreadDocument) -> str:
    where = "整份材料" if item.page is None else f"第{item.page}页"
    return f"{_WHY[item.reason]}（{where}），请人工核对"
