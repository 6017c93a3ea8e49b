"""Seals: is a document stamped, and stamped by the issuer it needs?

Who that is comes from the policy pack (:class:`~verifiers.policy.SealIssuer`):
the referring hospital on a referral form, the employer on a dispatch letter,
the police station on household-register pages. The text read from a seal's
arc decides; a seal that is faint, whose text cannot be read, or that names
another kind of issuer goes to a person, never to an automatic approval.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from typing import Final

from ocr.domain import Seal
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, EvidenceRef, Outcome
from verifiers.evidence import CheckContext, read_field, ref
from verifiers.policy import SealIssuer

__all__ = ["check_seal"]

# Fewer characters than this is a few strays of a curved reading, no text.
_READABLE_SEAL_TEXT: Final = 4
# An issuer name shorter than this (医院) says too little to match a seal by.
_MIN_ISSUER_NAME: Final = 4
# A partial seal reading: this many distinct characters of the issuer's name,
# making up this share of the characters read.
_PARTIAL_SHARED: Final = 3
_PARTIAL_SHARE: Final = 0.6
# The administrative chain an issuer's name starts with (江苏省扬州市广陵区).
_PLACE_PREFIX: Final = re.compile(
    r"^(?:[\u4e00-\u9fff]{1,7}?(?:省|自治区|市|自治州|地区|盟|区|县))+"
)
# Words that many issuers' names share whatever their kind.
_GENERIC_WORDS: Final = ("股份", "有限", "责任", "公司", "集团", "分公司")


class _Reading(Enum):
    """What one seal's text says about who stamped the document."""

    ISSUER = "issuer"
    PARTIAL = "partial"
    OTHER = "other"
    UNLIKE = "unlike"
    UNTIED = "untied"
    UNREAD = "unread"


def check_seal(ctx: CheckContext, evidence: Evidence, code: CheckCode, *, what: str) -> CheckResult:
    """Check that a document carries its issuer's seal.

    Args:
        ctx: The check context (the pack's seal issuers and confidence minimum).
        evidence: The document.
        code: The check code to report under.
        what: Whose seal it must be, in Chinese, for the message (e.g. 单位公章).

    Returns:
        ``pass`` when a clear seal's text names the issuer (or reads as pieces
        of its name); ``fail`` when there is no seal; ``unsure`` when every
        seal is faint, a seal names another kind of issuer, or no seal's text
        can be read or tied to the issuer.
    """
    seals = evidence.reading.seals
    refs = [_seal_ref(evidence, seal) for seal in seals] or [ref(evidence)]
    if not seals:
        return ctx.result(code, Outcome.FAIL, f"未发现{what}", refs)
    minimum = ctx.pack.thresholds.seal_confidence_min
    clear = [seal for seal in seals if seal.confidence >= minimum]
    if not clear:
        return ctx.result(code, Outcome.UNSURE, f"{what}不清晰，请人工核对", refs)
    rule = ctx.pack.seals.get(evidence.reading.kind)
    if rule is None:
        return ctx.result(code, Outcome.UNSURE, f"无法核对{what}的印章文字，请人工核对", refs)
    field = read_field(evidence, rule.issuer_field) if rule.issuer_field else None
    issuer = _compact(field.value) if field else ""
    readings = [(_read_seal(seal.text, rule, issuer=issuer), seal) for seal in clear]
    return ctx.result(code, *_judge(readings, what=what, issuer=issuer), refs)


def _judge(
    readings: Sequence[tuple[_Reading, Seal]], *, what: str, issuer: str
) -> tuple[Outcome, str]:
    """The outcome and message for a document's clear seals, judged together."""
    found = {reading for reading, _ in readings}
    if _Reading.OTHER in found:
        text = next(_compact(s.text) for r, s in readings if r is _Reading.OTHER)
        return Outcome.UNSURE, f"印章文字“{text}”为其他单位的印章，不是{what}，请人工核对"
    if _Reading.ISSUER in found:
        text = next(_compact(s.text) for r, s in readings if r is _Reading.ISSUER)
        return Outcome.PASS, f"已盖{what}（印章文字：{text}）"
    if _Reading.PARTIAL in found:
        return Outcome.PASS, f"已盖{what}（印章文字部分读出，与{issuer}相符）"
    if _Reading.UNLIKE in found:
        return Outcome.UNSURE, f"印章文字与{what}不符，请人工核对"
    if _Reading.UNTIED in found:
        return Outcome.UNSURE, f"未能读出材料上的出具单位，无法核对{what}，请人工核对"
    return Outcome.UNSURE, f"{what}的印章文字未能读出，请人工核对"


def _read_seal(text: str, rule: SealIssuer, *, issuer: str) -> _Reading:
    """Tell what one seal's text says about its issuer.

    Another issuer's words are looked for first: a seal naming a company on a
    referral form is unsure even when it also shares words with a hospital's.
    """
    text = _compact(text)
    if len(text) < _READABLE_SEAL_TEXT:
        return _Reading.UNREAD
    if any(word in text for word in rule.other_words):
        return _Reading.OTHER
    if len(issuer) >= _MIN_ISSUER_NAME:
        # The document names its issuer: the seal must be that issuer's, not merely
        # one of its kind (another hospital, another company).
        if issuer in text:
            return _Reading.ISSUER
        if _is_partial_reading(text, issuer, distinctive=_distinctive(issuer, rule)):
            return _Reading.PARTIAL
        return _Reading.UNLIKE
    if rule.issuer_field:
        # The document's issuer was not read: a seal of the right kind (医院, 公司)
        # could be anyone's, and a missing name never counts as a match.
        return _Reading.UNTIED
    if any(w in text for w in rule.words):
        return _Reading.ISSUER
    return _Reading.UNLIKE


def _distinctive(name: str, rule: SealIssuer) -> str:
    """The characters that tell an issuer from others of its kind and place.

    ``扬州市第一人民医院`` -> ``第一人民``: the leading place names and the kind's
    own words (医院, 公司 ...) are shared by every issuer of that kind there.
    """
    name = _PLACE_PREFIX.sub("", name)
    for word in sorted((*rule.words, *_GENERIC_WORDS), key=len, reverse=True):
        name = name.replace(word, "")
    return name


def _is_partial_reading(text: str, issuer: str, *, distinctive: str) -> bool:
    """Tell whether a seal text reads as pieces of the issuer's name.

    Curved seal text is often read in pieces and out of order (院邢台市第三医):
    it counts when it shares at least :data:`_PARTIAL_SHARED` distinct
    characters with the issuer's name, at least :data:`_PARTIAL_SHARE` of its
    own distinct characters are the issuer's, and it holds at least half of
    the characters that tell this issuer from others of its kind and place
    (see :func:`_distinctive`): 邢台市中医院 is not 邢台市第三医院.
    """
    own = set(text)
    shared = own & set(issuer)
    wanted = set(distinctive)
    if len(shared) < _PARTIAL_SHARED or len(shared) < _PARTIAL_SHARE * len(own):
        return False
    return bool(wanted) and 2 * len(own & wanted) >= len(wanted)


def _compact(text: str) -> str:
    return "".join(text.split())


def _seal_ref(evidence: Evidence, seal: Seal) -> EvidenceRef:
    return EvidenceRef(
        document_id=evidence.document_id,
        page=evidence.page,
        kind=evidence.reading.kind.value,
        field="seal",
        value=seal.text or None,
        box=seal.box,
    )
