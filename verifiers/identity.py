"""Identity checks: the person on each document is the applicant.

Name matching is tolerant of OCR noise and strict about a different person:
an exact match passes; a dropped character, or one wrong character of the
given name in a name of three or more characters, looks like a reading error
and is ``unsure`` (a person decides); a different surname, or more than one
difference, is another person and ``fail``. A name that differs on a document
printing the applicant's own ID number, read with confidence, is a misreading
too (``unsure``): another person is a different name *and* a different number.

Handwriting is misread one character at a time. Where the recogniser's
alternatives for each differing character include the filed one, the name
reads as the filed name: that passes only beside the applicant's own
confidently read ID number on the same document (the number establishes the
person, the pixels allow the name), and is ``unsure`` otherwise. Short of that,
nothing but an exact match passes.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date
from typing import Final

from ocr.domain import DocumentKind, Field
from ocr.idnumber import normalise_id_text, parse_id_number
from verifiers.codes import CheckCode
from verifiers.domain import CheckResult, Evidence, Outcome
from verifiers.evidence import CheckContext, read_date, read_field, ref

__all__ = ["check_applicant_id_number", "check_identity", "compare_names", "compare_read_name"]

# Documents that must print the holder's ID number; others are checked when they do.
_ID_REQUIRED: Final[frozenset[DocumentKind]] = frozenset(
    {
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.SOCIAL_SECURITY_CARD,
        DocumentKind.HUKOU_PERSON,
        DocumentKind.RESIDENCE_PERMIT,
    }
)
_BIRTH_SEX_KINDS: Final[frozenset[DocumentKind]] = frozenset(
    {DocumentKind.ID_CARD_FRONT, DocumentKind.HUKOU_PERSON}
)
# Documents that carry no holder name of their own.
_NAMELESS: Final[frozenset[DocumentKind]] = frozenset(
    {DocumentKind.ID_CARD_BACK, DocumentKind.HUKOU_FRONT, DocumentKind.UNKNOWN}
)
_DOTS: Final[dict[int, str]] = str.maketrans({"•": "·", "・": "·", ".": "·", "．": "·"})


def _normalise_name(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).translate(_DOTS)


def compare_names(expected: str, read: str) -> Outcome:
    """Compare the applicant's name with a name read from a document.

    Args:
        expected: The applicant's name as filed.
        read: The name as read from the document.

    Returns:
        ``pass`` for the same name, ``unsure`` for what looks like a reading
        error, ``fail`` for what looks like another person.
    """
    want, got = _normalise_name(expected), _normalise_name(read)
    if not got:
        return Outcome.UNSURE
    if want == got:
        return Outcome.PASS
    if len(got) == len(want) - 1 and any(want[:i] + want[i + 1 :] == got for i in range(len(want))):
        return Outcome.UNSURE
    if len(got) != len(want) or got[0] != want[0]:
        return Outcome.FAIL
    differing = sum(1 for a, b in zip(want, got, strict=True) if a != b)
    if differing == 1 and len(want) >= 3:
        return Outcome.UNSURE
    return Outcome.FAIL


def check_applicant_id_number(ctx: CheckContext) -> CheckResult:
    """Check the ID number typed on the filing itself is a valid one."""
    parsed = parse_id_number(ctx.facts.applicant_id_number, today=ctx.facts.filed_on)
    if parsed is None:
        return ctx.result(CheckCode.APPLICANT_ID_NUMBER, Outcome.FAIL, "申请人身份证号码无效")
    return ctx.result(CheckCode.APPLICANT_ID_NUMBER, Outcome.PASS, "申请人身份证号码有效")


def check_identity(ctx: CheckContext, evidence: Evidence) -> list[CheckResult]:
    """Run the identity checks that apply to one document.

    Args:
        ctx: The check context.
        evidence: The document.

    Returns:
        Name, ID number, birth date / sex and ID-card validity results, as they apply.
    """
    kind = evidence.reading.kind
    results: list[CheckResult] = []
    if kind not in _NAMELESS:
        results.append(_check_name(ctx, evidence))
    if kind in _ID_REQUIRED or read_field(evidence, "id_number") is not None:
        results.append(_check_id_number(ctx, evidence))
    if kind in _BIRTH_SEX_KINDS:
        results.append(_check_birth_sex(ctx, evidence))
    if kind is DocumentKind.ID_CARD_BACK:
        results.append(_check_card_valid(ctx, evidence))
    return results


def _check_name(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    found = read_field(evidence, "name")
    refs = [ref(evidence, "name")]
    if found is None:
        return ctx.result(CheckCode.NAME, Outcome.UNSURE, "未能读出材料上的姓名", refs)
    outcome = compare_names(ctx.facts.applicant_name, found.value)
    if outcome is not Outcome.PASS and _reads_as(ctx.facts.applicant_name, found):
        if _number_matches(ctx, evidence):
            # The number establishes the person; the pixels allow the filed name.
            message = "材料上的姓名与申请人一致（手写字迹经逐字比对）"
            return ctx.result(CheckCode.NAME, Outcome.PASS, message, refs)
        message = "材料上的姓名可能被误读（逐字比对与申请人姓名相符），请人工核对"
        return ctx.result(CheckCode.NAME, Outcome.UNSURE, message, refs)
    if outcome is Outcome.FAIL and _number_matches(ctx, evidence):
        # The applicant's own number, read with confidence, on this very document: the
        # name was misread (handwriting, a stamp across it), it is not another person.
        message = "材料上的姓名与申请人不一致，但身份证号码一致，请人工核对"
        return ctx.result(CheckCode.NAME, Outcome.UNSURE, message, refs)
    messages = {
        Outcome.PASS: "材料上的姓名与申请人一致",
        Outcome.UNSURE: "材料上的姓名与申请人不完全一致，请人工核对",
        Outcome.FAIL: "材料上的姓名与申请人不一致",
    }
    return ctx.result(CheckCode.NAME, outcome, messages[outcome], refs)


def compare_read_name(expected: str, found: Field) -> Outcome:
    """Compare a name read without an ID number beside it to the filed one.

    As :func:`compare_names`, except that a reading whose per-character
    alternatives allow the filed name is a possible misreading (``unsure``),
    never another person: nothing on the page establishes the person, so it
    cannot pass either.
    """
    outcome = compare_names(expected, found.value)
    if outcome is not Outcome.PASS and _reads_as(expected, found):
        return Outcome.UNSURE
    return outcome


def _reads_as(expected: str, found: Field) -> bool:
    """Tell whether a name read otherwise is, character by character, the filed one.

    The recogniser's alternatives for each character it read must include
    the filed character wherever the two differ: the pixels allow the filed
    name, the reading merely preferred another character. Only a name of the
    same length, with an alternative for every character, qualifies.
    """
    want, got = _normalise_name(expected), found.value
    if got == want or len(got) != len(want) or len(found.alternatives) != len(got):
        return False
    return all(
        w == g or w in {char for char, _ in choices}
        for w, g, choices in zip(want, got, found.alternatives, strict=True)
    )


def _check_id_number(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    found = read_field(evidence, "id_number")
    refs = [ref(evidence, "id_number")]
    code = CheckCode.ID_NUMBER
    if found is None:
        return ctx.result(code, Outcome.UNSURE, "未能读出材料上的身份证号码", refs)
    read = normalise_id_text(found.value)
    applicant = normalise_id_text(ctx.facts.applicant_id_number)
    if read == applicant:
        if parse_id_number(read, today=ctx.facts.filed_on) is None:
            return ctx.result(code, Outcome.FAIL, "身份证号码校验不通过", refs)
        return ctx.result(code, Outcome.PASS, "材料上的身份证号码与申请人一致", refs)
    valid = parse_id_number(read, today=ctx.facts.filed_on) is not None
    near = len(read) == len(applicant) and (
        sum(a != b for a, b in zip(read, applicant, strict=True)) == 1
    )
    if not valid and (near or not ctx.is_confident(found)):
        # A number that fails its own checksum and is one character off is a misreading.
        return ctx.result(code, Outcome.UNSURE, "身份证号码未能清晰读出，请人工核对", refs)
    return ctx.result(code, Outcome.FAIL, "材料上的身份证号码与申请人不一致", refs)


def _check_birth_sex(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    code = CheckCode.BIRTH_SEX
    parsed = parse_id_number(ctx.facts.applicant_id_number, today=ctx.facts.filed_on)
    refs = [ref(evidence, "birth_date"), ref(evidence, "sex")]
    birth, sex = read_date(evidence, "birth_date"), read_field(evidence, "sex")
    if parsed is None or not isinstance(birth, date):
        return ctx.result(code, Outcome.UNSURE, "未能核对出生日期和性别", refs)
    if birth != parsed.birth_date:
        return ctx.result(code, Outcome.FAIL, "出生日期与身份证号码不符", refs)
    if sex is None:
        if _number_matches(ctx, evidence):
            # The sex is the ID number's sequence parity, and the number on this
            # very document is the applicant's: an unread 男/女 hides nothing.
            message = "出生日期与身份证号码一致；性别未能读出（由身份证号码确定），不影响审核"
            return dataclasses.replace(
                ctx.result(code, Outcome.UNSURE, message, refs), blocking=False
            )
        return ctx.result(code, Outcome.UNSURE, "未能核对出生日期和性别", refs)
    if sex.value.strip() != parsed.sex:
        return ctx.result(code, Outcome.FAIL, "性别与身份证号码不符", refs)
    return ctx.result(code, Outcome.PASS, "出生日期和性别与身份证号码一致", refs)


def _number_matches(ctx: CheckContext, evidence: Evidence) -> bool:
    """Tell whether the document's ID number was read confidently as the applicant's."""
    found = read_field(evidence, "id_number")
    return (
        found is not None
        and ctx.is_confident(found)
        and normalise_id_text(found.value) == normalise_id_text(ctx.facts.applicant_id_number)
    )


def _check_card_valid(ctx: CheckContext, evidence: Evidence) -> CheckResult:
    code = CheckCode.ID_CARD_VALID
    until = read_date(evidence, "valid_until")
    refs = [ref(evidence, "valid_until")]
    if until is None:
        return ctx.result(code, Outcome.UNSURE, "未能读出身份证有效期限", refs)
    if until == "open" or (isinstance(until, date) and until >= ctx.facts.filed_on):
        return ctx.result(code, Outcome.PASS, "身份证在有效期内", refs)
    return ctx.result(code, Outcome.FAIL, "身份证已过有效期", refs)
