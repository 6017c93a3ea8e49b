"""What the reviewers' pages call things, in Chinese, how they write times, and word a refusal.

The filing types' and material groups' names come from the policy pack; the
names of document kinds, fields, statuses and outcomes are the page's own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from intake.domain import FilingStatus, ReviewAction
from intake.errors import (
    ClaimHeldError,
    ClaimRequiredError,
    DocumentNotFoundError,
    IntakeError,
    InvalidReviewError,
    InvalidTransitionError,
    MaterialsMissingError,
)
from intake.sla import CHINA_TZ
from ocr.domain import DocumentKind, FieldName

__all__ = [
    "ACTIONS",
    "DECISIONS",
    "FIELDS",
    "KINDS",
    "OUTCOMES",
    "STATUSES",
    "china_time",
    "field_label",
    "kind_label",
    "refusal",
]

KINDS: Final[dict[str, str]] = {
    DocumentKind.ID_CARD_FRONT: "身份证人像面",
    DocumentKind.ID_CARD_BACK: "身份证国徽面",
    DocumentKind.SOCIAL_SECURITY_CARD: "社会保障卡",
    DocumentKind.HUKOU_FRONT: "户口簿首页",
    DocumentKind.HUKOU_PERSON: "常住人口登记卡",
    DocumentKind.RESIDENCE_PERMIT: "居住证",
    DocumentKind.PROPERTY_CERTIFICATE: "房产证明",
    DocumentKind.DISPATCH_LETTER: "单位派出证明",
    DocumentKind.LABOR_CONTRACT: "劳动合同",
    DocumentKind.REFERRAL_FORM: "转诊转院证明",
    DocumentKind.COMMITMENT_LETTER: "个人承诺书",
    DocumentKind.UNKNOWN: "未识别材料",
}

FIELDS: Final[dict[str, str]] = {
    FieldName.NAME: "姓名",
    FieldName.ID_NUMBER: "身份证号",
    FieldName.ADDRESS: "住址",
    FieldName.ISSUER: "签发机关",
    FieldName.VALID_FROM: "有效期起",
    FieldName.VALID_UNTIL: "有效期至",
    FieldName.EMPLOYER: "单位",
    FieldName.HOSPITAL: "医院",
    FieldName.DESTINATION: "转往地",
    FieldName.DATE: "日期",
    FieldName.SEX: "性别",
    FieldName.BIRTH_DATE: "出生日期",
    FieldName.ETHNICITY: "民族",
    FieldName.HOUSEHOLD_NUMBER: "户号",
    FieldName.HOUSEHOLD_HEAD: "户主",
    FieldName.RELATION: "与户主关系",
    FieldName.CARD_NUMBER: "卡号",
    FieldName.WORK_PLACE: "工作地点",
    FieldName.DIAGNOSIS: "诊断",
    FieldName.SIGNATURE: "签名",
    "kind": "材料类型",
}

STATUSES: Final[dict[str, str]] = {
    FilingStatus.DRAFT: "草稿",
    FilingStatus.SUBMITTED: "已提交",
    FilingStatus.APPROVED: "已通过",
    FilingStatus.PROVISIONAL: "承诺待补证",
    FilingStatus.NEEDS_MATERIALS: "待补充材料",
    FilingStatus.NEEDS_REVIEW: "待人工审核",
    FilingStatus.REJECTED: "已驳回",
    FilingStatus.CANCELLED: "已撤销",
    FilingStatus.EXPIRED: "已过期",
}

OUTCOMES: Final[dict[str, str]] = {"pass": "通过", "fail": "不通过", "unsure": "存疑"}

DECISIONS: Final[dict[str, str]] = {
    "approve": "自动通过",
    "needs_materials": "需补充材料",
    "review": "转人工审核",
}

ACTIONS: Final[dict[str, str]] = {
    ReviewAction.APPROVE: "通过",
    ReviewAction.REJECT: "驳回",
    ReviewAction.REQUEST_MATERIALS: "要求补充材料",
}

_REVIEW_FIELDS: Final[dict[str, str]] = {
    "reasons": "驳回时请至少勾选一项驳回理由。",
    "message": "请写明需要申请人补充哪些材料。",
    "reason": "请填写查看完整身份证号的理由。",
    "value": "更正值须为 1 至 1000 个字符；材料类型须从列表中选择。",
    "page": "该材料没有这一页。",
    "index": "这一页上没有这份材料。",
    "field": "字段名无效。",
}


def china_time(moment: datetime | None) -> str:
    """``2025-03-10 10:00``: a moment as the clock on a wall in China shows it."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def kind_label(kind: str | None) -> str:
    return KINDS.get(kind or "", kind or "未识别")


def field_label(name: str | None) -> str:
    return FIELDS.get(name or "", name or "")


def refusal(error: IntakeError, *, group_names: dict[str, str] | None = None) -> str:
    """The sentence a reviewer reads when a use case refuses their request."""
    if isinstance(error, ClaimHeldError):
        return f"该备案已由另一位审核员（{error.holder}）认领，认领到期前您不能处理。"
    if isinstance(error, ClaimRequiredError):
        return "请先认领该备案，再更正或作出决定。"
    if isinstance(error, InvalidReviewError):
        return _REVIEW_FIELDS.get(error.field, f"请求无效：{error.reason}")
    if isinstance(error, MaterialsMissingError):
        names = "、".join((group_names or {}).get(g, g) for g in error.groups)
        return f"仍缺少材料（{names}），不能通过；可更正材料类型，或要求申请人补充材料。"
    if isinstance(error, InvalidTransitionError):
        status = STATUSES.get(error.current, error.current)
        return f"备案当前状态为“{status}”，不能执行此操作。"
    if isinstance(error, DocumentNotFoundError):
        return "该备案中没有这份材料。"
    return "操作未能完成。"
