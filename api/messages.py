"""The Chinese ``message`` of every problem: what an app shows the applicant.

``detail`` stays English and exact, for developers; ``message`` is a short
sentence in Chinese an app can put on screen as it is. Each stable ``code``
has one (``MESSAGES``); validation problems name the field in Chinese
(``FIELD_NAMES``: ``insured_region`` is 参保地区划代码) and, where the reason
is known, say what is wrong with it (``REASONS``).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    "auth.missing": "请求缺少 API 密钥，请联系应用提供方。",
    "auth.invalid": "API 密钥无效，请联系应用提供方。",
    "auth.forbidden": "当前账号无权进行此操作。",
    "filing.not_found": "未找到该备案，请确认备案编号。",
    "document.not_found": "未找到该材料，请确认材料编号。",
    "job.not_found": "未找到该任务。",
    "filing.invalid_transition": "备案当前状态不允许此操作，请刷新后查看备案状态。",
    "filing.no_documents": "备案还没有上传任何材料，请先上传材料再提交。",
    "idempotency.conflict": "该请求编号已用于另一次上传，请重新上传。",
    "review.claimed": "该备案正由其他审核人员处理。",
    "review.not_claimed": "请先领取该备案再进行审核。",
    "review.materials_missing": "仍有材料缺失，不能直接通过。",
    "review.invalid": "审核信息填写不正确，请检查后重试。",
    "upload.too_large": "文件过大，请压缩或重新拍摄后上传。",
    "upload.unsupported_type": "文件格式不支持，请上传 JPG、PNG、WebP、HEIC 图片或 PDF 文件。",
    "upload.empty": "上传的文件是空的，请重新选择文件。",
    "upload.corrupt": "文件已损坏或无法打开，请重新拍摄或选择文件。",
    "upload.active_content": "文件含有脚本、启动程序或压缩包，请上传普通照片或扫描件。",
    "upload.encrypted_pdf": "PDF 文件设置了密码，请上传未加密的文件。",
    "upload.too_many_pages": "PDF 页数过多，请只上传需要的页面。",
    "upload.too_many_pixels": "图片分辨率过大，请缩小后重新上传。",
    "upload.too_few_pixels": "图片太小，无法识别，请靠近拍摄完整的证件。",
    "applicant.invalid_id_number": "身份证号码不正确，请核对后重新填写。",
    "applicant.invalid_phone": "手机号码不正确，请填写11位手机号码。",
    "applicant.invalid_region_code": "行政区划代码不正确，请核对6位代码。",
    "applicant.invalid": "申请人信息填写不正确，请检查后重新填写。",
    "filing.not_required": "在该地就医无需办理异地就医备案。",
    "filing.invalid": "备案信息填写不正确，请检查后重新填写。",
    "request.invalid": "提交的信息格式不正确，请检查后重试。",
    "route.not_found": "请求的地址不存在。",
    "route.method_not_allowed": "该地址不支持此请求方式。",
    "ocr.busy": "系统繁忙，请稍后重试。",
    "storage.unavailable": "系统暂时无法保存，请稍后重试。",
    "webhook.not_found": "未找到该回调地址。",
    "webhook.invalid_url": "回调地址不可用：须为 https 地址，且不能指向内网或本机地址。",
    "webhook.invalid_events": "订阅的事件类型不正确，请检查后重新填写。",
    "webhook.too_many": "回调地址数量已达上限，请先删除不用的地址。",
    "webhook.invalid": "回调设置不正确，请检查后重新填写。",
    "internal": "系统出错了，请稍后重试。",
}
"""``{code: message}``: one Chinese message per stable problem code."""

HTTP_FALLBACK: Final = "请求未能完成，请稍后重试。"
"""The message of an ``http.<status>`` problem (a status the service has no code of its own for)."""

FIELD_NAMES: Final[dict[str, str]] = {
    "insured_region": "参保地区划代码",
    "treatment_region": "就医地区划代码",
    "filing_type": "备案类型",
    "scheme": "参保险种",
    "start_date": "开始日期",
    "commitment": "承诺书",
    "applicant": "申请人信息",
    "applicant.name": "申请人姓名",
    "applicant.id_number": "申请人身份证号码",
    "applicant.phone": "申请人手机号码",
    "contact": "联系人信息",
    "contact.name": "联系人姓名",
    "contact.phone": "联系人电话",
    "contact.address": "联系地址",
    "on_behalf_of": "代办人信息",
    "on_behalf_of.name": "代办人姓名",
    "on_behalf_of.id_number": "代办人身份证号码",
    "on_behalf_of.phone": "代办人手机号码",
    "on_behalf_of.relation": "代办人与申请人关系",
    "file": "上传文件",
    "declared_kind": "材料类型",
    "insured": "参保地区划代码",
    "treatment": "就医地区划代码",
    "region": "行政区划代码",
    "id_number": "身份证号码",
    "phone": "手机号码",
}
"""Wire field names (dotted paths) and their Chinese names."""

REASONS: Final[dict[tuple[str, str], str]] = {
    ("applicant.invalid_region_code", "format"): "{field}应为6位数字。",
    ("applicant.invalid_region_code", "province"): "{field}不正确：前两位不是有效的省份代码。",
    ("applicant.invalid_id_number", "length"): "{field}应为18位。",
    ("applicant.invalid_id_number", "characters"): "{field}只能包含数字，最后一位可以是X。",
    ("applicant.invalid_id_number", "region"): "{field}的地区码不正确，请核对。",
    ("applicant.invalid_id_number", "birth_date"): "{field}中的出生日期不正确，请核对。",
    ("applicant.invalid_id_number", "checksum"): "{field}校验位不正确，请核对每一位数字。",
    ("applicant.invalid_phone", "format"): "{field}不正确，请填写11位手机号码。",
    ("applicant.invalid", "empty"): "请填写{field}。",
    ("applicant.invalid", "too_long"): "{field}过长，请简写。",
    ("request.invalid", "missing"): "请填写{field}。",
}
"""``{(code, reason): message}`` with ``{field}`` for the field's Chinese name."""

