"""Per-kind field extraction from a document's upright lines."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from ocr.domain import Alternatives, DocumentKind, Field, FieldName
from ocr.fields.labels import find_value, following_lines, reading_order, value_cell
from ocr.fields.values import (
    HOUSEHOLD_RELATIONS,
    clean_name,
    find_dates,
    find_id_numbers,
    has_valid_check,
    normalise_date,
)
from ocr.layout import PageLine, PixelBox, compact

__all__ = ["cells_to_read_again", "extract_fields"]

F = FieldName
K = DocumentKind
_INVALID_ID_FACTOR: Final = 0.4
_ORG_SUFFIX: Final = re.compile(
    r"[\u4e00-\u9fff()（）]{3,30}?(?:有限责任公司|股份有限公司|有限公司|公司|集团|研究院|研究所|"
    r"事务所|中心|医院|学校|大学|局|厂|院)"
)
_SIGNED_NAME: Final = re.compile(r"[\u4e00-\u9fff·]{2,5}")
_PLACE: Final = re.compile(r"[\u4e00-\u9fff]{2,14}?(?:省|市|自治区|区|县|州)")

# Labels of values that sit in a cell beside them (forms, cards, registers).
_NAME: Final = ("姓名",)
_SEX: Final = ("性别",)
_PATIENT: Final = ("患者姓名", "姓名")
_WORKER: Final = ("乙方(劳动者)", "乙方", "姓名")
_OWNER: Final = ("权利人", "房屋所有权人")
_HEAD: Final = ("户主姓名",)
_RELATION: Final = ("户主或与户主关系",)
_ID_CARD_NUMBER: Final = ("公民身份号码",)
_SOCIAL_NUMBER: Final = ("社会保障号码",)
_PERMIT_NUMBER: Final = ("公民身份号码", "身份证号码")
_REGISTER_NUMBER: Final = ("公民身份证件编号", "公民身份号码", "身份证号码")
_FORM_NUMBER: Final = ("身份证号码", "公民身份号码", "社会保障号码", "身份证号")
_SIGNER: Final = ("承诺人(签字)", "承诺人(签名)", "本人签字", "本人签名")
_WORKER_SIGNS: Final = ("乙方(签字)", "乙方(签名)", "劳动者(签字)")
_DOCTOR_SIGNS: Final = ("医师签字", "医师签名", "经治医师")

_CELLS: Final[dict[DocumentKind, dict[FieldName, tuple[str, ...]]]] = {
    K.ID_CARD_FRONT: {F.NAME: _NAME, F.SEX: _SEX, F.ID_NUMBER: _ID_CARD_NUMBER},
    K.SOCIAL_SECURITY_CARD: {F.NAME: _NAME, F.ID_NUMBER: _SOCIAL_NUMBER},
    K.RESIDENCE_PERMIT: {F.NAME: _NAME, F.SEX: _SEX, F.ID_NUMBER: _PERMIT_NUMBER},
    K.HUKOU_FRONT: {F.HOUSEHOLD_HEAD: _HEAD},
    K.HUKOU_PERSON: {
        F.NAME: _NAME,
        F.RELATION: _RELATION,
        F.SEX: _SEX,
        F.ID_NUMBER: _REGISTER_NUMBER,
    },
    K.PROPERTY_CERTIFICATE: {F.NAME: _OWNER},
    K.LABOR_CONTRACT: {F.NAME: _WORKER, F.SIGNATURE: _WORKER_SIGNS},
    K.REFERRAL_FORM: {
        F.NAME: _PATIENT,
        F.SEX: _SEX,
        F.ID_NUMBER: _FORM_NUMBER,
        F.SIGNATURE: _DOCTOR_SIGNS,
    },
    K.COMMITMENT_LETTER: {F.SIGNATURE: _SIGNER},
}
"""The identifying fields worth a second look when their label was read alone."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Page:
    lines: Sequence[PageLine]
    width: float
    height: float

    def field(self, value: str, line: PageLine, *, factor: float = 1.0) -> Field:
        x0, y0, x1, y1 = line.box
        box = (x0 / self.width, y0 / self.height, x1 / self.width, y1 / self.height)
        return Field(
            value=value,
            confidence=round(line.confidence * factor, 4),
            box=box,
            alternatives=_alternatives_of(value, line),
        )

    def text_field(self, labels: Sequence[str], clean: Callable[[str], str] = str) -> Field | None:
        hit = find_value(self.lines, labels)
        if hit is None:
            return None
        value = clean(hit.text)
        return self.field(value, hit.line) if value else None

    def date_field(self, labels: Sequence[str]) -> Field | None:
        hit = find_value(self.lines, labels)
        value = normalise_date(hit.text) if hit else None
        return self.field(value, hit.line) if hit and value else None


