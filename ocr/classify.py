"""Document-kind classification from text and layout cues.

Each kind has weighted cues: titles (strong), key labels (medium) and words
that speak against it (negative). A region's score per kind is the sum of
the cues found in its text, plus layout cues (a card's aspect ratio, red
seals). Scores become probabilities through a softmax that includes an
``unknown`` class with a fixed score, so a document with little evidence for
any kind comes out ``unknown`` instead of as the nearest kind. The cues that
decided the winner are kept in the reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ocr.domain import DocumentKind, KindScore
from ocr.fields.values import find_id_numbers
from ocr.layout import compact

__all__ = ["Classification", "classify_text", "compact"]

K = DocumentKind

# (cue, weight): titles 4-6, distinctive labels 1.5-3, shared labels under 1.
_CUES: Final[dict[DocumentKind, tuple[tuple[str, float], ...]]] = {
    K.ID_CARD_FRONT: (
        ("公民身份号码", 2.0),
        ("住址", 1.5),
        ("民族", 1.0),
        ("出生", 0.8),
        ("性别", 0.6),
        ("姓名", 0.6),
        ("居住证", -6.0),
        ("常住人口登记卡", -6.0),
        ("籍贯", -3.0),
        ("户主", -3.0),
        ("出生地", -2.0),
        ("签发机关", -2.0),
        ("承诺", -4.0),
        ("社会保障", -5.0),
        ("兹证明", -5.0),
        ("劳动合同", -5.0),
        ("转诊", -5.0),
    ),
    K.ID_CARD_BACK: (
        ("居民身份证", 4.5),
        ("签发机关", 2.0),
        ("有效期限", 2.0),
        ("中华人民共和国", 1.0),
        ("公民身份号码", -3.0),
        ("居住证", -6.0),
        ("姓名", -2.0),
        ("社会保障", -5.0),
    ),
    K.SOCIAL_SECURITY_CARD: (
        ("社会保障卡", 6.0),
        ("社会保障号码", 3.0),
        ("社会保障卡号", 2.0),
        ("发卡日期", 1.5),
        ("银行", 0.5),
    ),
    K.HUKOU_FRONT: (
        ("户口簿", 3.0),
        ("户别", 3.0),
        ("户主姓名", 3.0),
        ("户号", 2.5),
        ("承办人", 2.0),
        ("户口专用章", 1.5),
        ("签发日期", 1.0),
        ("登记机关", 1.0),
        ("常住人口登记卡", -6.0),
        ("户主或与户主关系", -4.0),
    ),
    K.HUKOU_PERSON: (
        ("常住人口登记卡", 6.0),
        ("户主或与户主关系", 3.0),
        ("籍贯", 2.0),
        ("出生地", 2.0),
        ("宗教信仰", 1.5),
        ("文化程度", 1.5),
        ("服务处所", 1.5),
        ("婚姻状况", 1.5),
        ("兵役状况", 1.5),
        ("何时由何地迁来", 1.5),
        ("登记日期", 1.0),
    ),
    K.RESIDENCE_PERMIT: (
        ("居住证", 6.0),
        ("居住地址", 3.0),
        ("签注", 1.0),
        ("签发机关", 0.5),
        ("有效期限", 0.5),
        ("承诺", -4.0),
        ("居住证明", -4.0),
    ),
    K.PROPERTY_CERTIFICATE: (
        ("不动产权证书", 6.0),
        ("房屋所有权证", 6.0),
        ("不动产权", 3.0),
        ("权利人", 3.0),
        ("坐落", 3.0),
        ("不动产单元号", 2.0),
        ("共有情况", 1.5),
        ("权利类型", 1.5),
        ("权利性质", 1.0),
        ("使用期限", 0.8),
        ("面积", 0.5),
        ("用途", 0.5),
    ),
    K.DISPATCH_LETTER: (
        ("派出证明", 6.0),
        ("外派证明", 6.0),
        # Some cities' employers title the same letter 工作证明 (常驻 the treatment city).
        ("工作证明", 5.0),
        ("常驻", 2.0),
        ("派驻", 2.0),
        ("派往", 3.0),
        ("兹证明", 1.5),
        ("我单位", 1.5),
        ("外派", 2.0),
        ("劳动合同", -4.0),
        ("承诺书", -4.0),
    ),
    K.LABOR_CONTRACT: (
        ("劳动合同", 6.0),
        ("甲方", 2.0),
        ("乙方", 2.0),
        ("用人单位", 1.5),
        ("工作地点", 1.5),
        ("合同期限", 2.0),
        ("劳动报酬", 1.0),
        ("工作内容", 1.0),
    ),
    K.REFERRAL_FORM: (
        ("转诊", 4.0),
        ("转院", 3.0),
        ("转外就医", 5.0),
        ("申请表", 1.5),
        ("诊断", 2.0),
        ("医保办", 2.0),
        ("转入医院", 2.0),
        ("转出医院", 2.0),
        ("病情", 1.0),
        ("医师", 1.0),
        ("科室", 0.5),
    ),
    K.COMMITMENT_LETTER: (
        ("承诺书", 6.0),
        ("本人承诺", 3.0),
        ("承诺人", 3.0),
        ("承诺", 1.5),
        ("如有虚假", 1.5),
        ("法律责任", 1.0),
    ),
}

# Words printed on documents of no known kind (driving licences, bank cards,
# diplomas, tickets, receipts): each raises the score of ``unknown``.
_FOREIGN_CUES: Final = (
    ("驾驶证", 8.0),
    ("准驾车型", 8.0),
    ("初次领证", 6.0),
    ("毕业证书", 8.0),
    ("准予毕业", 6.0),
    ("银联", 8.0),
    ("UnionPay", 8.0),
    ("储蓄卡", 6.0),
    ("DEBIT", 6.0),
    ("信用卡", 6.0),
    ("二等座", 8.0),
    ("一等座", 8.0),
    ("检票", 5.0),
    ("车次", 5.0),
    ("合计", 5.0),
    ("谢谢惠顾", 8.0),
    ("欢迎再次光临", 8.0),
    ("菜单", 6.0),
    ("商品", 3.0),
    ("金额", 2.0),
)

_CARD_KINDS: Final = frozenset(
    {K.ID_CARD_FRONT, K.ID_CARD_BACK, K.SOCIAL_SECURITY_CARD, K.RESIDENCE_PERMIT}
)
_ID_KINDS: Final = frozenset(
    {K.ID_CARD_FRONT, K.SOCIAL_SECURITY_CARD, K.RESIDENCE_PERMIT, K.HUKOU_PERSON}
)
_CARD_ASPECT: Final = 85.6 / 54.0
_SEALED_KINDS: Final = frozenset(
    {K.HUKOU_FRONT, K.HUKOU_PERSON, K.DISPATCH_LETTER, K.REFERRAL_FORM, K.PROPERTY_CERTIFICATE}
)
_UNKNOWN_SCORE: Final = 3.0
_TEMPERATURE: Final = 1.2


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """The decided kind, its probability, the runners-up and the cues found."""

    kind: DocumentKind
    confidence: float
    runners_up: tuple[KindScore, ...]
    cues: tuple[str, ...]


def classify_text(
    texts: Sequence[str], *, aspect: float | None = None, seal_count: int = 0
) -> Classification:
    """Decide a document's kind from its lines' text and simple layout cues.

    Args:
        texts: The document's lines (any order).
        aspect: Width over height of the document region, when known.
        seal_count: Red seals found on the document.

    Returns:
        The kind (``unknown`` when no kind has enough evidence), a calibrated
        confidence, up to three runners-up and the cues behind the winner.
    """
    joined = compact("".join(texts))
    scores: dict[DocumentKind, float] = {}
    found: dict[DocumentKind, list[str]] = {}
    for kind, cues in _CUES.items():
        hits = [(cue, weight) for cue, weight in cues if cue in joined]
        scores[kind] = sum(weight for _, weight in hits)
        found[kind] = [f"text:{cue}" for cue, weight in hits if weight > 0]
    if find_id_numbers(joined) and find_id_numbers(joined)[0][1]:
        for kind in _ID_KINDS:
            # The card front often survives with little else legible (photocopies).
            scores[kind] += 2.5 if kind is K.ID_CARD_FRONT else 1.5
            found[kind].append("text:valid ID number")
    _layout_cues(scores, found, aspect=aspect, seal_count=seal_count)
    foreign = [(cue, weight) for cue, weight in _FOREIGN_CUES if cue in joined]
    scores[K.UNKNOWN] = _UNKNOWN_SCORE + sum(weight for _, weight in foreign)
    found[K.UNKNOWN] = [f"foreign:{cue}" for cue, _ in foreign] or ["weak evidence for every kind"]
    probabilities = _softmax(scores)
    ranked = sorted(probabilities.items(), key=lambda item: item[1], reverse=True)
    kind, confidence = ranked[0]
    return Classification(
        kind=kind,
        confidence=round(confidence, 4),
        runners_up=tuple(KindScore(kind=k, confidence=round(p, 4)) for k, p in ranked[1:4]),
        cues=tuple(found[kind]),
    )


def _layout_cues(
    scores: dict[DocumentKind, float],
    found: dict[DocumentKind, list[str]],
    *,
    aspect: float | None,
    seal_count: int,
) -> None:
    # Layout only strengthens kinds the text already supports.
    if aspect is not None and abs(max(aspect, 1 / aspect) - _CARD_ASPECT) < 0.25:
        for kind in _CARD_KINDS:
            if scores[kind] > 1.0:
                scores[kind] += 0.5
                found[kind].append("layout:card aspect")
    if seal_count:
        for kind in _SEALED_KINDS:
            if scores[kind] > 1.0:
                scores[kind] += 0.5
                found[kind].append("layout:red seal")


def _softmax(scores: dict[DocumentKind, float]) -> dict[DocumentKind, float]:
    top = max(scores.values())
    weights = {k: math.exp((s - top) / _TEMPERATURE) for k, s in scores.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}
