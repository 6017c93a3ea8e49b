"""Every problem the service can emit carries a Chinese ``message`` an app can show."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import api
from api.errors import (
    _FALLBACK,
    ERRORS,
    HTTP_CODES,
    ApiError,
    problem_body,
    problem_for,
    problem_response,
)
from api.messages import FIELD_NAMES, MESSAGES, message_for
from intake.errors import (
    EmptyFilingError,
    FilingNotRequiredError,
    IntakeError,
    InvalidApplicantError,
    InvalidIdNumberError,
    InvalidRegionCodeError,
    InvalidTransitionError,
    UploadTooLargeError,
)
from ocr.errors import OcrError
from storage.errors import StorageError

API_DIR = Path(api.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _subclasses(base: type[Exception]) -> set[type[Exception]]:
    found: set[type[Exception]] = {base}
    for sub in base.__subclasses__():
        found |= _subclasses(sub)
    return found


def _codes_in_source() -> set[str]:
    """Codes written as ``code="..."`` anywhere in the API package (handlers build some)."""
    pattern = re.compile(r"""\bcode=["']([a-z_]+\.[a-z_.]+)["']""")
    return {
        code
        for path in API_DIR.rglob("*.py")
        for code in pattern.findall(path.read_text(encoding="utf-8"))
    }


def emitted_codes() -> set[str]:
    """Every stable code: the error table, every error class's mapping, routing and fallback."""
    classes = set().union(
        *(_subclasses(base) for base in (ApiError, IntakeError, OcrError, StorageError))
    )
    return (
        {code for _, code, _ in ERRORS.values()}
        | {problem_for(cls.__new__(cls))[1] for cls in classes}
        | set(HTTP_CODES.values())
        | {_FALLBACK[1]}
        | _codes_in_source()
    )


def _body(error: Exception) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(problem_response(error).body))
    return body


class TestMessageTable:
    def test_every_code_the_service_can_emit_has_a_chinese_message(self) -> None:
        missing = sorted(emitted_codes() - MESSAGES.keys())
        assert not missing, f"codes without a message in api/messages.py: {missing}"

    def test_no_message_for_a_code_nothing_emits(self) -> None:
        assert MESSAGES.keys() <= emitted_codes()

    @pytest.mark.parametrize("code", sorted(MESSAGES))
    def test_message_is_chinese(self, code: str) -> None:
        assert CJK.search(MESSAGES[code]), code

    def test_field_names_are_chinese(self) -> None:
        assert all(CJK.search(name) for name in FIELD_NAMES.values())


class TestProblemBody:
    def test_every_body_has_the_codes_message(self) -> None:
        body = problem_body(status=503, code="ocr.busy", title="Busy", detail="busy")
        assert body["message"] == MESSAGES["ocr.busy"]
        assert body["detail"] == "busy"

    def test_an_unknown_http_status_gets_the_generic_message(self) -> None:
        assert CJK.search(message_for("http.418"))


class TestProblemResponse:
    def test_region_code_names_the_field_and_says_why(self) -> None:
        body = _body(InvalidRegionCodeError("province", field="insured_region"))
        assert body["detail"] == "insured_region: province"
        assert "参保地区划代码" in body["message"]
        assert "省份代码" in body["message"]

    def test_id_number_checksum(self) -> None:
        body = _body(InvalidIdNumberError("checksum", field="on_behalf_of.id_number"))
        assert "代办人身份证号码" in body["message"]
        assert "校验" in body["message"]

    def test_empty_name(self) -> None:
        body = _body(InvalidApplicantError("contact.name", "empty"))
        assert body["message"] == "请填写联系人姓名。"

    def test_too_large_names_the_limit_in_megabytes(self) -> None:
        body = _body(UploadTooLargeError(limit=20 * 1024 * 1024))
        assert body["detail"] == "upload exceeds 20971520 bytes"
        assert "20MB" in body["message"]

    def test_filing_not_required_keeps_its_zone_message(self) -> None:
        body = _body(FilingNotRequiredError(zone="长三角免备案区域"))
        assert body["message"] == "属于长三角免备案区域，无需办理异地就医备案"

    def test_upload_to_a_closed_filing_says_no_more_materials(self) -> None:
        body = _body(InvalidTransitionError(current="submitted", action="upload"))
        assert body["code"] == "filing.invalid_transition"
        assert "不能再上传" in body["message"]

    def test_empty_submit_is_a_missing_material_problem(self) -> None:
        body = _body(EmptyFilingError(current="draft"))
        assert (body["status"], body["code"]) == (409, "filing.no_documents")
        assert "上传" in body["message"]