def _alternatives_of(value: str, line: PageLine) -> Alternatives:
    """The line's alternatives for ``value`` when it is read once, as is, in the line's text.

    A value normalised, joined from several lines or found twice in its line
    has no place of its own in the line: it gets none.
    """
    if not value or not line.alternatives or line.text.count(value) != 1:
        return ()
    start = line.text.index(value)
    return line.alternatives[start : start + len(value)]


def extract_fields(
    kind: DocumentKind, lines: Sequence[PageLine], *, width: float, height: float
) -> dict[str, Field]:
    """Read the fields of one document of a known kind.

    Args:
        kind: The document's kind.
        lines: Its lines in upright pixel geometry.
        width: Page width in pixels (boxes come out relative to the page).
        height: Page height in pixels.

    Returns:
        Field name to value; fields not found are absent.
    """
    page = _Page(lines=lines, width=width, height=height)
    rule = _RULES.get(kind)
    found = rule(page) if rule else {}
    return {name.value: value for name, value in found.items() if value is not None}


def cells_to_read_again(
    kind: DocumentKind, lines: Sequence[PageLine], fields: dict[str, Field]
) -> list[PixelBox]:
    """Boxes where an identifying field's value should be read again.

    A value is worth a second look when its label was read alone (the value's
    line was missed) or when what was read cannot be right: an ID number
    failing its check, a one-character name. The reader looks at each cell
    again at full resolution and extracts anew with what it finds there.

    Args:
        kind: The document's kind.
        lines: Its lines in upright pixel geometry.
        fields: What :func:`extract_fields` found on them.

    Returns:
        Pixel boxes (upright geometry), at most one per field.
    """
    cells = []
    for name, labels in _CELLS.get(kind, {}).items():
        found = fields.get(name.value)
        if found is None or _misread(name, found.value):
            cell = value_cell(lines, labels)
            if cell is not None:
                cells.append(cell)
    return cells


def _misread(name: FieldName, value: str) -> bool:
    if name is F.ID_NUMBER:
        return not has_valid_check(value)
    if name is F.RELATION:
        return value not in HOUSEHOLD_RELATIONS
    if name is F.SEX:
        return value not in ("男", "女")
    return name in (F.NAME, F.HOUSEHOLD_HEAD, F.SIGNATURE) and len(value) < 2


def _id_number(page: _Page, labels: Sequence[str] = ()) -> Field | None:
    hit = find_value(page.lines, labels) if labels else None
    ordered = reading_order(page.lines)
    sources: list[PageLine] = ([hit.line] if hit else []) + ordered
    fallback: Field | None = None
    for line in sources:
        candidates = find_id_numbers(line.text)
        if candidates and candidates[0][1]:
            return page.field(candidates[0][0], line)
        if candidates and fallback is None:
            fallback = page.field(candidates[0][0], line, factor=_INVALID_ID_FACTOR)
    # A number wrapped over two lines of running text.
    for first, second in itertools.pairwise(ordered):
        candidates = find_id_numbers(compact(first.text) + compact(second.text))
        if candidates and candidates[0][1]:
            return page.field(candidates[0][0], first, factor=0.9)
    return fallback


def _city(text: str) -> str:
    """The city in a place name: ``四川省成都市`` -> ``成都市``."""
    match = re.search(r"(?:省|自治区)?([\u4e00-\u9fff]{2,8}?市)", text)
    if not match:
        return text
    return re.sub(r"^.*?(?:省|自治区)", "", match.group(0))


def _sex(text: str) -> str:
    return next((c for c in text if c in "男女"), "")


def _ethnicity(text: str) -> str:
    return clean_name(text).removesuffix("族")[:6]


_LEADING_DATE: Final = re.compile(r"^(?:出生)?\d{4}年\d{1,2}月\d{1,2}日?")


def _address(page: _Page, labels: Sequence[str]) -> Field | None:
    hit = find_value(page.lines, labels)
    if hit is None:
        return None
    parts = [hit.text] + [compact(line.text) for line in following_lines(hit.line, page.lines)]
    # The birth-date row above can run into the first line; an address never starts with a date.
    value = _LEADING_DATE.sub("", "".join(parts))
    return page.field(value, hit.line) if value else None


