"""What app developers build against: messages, operation ids, one Problem schema, the docs.

Problems answered by the real app carry a Chinese ``message``; every operation
has a short, unique snake_case ``operationId`` (and the README's table lists
them all); every problem response refers to the one ``Problem`` schema; and
``/docs`` and ``/redoc`` load nothing from another host.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.factories import filing_payload, jpeg_bytes
from tests.integration.api.conftest import MAX_UPLOAD_BYTES, Api, auth
from tests.readme import readme_section

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+){0,3}")
CJK = re.compile(r"[\u4e00-\u9fff]")


async def _openapi(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = (await api.client.get("/openapi.json")).json()
    return document


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    ]


def readme_operation_ids() -> set[str]:
    """The operation ids in the README's table (between its markers)."""
    table = readme_section("operation-ids")
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.MULTILINE))


class TestProblemMessages:
    async def test_region_code_problem_names_the_field_in_chinese(self, api: Api) -> None:
        response = await api.client.post(
            "/v1/filings", json=filing_payload(insured_region="990000"), headers=auth()
        )

        body = response.json()
        assert response.status_code == 422
        assert body["code"] == "applicant.invalid_region_code"
        assert body["detail"] == "insured_region: province"
        assert "参保地区划代码" in body["message"]

    async def test_schema_mismatch_names_the_missing_field(self, api: Api) -> None:
        payload = filing_payload(applicant={"id_number": "x", "phone": "13812345678"})

        response = await api.client.post("/v1/filings", json=payload, headers=auth())

        assert response.status_code == 422
        assert response.json()["code"] == "request.invalid"
        assert response.json()["message"] == "请填写申请人姓名。"

    async def test_schema_mismatch_names_the_wrong_field(self, api: Api) -> None:
        payload = filing_payload(filing_type="holiday")

        response = await api.client.post("/v1/filings", json=payload, headers=auth())

        assert response.status_code == 422
        assert response.json()["message"] == "备案类型不正确，请检查后重新提交。"

    async def test_unknown_declared_kind_names_the_form_field(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, jpeg_bytes(), declared_kind="selfie")

        assert response.json()["code"] == "request.invalid"
        assert response.json()["field"] == "declared_kind"
        assert response.json()["message"].startswith("材料类型")

    async def test_too_large_upload_says_the_limit_in_megabytes(self, api: Api) -> None:
        filing_id = await api.create_filing()

        response = await api.upload(filing_id, b"\xff" * (MAX_UPLOAD_BYTES + 1))

        assert response.status_code == 413
        body = response.json()
        assert body["detail"] == f"upload exceeds {MAX_UPLOAD_BYTES} bytes"
        assert "2.9MB" in body["message"]

    @pytest.mark.parametrize(
        ("method", "path", "headers", "status"),
        [
            ("GET", "/v1/filings", {}, 401),
            ("GET", "/v1/filings", {"Authorization": "Bearer wrong"}, 401),
            ("GET", "/v1/no-such-route", {}, 404),
            ("DELETE", "/v1/filings", {}, 405),
            ("POST", "/v1/jobs/reverify", {"Authorization": "Bearer key-app-a"}, 403),
            ("GET", "/v1/filings/00000000-0000-0000-0000-000000000000", None, 404),
        ],
    )
    async def test_every_problem_carries_a_chinese_message(
        self, api: Api, method: str, path: str, headers: dict[str, str] | None, status: int
    ) -> None:
        response = await api.client.request(
            method, path, headers=auth() if headers is None else headers, json={}
        )

        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM
        assert CJK.search(response.json()["message"]), response.json()

    async def test_empty_submit_is_no_documents_and_upload_then_submit_works(
        self, api: Api
    ) -> None:
        filing_id = await api.create_filing()

        empty = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth())
        await api.upload(filing_id, jpeg_bytes())
        submitted = await api.client.post(f"/v1/filings/{filing_id}/submit", headers=auth())

        assert (empty.status_code, empty.json()["code"]) == (409, "filing.no_documents")
        assert submitted.status_code == 202


class TestOperationIds:
    async def test_every_operation_id_is_short_snake_case_and_unique(self, api: Api) -> None:
        ids = [operation["operationId"] for operation in _operations(await _openapi(api))]

        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        bad = [i for i in ids if not SNAKE_CASE.fullmatch(i) or len(i) > 32]
        assert not bad, bad

    async def test_the_apps_operations_have_the_documented_names(self, api: Api) -> None:
        document = await _openapi(api)
        ids = {
            (method, path): operation["operationId"]
            for path, item in document["paths"].items()
            for method, operation in item.items()
        }
        assert ids[("post", "/v1/filings")] == "create_filing"
        assert ids[("post", "/v1/filings/{filing_id}/documents")] == "upload_document"
        assert ids[("post", "/v1/filings/{filing_id}/submit")] == "submit_filing"
        assert ids[("get", "/v1/filings/{filing_id}")] == "get_filing"

    async def test_readme_lists_every_operation_id(self, api: Api) -> None:
        ids = {operation["operationId"] for operation in _operations(await _openapi(api))}
        assert readme_operation_ids() == ids


class TestProblemSchema:
    async def test_every_problem_response_refers_to_the_one_problem_schema(self, api: Api) -> None:
        document = await _openapi(api)
        problem_contents = [
            response["content"][PROBLEM]
            for operation in _operations(document)
            for response in operation["responses"].values()
            if PROBLEM in response.get("content", {})
        ]

        assert len(problem_contents) > 50
        assert all(content["schema"] == PROBLEM_REF for content in problem_contents)
        schema = document["components"]["schemas"]["Problem"]
        assert {"type", "title", "status", "detail", "code", "message"} <= set(schema["required"])

    async def test_examples_carry_messages(self, api: Api) -> None:
        document = await _openapi(api)
        upload = document["paths"]["/v1/filings/{filing_id}/documents"]["post"]
        examples = upload["responses"]["413"]["content"][PROBLEM]["examples"]
        assert CJK.search(examples["upload.too_large"]["value"]["message"])


class _References(HTMLParser):
    """The ``src`` and ``href`` attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


class TestSelfHostedDocs:
    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    async def test_docs_page_loads_only_from_this_server(self, api: Api, page: str) -> None:
        response = await api.client.get(page)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "img-src 'self' data:" in policy
        references = _References()
        references.feed(response.text)

        assert len(references.urls) >= 2  # a script and the icon at least
        assert not re.search(r"https?://", response.text), "an absolute URL in the page"
        for url in references.urls:
            assert not urlsplit(url).netloc, url
            asset = await api.client.get(url)
            assert asset.status_code == 200, url
            assert asset.content, url
