"""Document-kind classification from text and layout cues.

Each kind has weighted cues: titles (strong), key labels (medium) and words
that speak against it (negative). A region's score per kind is the sum of
the cues found in its text, plus layout cues (a card's aspect ratio, red
seals). Scores become probabilities through a softmax that includes an
``unknown`` class with a fixed score, so a document with little evidence for
any kind comes out ``unknown`` instead of as the nearest kind. The cues that
decided the winner are kept in the reading.

A title is strong evidence only where it stands as the document's heading:
among its first lines, at the end of a short line (``广东省居住证``). The
same words inside a label or a sentence (``居住证有效期``, ``有无居住证``) are
a mention, weak evidence: many forms ask about our documents. A heading that
names a document of another sort (``个人信息登记表``, ``…统一考试``) speaks for
``unknown``. Bank words speak for ``unknown`` too, except on a document
headed by a kind that carries them: most social-security cards are bank
co-branded (UnionPay logo, the bank's name).
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
        # ... or 在职证明 / 派遣证明, or no title at all: 兹证明 ... 我公司 ... 派遣其到 ...
        ("在职证明", 5.0),
        ("派遣证明", 6.0),
        ("常驻", 2.0),
        ("派驻", 2.0),
        ("派往", 3.0),
        ("派遣", 2.5),
        ("兹证明", 1.5),
        ("我单位", 1.5),
        ("我公司", 1.5),
        ("特此证明", 1.0),
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

# Foreign cues a kind legitimately carries (co-branding): they cancel out for that
# kind when its own title heads the document.
_BANK_CUES: Final = frozenset({"银联", "UnionPay", "储蓄卡", "DEBIT", "信用卡"})
_COBRANDED: Final[dict[DocumentKind, frozenset[str]]] = {K.SOCIAL_SECURITY_CARD: _BANK_CUES}

# Cues this heavy are titles; elsewhere than in a heading they count this share.
_TITLE_WEIGHT: Final = 4.0
_MENTION_SHARE: Final = 0.35
# A heading: one of the first lines in reading order, short, ending with its title
# (a few characters may follow: 书, a copy mark).
_HEADING_LINES: Final = 4
_HEADING_MAX_CHARS: Final = 20
_HEADING_TAIL: Final = 2
# How the titles of documents of other sorts end (forms, exam papers, certificates).
_FOREIGN_TITLE_ENDINGS: Final = ("表", "考试", "试卷", "试题", "证书", "通知书", "协议书", "协议")
_FOREIGN_TITLE_WEIGHT: Final = 5.0
_TITLES: Final = tuple(
    cue for cues in _CUES.values() for cue, weight in cues if weight >= _TITLE_WEIGHT
)
# A heading holding one of our kinds' distinctive words (转院审批表, 户口登记表) is no
# foreign title, though the word is not a title of its own.
_KIND_WORD_WEIGHT: Final = 3.0
_KIND_WORDS: Final = tuple(
    cue for cues in _CUES.values() for cue, weight in cues if weight >= _KIND_WORD_WEIGHT
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
        texts: The document's lines in reading order (its heading first).
        aspect: Width over height of the document region, when known.
        seal_count: Red seals found on the document.

    Returns:
        The kind (``unknown`` when no kind has enough evidence), a calibrated
        confidence, up to three runners-up and the cues behind the winner.
    """
    joined = compact("".join(texts))
    headings = [compact(text) for text in texts[:_HEADING_LINES]]
    scores: dict[DocumentKind, float] = {}
    found: dict[DocumentKind, list[str]] = {}
    headed: set[DocumentKind] = set()
    for kind, cues in _CUES.items():
        scores[kind], found[kind], heads = _text_cues(cues, joined=joined, headings=headings)
        if heads:
            headed.add(kind)
    if find_id_numbers(joined) and find_id_numbers(joined)[0][1]:
        for kind in _ID_KINDS:
            # The card front often survives with little else legible (photocopies).
            scores[kind] += 2.5 if kind is K.ID_CARD_FRONT else 1.5
            found[kind].append("text:valid ID number")
    _layout_cues(scores, found, aspect=aspect, seal_count=seal_count)
    foreign = [(cue, weight) for cue, weight in _FOREIGN_CUES if cue in joined]
    foreign += [(f"title:{line}", _FOREIGN_TITLE_WEIGHT) for line in _foreign_titles(headings)]
    scores[K.UNKNOWN] = _UNKNOWN_SCORE + sum(weight for _, weight in foreign)
    found[K.UNKNOWN] = [f"foreign:{cue}" for cue, _ in foreign] or ["weak evidence for every kind"]
    for kind in headed & _COBRANDED.keys():
        carried = [(cue, weight) for cue, weight in foreign if cue in _COBRANDED[kind]]
        scores[kind] += sum(weight for _, weight in carried)
        found[kind].extend(f"co-brand:{cue}" for cue, _ in carried)
    probabilities = _softmax(scores)
    ranked = sorted(probabilities.items(), key=lambda item: item[1], reverse=True)
    kind, confidence = ranked[0]
    return Classification(
        kind=kind,
        confidence=round(confidence, 4),
        runners_up=tuple(KindScore(kind=k, confidence=round(p, 4)) for k, p in ranked[1:4]),
        cues=tuple(found[kind]),
    )


def _text_cues(
    cues: Sequence[tuple[str, float]], *, joined: str, headings: Sequence[str]
) -> tuple[float, list[str], bool]:
    """One kind's score from its cues, its positive cues' names and whether its title heads.

    A title (weight ≥ :data:`_TITLE_WEIGHT`) counts in full only as a heading;
    named anywhere else it is a mention and counts :data:`_MENTION_SHARE`.
    """
    score, names, heads = 0.0, [], False
    for cue, weight in cues:
        if cue not in joined:
            continue
        if weight >= _TITLE_WEIGHT and not any(_heads(line, cue) for line in headings):
            score += weight * _MENTION_SHARE
            names.append(f"mention:{cue}")
            continue
        score += weight
        heads = heads or weight >= _TITLE_WEIGHT
        if weight > 0:
            names.append(f"text:{cue}")
    return score, names, heads


def _heads(line: str, title: str) -> bool:
    """Whether ``line`` is a heading ending with ``title`` (a short tail may follow)."""
    at = line.rfind(title)
    if at < 0 or len(line) > _HEADING_MAX_CHARS:
        return False
    tail = line[at + len(title) :].split("(")[0]
    return len(tail) <= _HEADING_TAIL


def _foreign_titles(headings: Sequence[str]) -> list[str]:
    """Headings that title a document of another sort: a form, an exam, a certificate."""
    return [
        line
        for line in headings
        if 4 <= len(line) <= _HEADING_MAX_CHARS
        and line.endswith(_FOREIGN_TITLE_ENDINGS)
        and not any(word in line for word in _KIND_WORDS)
    ]


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