def _validity(page: _Page, labels: Sequence[str]) -> dict[FieldName, Field | None]:
    hit = find_value(page.lines, labels)
    if hit is None:
        return {}
    dates = find_dates(hit.text)
    result: dict[FieldName, Field | None] = {}
    if dates:
        result[F.VALID_FROM] = page.field(dates[0], hit.line)
    if len(dates) > 1:
        result[F.VALID_UNTIL] = page.field(dates[1], hit.line)
    elif "长期" in hit.text:
        result[F.VALID_UNTIL] = page.field("长期", hit.line)
    return result


def _id_front(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: page.text_field(_NAME, clean_name),
        F.SEX: page.text_field(_SEX, _sex),
        F.ETHNICITY: page.text_field(["民族"], _ethnicity),
        F.BIRTH_DATE: page.date_field(["出生"]) or _bare_date(page),
        F.ADDRESS: _address(page, ["住址"]),
        F.ID_NUMBER: _id_number(page, _ID_CARD_NUMBER),
    }


def _id_back(page: _Page) -> dict[FieldName, Field | None]:
    return {F.ISSUER: page.text_field(["签发机关"]), **_validity(page, ["有效期限"])}


def _social_security(page: _Page) -> dict[FieldName, Field | None]:
    card = page.text_field(["社会保障卡号", "卡号"], lambda t: re.sub(r"[^0-9A-Z]", "", t.upper()))
    return {
        F.NAME: page.text_field(_NAME, clean_name),
        F.ID_NUMBER: _id_number(page, _SOCIAL_NUMBER),
        F.CARD_NUMBER: card,
    }


def _residence(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: page.text_field(_NAME, clean_name),
        F.SEX: page.text_field(_SEX, _sex),
        F.BIRTH_DATE: page.date_field(["出生日期", "出生"]) or _bare_date(page),
        F.ADDRESS: _address(page, ["居住地址", "住址"]),
        F.ID_NUMBER: _id_number(page, _PERMIT_NUMBER),
        F.ISSUER: page.text_field(["签发机关", "发证机关"]),
        **_validity(page, ["有效期限"]),
    }


def _hukou_front(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.HOUSEHOLD_HEAD: page.text_field(_HEAD, clean_name),
        F.HOUSEHOLD_NUMBER: page.text_field(["户号"], lambda t: re.sub(r"[^0-9A-Za-z]", "", t)),
        F.ADDRESS: _address(page, ["住址"]),
        F.DATE: page.date_field(["签发日期", "日期"]),
    }


def _hukou_person(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: page.text_field(_NAME, clean_name),
        F.RELATION: page.text_field(_RELATION, clean_name),
        F.SEX: page.text_field(_SEX, _sex),
        F.ETHNICITY: page.text_field(["民族"], _ethnicity),
        F.BIRTH_DATE: page.date_field(["出生日期"]),
        F.ID_NUMBER: _id_number(page, _REGISTER_NUMBER),
        F.WORK_PLACE: _organisation(page, ["服务处所"]),
        F.DATE: page.date_field(["登记日期"]),
    }


def _property(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: page.text_field(_OWNER, clean_name),
        F.ADDRESS: _address(page, ["坐落", "房屋坐落"]),
        F.ISSUER: _registry(page),
        F.DATE: page.date_field(["登记日期", "登记时间", "日期"]) or _last_date(page),
    }


def _free_text(page: _Page) -> tuple[str, list[PageLine]]:
    ordered = reading_order(page.lines)
    return "".join(compact(line.text) for line in ordered), ordered


def _line_with(ordered: Sequence[PageLine], needle: str) -> PageLine:
    return next((line for line in ordered if needle[:4] in compact(line.text)), ordered[0])


def _pattern_field(page: _Page, pattern: str, *, group: int = 1) -> Field | None:
    text, ordered = _free_text(page)
    match = re.search(pattern, text)
    if not match or not ordered:
        return None
    value = match.group(group)
    return page.field(value, _line_with(ordered, value))


def _bare_date(page: _Page) -> Field | None:
    """A line that is nothing but a 年月日 date (its label was not read)."""
    for line in reading_order(page.lines):
        text = compact(line.text)
        if re.fullmatch(r"(?:出生)?\d{4}年\d{1,2}月\d{1,2}日", text):
            value = normalise_date(text)
            if value:
                return page.field(value, line)
    return None


def _last_date(page: _Page) -> Field | None:
    for line in reversed(reading_order(page.lines)):
        value = normalise_date(compact(line.text))
        if value:
            return page.field(value, line)
    return None


def _organisation(page: _Page, labels: Sequence[str]) -> Field | None:
    hit = find_value(page.lines, labels)
    if hit is not None:
        match = _ORG_SUFFIX.search(hit.text)
        return page.field(match.group(0) if match else hit.text, hit.line)
    return None