FIELD_TEMPLATE: Final = "{field}不正确，请检查后重新提交。"
"""The message of a validation problem on a named field with no more specific reason."""

ACTIONS: Final[dict[str, str]] = {
    "upload": "备案已提交或已办结，不能再上传材料。",
    "submit": "备案当前状态不能提交，请刷新后查看备案状态。",
    "cancel": "备案当前状态不能撤销。",
}
"""``filing.invalid_transition`` messages by the refused action."""

_FIELD_CODES: Final = frozenset(
    {
        "applicant.invalid_id_number",
        "applicant.invalid_phone",
        "applicant.invalid_region_code",
        "applicant.invalid",
        "filing.invalid",
        "request.invalid",
    }
)


def field_name(field: str) -> str | None:
    """The Chinese name of a wire field, trying its parents (``applicant.name`` → ``applicant``)."""
    path = field
    while path:
        if path in FIELD_NAMES:
            return FIELD_NAMES[path]
        path = path.rpartition(".")[0]
    return None


def message_for(code: str, *, field: str | None = None, reason: str | None = None) -> str:
    """The Chinese message of a problem.

    Args:
        code: The problem's stable code.
        field: The wire field at fault, for validation codes.
        reason: The machine reason (``province``, ``checksum``, ``missing``...), when known.

    Returns:
        The most specific message known: by code and reason naming the field,
        else the field alone, else the code's own message.
    """
    name = field_name(field) if field and code in _FIELD_CODES else None
    if name is not None:
        template = REASONS.get((code, reason or ""), FIELD_TEMPLATE)
        return template.format(field=name)
    if code.startswith("http."):
        return MESSAGES.get(code, HTTP_FALLBACK)
    return MESSAGES.get(code, MESSAGES["internal"])


def upload_too_large(limit: int) -> str:
    """The message of ``upload.too_large``, naming the limit in MB."""
    megabytes = limit / (1024 * 1024)
    size = f"{megabytes:.0f}" if megabytes >= 10 else f"{megabytes:.1f}".rstrip("0").rstrip(".")
    return f"文件过大，请上传不超过{size}MB的文件（可压缩或重新拍摄）。"