def _signature(page: _Page, labels: Sequence[str]) -> Field | None:
    """A name written after a signature label, on its line or beside it.

    Only a short run of Chinese characters counts: a handwritten name, not
    the phone number or date line that follows an empty signature line.
    """
    hit = find_value(page.lines, labels, below=False)
    if hit is None or not _SIGNED_NAME.fullmatch(hit.text):
        return None
    return page.field(hit.text, hit.line)


def _signing_organisation(page: _Page) -> Field | None:
    """The organisation named alone on a line near the end (the signature block)."""
    for line in reversed(reading_order(page.lines)):
        text = compact(line.text)
        match = _ORG_SUFFIX.fullmatch(text)
        if match and not text.startswith(("兹", "我", "本")):
            return page.field(text, line)
    return None


_DAY: Final = r"\d{4}年\d{1,2}月\d{1,2}日"


def _period(page: _Page, labels: Sequence[str] = ()) -> dict[FieldName, Field | None]:
    text, ordered = _free_text(page)
    match = re.search(rf"自({_DAY})起?.{{0,40}}?至({_DAY}|长期)", text)
    if not match or not ordered:
        return _validity(page, labels) if labels else {}
    line = _line_with(ordered, match.group(0))
    start, end = normalise_date(match.group(1)), normalise_date(match.group(2))
    until = end or ("长期" if "长期" in match.group(2) else None)
    return {
        F.VALID_FROM: page.field(start, line) if start else None,
        F.VALID_UNTIL: page.field(until, line) if until else None,
    }


def _after(page: _Page, pattern: str) -> Field | None:
    return _pattern_field(page, pattern)


# Where a letter or contract sends the person, in running text: 派往上海市工作,
# 工作地点为上海市浦东新区, 在上海从事..., 外派至苏州分公司. The place is cut at the
# first word that is no longer part of it; the verifier finds the region inside.
_PLACE_END: Final = (
    r"(?=工作|从事|任职|担任|开展|负责|参加|办理|履行|常驻|驻点|长期|期间|自\d|"
    r"[，,。；;：:（(]|$)"
)
_SENT_TO_CITY: Final = (
    r"(?:派往|派驻|派到|派至|外派至|外派到|外派|派遣其?到|派遣其?至|调往|常驻|安排在|安排到)"
    r"([\u4e00-\u9fff]{1,8}?(?:市|自治州|盟|地区))"
)
_RUNNING_PLACE: Final = (
    rf"(?:工作地点(?:为|是|在|设在)?[:：]?|工作地址[:：]?|派往|派驻|派到|派至|外派至|外派到|"
    rf"派遣其?到|派遣其?至|调往|常驻|前往|赴|安排在|安排到)"
    rf"([\u4e00-\u9fff\d\-]{{2,30}}?){_PLACE_END}",
    r"在([\u4e00-\u9fff\d\-]{2,30}?)(?:从事|工作|任职|担任)",
)


_PLACE_CHARACTER: Final = re.compile(r"[省市区县州盟旗镇乡村路街道巷号]")


def _place_phrase(text: str) -> str:
    """The place after a label in running text: ``为上海市浦东新区，…`` -> ``上海市浦东新区``."""
    text = re.sub(r"^(?:为|是|在|设在)", "", text)
    phrase = re.split(r"[，,。；;]", text, maxsplit=1)[0]
    # A clause after the label (乙方同意根据甲方…) or the next label is no place.
    return phrase if _PLACE_CHARACTER.search(phrase) else ""


def _running_place(page: _Page) -> Field | None:
    """The place a letter or contract names in running text (see :data:`_RUNNING_PLACE`)."""
    text, ordered = _free_text(page)
    for pattern in _RUNNING_PLACE:
        for match in re.finditer(pattern, text):
            value = match.group(1)
            if value.startswith(("我", "本", "贵", "该", "其")):
                continue
            if match.group(0).startswith("工作地") and not _place_phrase(value):
                continue  # the label's own clause (乙方同意…) or the next label
            return page.field(value, _line_with(ordered, value))
    return None


# Labels of the referring hospital on referral forms of different provinces.
_REFERRING: Final = (
    "转出医院",
    "转出医疗机构",
    "转出单位",
    "申请医院",
    "原就诊医院",
    "就诊医院",
    "参保地定点医院",
    "医疗机构名称",
    "医院名称",
)
_HOSPITAL: Final = re.compile(
    r"[\u4e00-\u9fff()（）]{2,30}?(?:医院|卫生院|医疗中心|卫生服务中心|妇幼保健院)"
)


def _hospital_in_text(page: _Page) -> Field | None:
    """A hospital named in the title or the signature block when no label names it."""
    for line in reading_order(page.lines):
        text = compact(line.text)
        match = _HOSPITAL.search(text)
        if match and not any(word in text for word in ("转往", "转入", "拟转")):
            return page.field(match.group(0), line)
    return None


# The real-estate registry stamps the certificate: 登记机构（章）, or its seal line.
_REGISTRY: Final = re.compile(
    r"[\u4e00-\u9fff]{2,14}?(?:不动产登记中心|不动产登记局|不动产登记事务中心|"
    r"自然资源和规划局|自然资源局|国土资源局|房地产管理局|房产管理局|住房和城乡建设局|"
    r"房地产登记中心|房屋登记中心)"
)


def _registry(page: _Page) -> Field | None:
    hit = find_value(page.lines, ["登记机构", "发证机关", "登簿机构", "填发单位"])
    match = _REGISTRY.search(hit.text) if hit is not None else None
    if hit is not None and match is not None:
        return page.field(match.group(0), hit.line)
    for line in reading_order(page.lines):
        match = _REGISTRY.search(compact(line.text))
        if match:
            return page.field(match.group(0), line)
    return None


_PERSON: Final = (
    r"(?:兹证明|职工|员工|乙方|患者|本人|承诺人|姓名)[:：]?"
    r"([\u4e00-\u9fff·]{2,4}?)(?:同志|[，,(（性身男女]|$)"
)


def _dispatch(page: _Page) -> dict[FieldName, Field | None]:
    destination = _pattern_field(page, _SENT_TO_CITY) or _running_place(page)
    return {
        F.NAME: _pattern_field(page, _PERSON),
        F.ID_NUMBER: _id_number(page, ["身份证号码", "公民身份号码", "身份证号"]),
        F.EMPLOYER: _signing_organisation(page),
        F.DESTINATION: destination,
        F.WORK_PLACE: _after(page, r"工作地址[:：]?(.+?)[。；;]") or _running_place(page),
        F.DATE: _last_date(page),
        **_period(page, ["派驻期限", "外派期限"]),
    }


def _labor(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.EMPLOYER: _organisation(page, ["甲方(用人单位)", "甲方", "用人单位"])
        or _signing_organisation(page),
        F.NAME: page.text_field(_WORKER, clean_name),
        F.ID_NUMBER: _id_number(page, ["身份证号码", "公民身份号码", "身份证号"]),
        F.WORK_PLACE: page.text_field(["工作地点"], _place_phrase) or _running_place(page),
        F.DATE: page.date_field(["签订日期"]) or _last_date(page),
        F.SIGNATURE: _signature(page, _WORKER_SIGNS),
        **_period(page, ["合同期限"]),
    }


def _referral(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: page.text_field(_PATIENT, clean_name),
        F.ID_NUMBER: _id_number(page, _FORM_NUMBER),
        F.HOSPITAL: _organisation(page, _REFERRING) or _hospital_in_text(page),
        F.SEX: page.text_field(_SEX, _sex),
        F.DESTINATION: page.text_field(["转往地区"], _city)
        or page.text_field(["转往医院", "转入医院", "拟转往医院"]),
        F.DIAGNOSIS: page.text_field(["临床诊断", "诊断"]),
        F.SIGNATURE: _signature(page, _DOCTOR_SIGNS),
        F.DATE: _last_date(page),
    }


def _commitment(page: _Page) -> dict[FieldName, Field | None]:
    return {
        F.NAME: _pattern_field(page, _PERSON) or page.text_field(["承诺人", "姓名"], clean_name),
        F.ADDRESS: _after(page, r"居住地址[:：]?(.+?(?:室|号))(?!\d)")
        or page.text_field(["现居住地址", "居住地址"]),
        F.ID_NUMBER: _id_number(page, ["身份证号码", "公民身份号码", "身份证号"]),
        F.DATE: _last_date(page),
        F.SIGNATURE: _signature(page, _SIGNER),
    }


_RULES: Final[dict[DocumentKind, Callable[[_Page], dict[FieldName, Field | None]]]] = {
    K.ID_CARD_FRONT: _id_front,
    K.ID_CARD_BACK: _id_back,
    K.SOCIAL_SECURITY_CARD: _social_security,
    K.RESIDENCE_PERMIT: _residence,
    K.HUKOU_FRONT: _hukou_front,
    K.HUKOU_PERSON: _hukou_person,
    K.PROPERTY_CERTIFICATE: _property,
    K.DISPATCH_LETTER: _dispatch,
    K.LABOR_CONTRACT: _labor,
    K.REFERRAL_FORM: _referral,
    K.COMMITMENT_LETTER: _commitment,
}
