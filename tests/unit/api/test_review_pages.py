"""The reviewers' pages on the real app (migrated SQLite, local blobs): every page and form."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx import Response
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings, key_id
from api.wiring import Services
from intake.domain import (
    Applicant,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Page,
    Principal,
    Role,
    Scheme,
    StoredReading,
)
from intake.ports import UnitOfWork
from intake.review import Actor, mask_id_number
from ocr.domain import DocumentReading, Line, PageReading, Quality
from ocr.images import decode_image, perceptual_hash
from samples.filings import Scenario, ground_truth_evidence, make_scenario
from storage.sql.migrate import upgrade_database
from tests.factories import document_image, jpeg_bytes, make_document, make_filing
from tests.fakes import FakeClock, FakeReader

KEYS = {
    "app": "pages-app-key",
    "alice": "pages-reviewer-alice",
    "bob": "pages-reviewer-bob",
    "admin": "pages-admin-key",
}
_ROLES = {"app": "app", "alice": "reviewer", "bob": "reviewer", "admin": "admin"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file, copied for each test (migrating takes most of a second)."""
    path = tmp_path_factory.mktemp("template") / "intake.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@dataclass
class Desk:
    """The app with two filings waiting for a reviewer, and a browser-like client."""

    app: FastAPI
    client: httpx.AsyncClient
    stack: AsyncExitStack
    clock: FakeClock
    waiting: Filing
    other: Filing
    scenario: Scenario

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    async def sign_in(self, who: str = "alice", client: httpx.AsyncClient | None = None) -> str:
        """Sign ``who`` in; returns the session's CSRF token."""
        client = client or self.client
        form = await client.get("/review/login")
        token = _csrf(form)
        response = await client.post(
            "/review/login", data={"key": KEYS[who], "csrf": token, "next": "/review"}
        )
        assert response.status_code == 200, response.text
        return _csrf(response)

    async def browser(self, base_url: str = "http://test") -> httpx.AsyncClient:
        """Another browser (its own cookies) on the same app."""
        return await self.stack.enter_async_context(_client(self.app, base_url))

    def stored(self, filing_id: FilingId) -> Filing:
        with self.services.uow_factory() as uow:
            found = uow.filings.get(filing_id)
        assert found is not None
        return found

    def document_of(self, filing: Filing, kind: str) -> DocumentId:
        with self.services.uow_factory() as uow:
            documents = uow.documents.list_for_filing(filing.id)
        return next(d.id for d in documents if d.kind == kind)

    def audit(self, action: str) -> list[Any]:
        return self.services.review.audit_log(action=action)


def _csrf(response: Response) -> str:
    found = _CSRF.search(response.text)
    assert found, "the page carries no form token"
    return found.group(1)


def _shown_id_number(page: str) -> str:
    """The applicant's ID number as the filing page's summary shows it."""
    found = re.search(r'id="id-number">([^<]+)<', page)
    assert found, "the page shows no ID number"
    return found.group(1)


def _boxed(reading: DocumentReading) -> DocumentReading:
    """The reading with a box for every field and a line for each, as the reader gives them."""
    fields, lines = {}, []
    for n, (name, read) in enumerate(reading.fields.items()):
        box = (0.12, 0.12 + 0.07 * n, 0.7, 0.17 + 0.07 * n)
        fields[name] = replace(read, box=box)
        lines.append(Line(text=read.value, box=box, confidence=read.confidence))
    return replace(reading, box=(0.08, 0.08, 0.92, 0.92), fields=fields, lines=tuple(lines))


def _store(
    services: Services,
    scenario: Scenario,
    clock: FakeClock,
    *,
    seed: int,
    sideways: str = "",
    unread_page: bool = False,
) -> Filing:
    """A submitted filing with the scenario's documents: real page images, boxed readings.

    The document of kind ``sideways`` was photographed turned (read with a rotation
    of 90°); ``unread_page`` adds a document whose page has no reading.
    """
    facts = scenario.facts
    filing = make_filing(
        owner=key_id(KEYS["app"]),
        applicant=Applicant(
            name=facts.applicant_name, id_number=facts.applicant_id_number, phone="13812345678"
        ),
        filing_type=FilingType(facts.filing_type),
        insured_region=facts.insured_region,
        treatment_region=facts.treatment_region,
        scheme=Scheme(facts.scheme),
        start_date=facts.start_date,
        filed_on=facts.filed_on,
        status=FilingStatus.SUBMITTED,
        submitted_at=clock.now(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    with services.uow_factory() as uow:
        uow.filings.add(filing)
        for n, item in enumerate(ground_truth_evidence(scenario)):
            reading = PageReading(
                page=1,
                documents=(_boxed(item.reading),),
                quality=Quality(rotation=90 if item.reading.kind == sideways else 0),
                engine="fake",
                engine_version=services.reader.version,
            )
            _add_page(uow, services, filing, seed=seed * 10 + n, reading=reading)
        if unread_page:
            _add_page(uow, services, filing, seed=seed * 10 + 9, reading=None)
        uow.commit()
    services.verification.verify_filing(filing.id)
    return filing


def _add_page(
    uow: UnitOfWork, services: Services, filing: Filing, *, seed: int, reading: PageReading | None
) -> None:
    image = document_image(width=800, height=560, seed=seed)
    sha = services.blobs.put(jpeg_bytes(image), content_type="image/jpeg")
    page = Page(
        number=1,
        image_sha256=sha,
        width=800,
        height=560,
        quality=Quality(),
        phash=perceptual_hash(image),
    )
    document = make_document(
        filing,
        id=DocumentId(uuid.uuid4()),
        sha256=uuid.uuid4().hex * 2,
        status=DocumentStatus.ANALYSED,
        pages=[page],
        kind=reading.documents[0].kind if reading else None,
    )
    uow.documents.add(document)
    if reading is not None:
        version = services.reader.version
        key = document.reading_key(page)
        uow.readings.put(StoredReading(image_sha256=key, engine_version=version, reading=reading))


def _settings(data_dir: Path) -> Settings:
    keys = ",".join(f"{_ROLES[who]}:{key}" for who, key in KEYS.items())
    return Settings(data_dir=data_dir, api_keys=SecretStr(keys), task_workers=1)


def _client(app: FastAPI, base_url: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=True)


@pytest.fixture
async def desk(tmp_path: Path, migrated: Path) -> AsyncIterator[Desk]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(migrated, data_dir / "intake.db")
    scenario = make_scenario(pack="national", seed=5, defect="referral_wrong_destination")
    other_scenario = make_scenario(pack="national", seed=8, defect="referral_wrong_destination")
    filed = scenario.facts.filed_on
    clock = FakeClock(datetime(filed.year, filed.month, filed.day, 2, 0, tzinfo=UTC))
    app = create_app(_settings(data_dir), reader=FakeReader(), clock=clock)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(_client(app, "http://test"))
        services: Services = app.state.services
        waiting = _store(services, scenario, clock, seed=1, sideways="id_card_front")
        clock.advance(minutes=5)
        other = _store(services, other_scenario, clock, seed=2, unread_page=True)
        yield Desk(
            app=app,
            client=client,
            stack=stack,
            clock=clock,
            waiting=waiting,
            other=other,
            scenario=scenario,
        )


async def _post(desk: Desk, path: str, csrf: str, **data: Any) -> Response:
    return await desk.client.post(path, data={"csrf": csrf, **data})


class TestSignIn:
    async def test_a_reviewer_signs_in_and_lands_on_the_queue(self, desk: Desk) -> None:
        form = await desk.client.get("/review/login")
        assert form.status_code == 200
        assert 'type="password"' in form.text
        response = await desk.client.post(
            "/review/login",
            data={"key": KEYS["alice"], "csrf": _csrf(form), "next": "/review"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/review"
        queue = await desk.client.get("/review")
        assert queue.status_code == 200
        assert "待审队列" in queue.text
        assert key_id(KEYS["alice"]) in queue.text

    async def test_an_admin_may_sign_in(self, desk: Desk) -> None:
        await desk.sign_in("admin")
        assert "管理员" in (await desk.client.get("/review")).text

    async def test_an_app_key_is_refused(self, desk: Desk) -> None:
        form = await desk.client.get("/review/login")
        response = await desk.client.post(
            "/review/login", data={"key": KEYS["app"], "csrf": _csrf(form)}, follow_redirects=False
        )
        assert response.status_code == 403
        assert "应用（app）密钥不能登录审核工作台" in response.text
        assert "intake_review=" not in response.headers.get("set-cookie", "")
        assert (await desk.client.get("/review", follow_redirects=False)).status_code == 303

    async def test_an_unknown_key_is_refused(self, desk: Desk) -> None:
        form = await desk.client.get("/review/login")
        response = await desk.client.post(
            "/review/login", data={"key": "not-a-key", "csrf": _csrf(form)}, follow_redirects=False
        )
        assert response.status_code == 401
        assert "API 密钥无效" in response.text

    async def test_the_sign_in_form_needs_its_token(self, desk: Desk) -> None:
        await desk.client.get("/review/login")
        response = await desk.client.post(
            "/review/login", data={"key": KEYS["alice"]}, follow_redirects=False
        )
        assert response.status_code == 403

    async def test_signed_out_pages_redirect_to_sign_in(self, desk: Desk) -> None:
        page = f"/review/filings/{desk.waiting.id}"
        for path in ("/review", page, "/review/stats"):
            response = await desk.client.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/review/login?next=/review")
        response = await desk.client.get(page, follow_redirects=False)
        assert response.headers["location"] == f"/review/login?next={page}"

    async def test_after_sign_in_the_asked_for_page_opens(self, desk: Desk) -> None:
        page = f"/review/filings/{desk.waiting.id}"
        form = await desk.client.get(f"/review/login?next={page}")
        response = await desk.client.post(
            "/review/login",
            data={"key": KEYS["alice"], "csrf": _csrf(form), "next": page},
            follow_redirects=False,
        )
        assert response.headers["location"] == page

    async def test_sign_in_never_sends_the_browser_elsewhere(self, desk: Desk) -> None:
        form = await desk.client.get("/review/login")
        response = await desk.client.post(
            "/review/login",
            data={"key": KEYS["alice"], "csrf": _csrf(form), "next": "https://evil.example/"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/review"

    async def test_a_forged_cookie_is_no_session(self, desk: Desk) -> None:
        desk.client.cookies.set("intake_review", "eyJrIjoiYWxpY2UifQ.forged", path="/review")
        assert (await desk.client.get("/review", follow_redirects=False)).status_code == 303

    async def test_sign_out_ends_the_session(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        response = await _post(desk, "/review/logout", csrf)
        assert response.url.path == "/review/login"
        assert (await desk.client.get("/review", follow_redirects=False)).status_code == 303


class TestCookies:
    @staticmethod
    async def _session_cookie(client: httpx.AsyncClient, **headers: str) -> str:
        form = await client.get("/review/login", headers=headers)
        response = await client.post(
            "/review/login",
            data={"key": KEYS["alice"], "csrf": _csrf(form)},
            headers=headers,
            follow_redirects=False,
        )
        assert response.status_code == 303
        cookies = response.headers.get_list("set-cookie")
        return next(c for c in cookies if c.startswith("intake_review="))

    async def test_http_only_lax_expiring_and_not_secure_over_http(self, desk: Desk) -> None:
        cookie = (await self._session_cookie(desk.client)).lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "max-age=43200" in cookie
        assert "path=/review" in cookie
        assert "secure" not in cookie

    async def test_secure_over_https(self, desk: Desk) -> None:
        client = await desk.browser("https://test")
        cookie = (await self._session_cookie(client)).lower()
        assert "; secure" in cookie
        assert "httponly" in cookie

    async def test_secure_behind_a_proxy_that_says_https(self, desk: Desk) -> None:
        # The proxy speaks plain HTTP to us; the browser, over HTTPS, sends the cookie back.
        proxied = {"X-Forwarded-Proto": "https"}
        form = await desk.client.get("/review/login", headers=proxied)
        login_cookie = form.headers["set-cookie"]
        assert "; secure" in login_cookie.lower()
        response = await desk.client.post(
            "/review/login",
            data={"key": KEYS["alice"], "csrf": _csrf(form)},
            headers={**proxied, "Cookie": login_cookie.split(";")[0]},
            follow_redirects=False,
        )
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("intake_review="))
        assert "; secure" in session.lower()

    async def test_the_cookie_holds_no_key(self, desk: Desk) -> None:
        cookie = await self._session_cookie(desk.client)
        assert KEYS["alice"] not in cookie


class TestCsrf:
    async def test_a_form_without_the_token_is_refused(self, desk: Desk) -> None:
        await desk.sign_in()
        response = await desk.client.post(f"/review/filings/{desk.waiting.id}/claim")
        assert response.status_code == 403
        assert desk.audit("claim") == []

    async def test_a_form_with_another_sessions_token_is_refused(self, desk: Desk) -> None:
        bobs = await desk.browser()
        bob_csrf = await desk.sign_in("bob", bobs)
        await desk.sign_in("alice")
        response = await _post(desk, f"/review/filings/{desk.waiting.id}/claim", bob_csrf)
        assert response.status_code == 403
        assert response.headers["cache-control"] == "no-store"

    async def test_sign_out_needs_the_token(self, desk: Desk) -> None:
        await desk.sign_in()
        assert (await desk.client.post("/review/logout")).status_code == 403
        assert (await desk.client.get("/review")).status_code == 200


class TestQueuePage:
    async def test_lists_the_waiting_filings_with_masked_ids_sla_and_counts(
        self, desk: Desk
    ) -> None:
        await desk.sign_in()
        page = await desk.client.get("/review")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        text = page.text
        applicant = desk.waiting.applicant
        assert applicant.name in text
        assert applicant.id_number not in text
        assert applicant.id_number[:4] + "*" * 10 + applicant.id_number[-4:] in text
        assert desk.other.applicant.name in text
        assert "异地转诊人员" in text
        assert "南京市" in text
        assert "referral.destination" in text
        assert "剩余" in text
        assert "仅按周末计算" not in text
        counts = dict(re.findall(r'data-status="(\w+)"><span>[^<]+</span> <strong>(\d+)', text))
        assert counts["needs_review"] == "2"
        assert counts["approved"] == "0"
        assert text.index(applicant.name) < text.index(desk.other.applicant.name)

    async def test_an_overdue_filing_is_marked(self, desk: Desk) -> None:
        await desk.sign_in()
        desk.clock.advance(days=10)
        text = (await desk.client.get("/review")).text
        assert "已超时" in text
        assert 'class="overdue"' in text

    async def test_says_when_the_holiday_calendar_was_missing(self, desk: Desk) -> None:
        with desk.services.uow_factory() as uow:
            late = datetime(2031, 3, 3, 2, 0, tzinfo=UTC)
            uow.filings.update(replace(desk.stored(desk.waiting.id), submitted_at=late))
            uow.commit()
        await desk.sign_in()
        text = (await desk.client.get("/review")).text
        assert "仅按周末计算" in text
        assert "官方节假日安排尚不可用" in text

    async def test_filters(self, desk: Desk) -> None:
        await desk.sign_in()
        name = desk.waiting.applicant.name
        assert name in (await desk.client.get("/review?filing_type=referral")).text
        assert name not in (await desk.client.get("/review?filing_type=emergency")).text
        assert name in (await desk.client.get("/review?check=referral.destination")).text
        assert name not in (await desk.client.get("/review?check=identity.name")).text
        assert name in (await desk.client.get("/review?insured_region=320100")).text
        assert name not in (await desk.client.get("/review?insured_region=990000")).text

    async def test_pages_through_with_after(self, desk: Desk) -> None:
        await desk.sign_in()
        first = (await desk.client.get("/review?limit=1")).text
        assert desk.waiting.applicant.name in first
        assert desk.other.applicant.name not in first
        found = re.search(r'rel="next" href="([^"]+)"', first)
        assert found
        second = (await desk.client.get(found.group(1).replace("&amp;", "&"))).text
        assert desk.other.applicant.name in second
        assert desk.waiting.applicant.name not in second

    async def test_shows_who_holds_a_claim_and_who_asked_for_a_person(self, desk: Desk) -> None:
        csrf = await desk.sign_in("bob")
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        with desk.services.uow_factory() as uow:
            asked = replace(
                desk.stored(desk.other.id),
                review_requested_at=desk.clock.now(),
                review_request_note="请人工看看",
            )
            uow.filings.update(asked)
            uow.commit()
        await desk.sign_in("alice")
        text = (await desk.client.get("/review")).text
        assert key_id(KEYS["bob"]) in text
        assert text.count("申请人要求人工审核") == 1


class TestFilingPage:
    async def test_shows_the_applicant_pages_boxes_fields_checks_and_reasons(
        self, desk: Desk
    ) -> None:
        await desk.sign_in()
        page = await desk.client.get(f"/review/filings/{desk.waiting.id}")
        assert page.status_code == 200
        text = page.text
        applicant = desk.waiting.applicant
        assert _shown_id_number(text) == mask_id_number(applicant.id_number)
        assert "显示完整身份证号" in text
        referral = desk.document_of(desk.waiting, "referral_form")
        assert f"/review/filings/{desk.waiting.id}/documents/{referral}/pages/1/image" in text
        assert 'viewBox="0 0 1 1" preserveAspectRatio="none"' in text
        assert text.count('<rect class="field"') >= 8
        assert text.count('<rect class="seal"') == 1
        assert text.count('<rect class="line"') >= 8
        assert 'name="field.destination" value="上海市第六人民医院"' in text
        assert 'data-code="referral.destination"' in text
        assert "不通过" in text
        assert "&#34;d&#34;:&#34;" + str(referral) in text or f'"d":"{referral}"' in text
        assert 'name="reasons" value="condition_not_met"' in text
        assert "不符合所选备案类型的办理条件" in text
        assert "转人工审核" in text  # the verification's decision in the history
        assert text.count("<fieldset disabled>") >= 3  # nothing to change before the claim

    async def test_opening_a_filing_is_audited(self, desk: Desk) -> None:
        await desk.sign_in()
        await desk.client.get(f"/review/filings/{desk.waiting.id}")
        (view,) = desk.audit("view")
        assert view.filing_id == desk.waiting.id
        assert view.actor == key_id(KEYS["alice"])
        assert view.address == "127.0.0.1"

    async def test_revealing_the_id_number_shows_it_and_keeps_the_reason(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        response = await _post(
            desk, f"/review/filings/{desk.waiting.id}/reveal", csrf, reason="核对身份证照片"
        )
        assert response.status_code == 200
        assert _shown_id_number(response.text) == desk.waiting.applicant.id_number
        assert response.headers["cache-control"] == "no-store"
        (revealed,) = desk.audit("reveal_id_number")
        assert revealed.detail == {"reason": "核对身份证照片"}
        again = (await desk.client.get(f"/review/filings/{desk.waiting.id}")).text
        assert _shown_id_number(again) == mask_id_number(desk.waiting.applicant.id_number)

    async def test_revealing_needs_a_reason(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        response = await _post(desk, f"/review/filings/{desk.waiting.id}/reveal", csrf, reason="  ")
        assert "请填写查看完整身份证号的理由" in response.text
        assert _shown_id_number(response.text) != desk.waiting.applicant.id_number
        assert desk.audit("reveal_id_number") == []

    async def test_an_unknown_filing_is_not_found(self, desk: Desk) -> None:
        await desk.sign_in()
        response = await desk.client.get(f"/review/filings/{uuid.uuid4()}")
        assert response.status_code == 404
        assert "没有找到这份备案" in response.text

    async def test_claiming_an_unknown_filing_goes_back_to_the_queue(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        page = await _post(desk, f"/review/filings/{uuid.uuid4()}/claim", csrf)
        assert page.url.path == "/review"
        assert "没有找到这份备案" in page.text


class TestClaims:
    async def test_claim_and_release(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        page = await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        assert "已认领" in page.text
        assert "放回队列" in page.text
        assert "<fieldset disabled>" not in page.text
        page = await _post(desk, f"/review/filings/{desk.waiting.id}/release", csrf)
        assert "已放回队列" in page.text
        assert "<fieldset disabled>" in page.text
        assert len(desk.audit("release")) == 1

    async def test_a_second_reviewer_cannot_claim_a_claimed_filing(self, desk: Desk) -> None:
        bobs = await desk.browser()
        bob_csrf = await desk.sign_in("bob", bobs)
        await bobs.post(f"/review/filings/{desk.waiting.id}/claim", data={"csrf": bob_csrf})
        csrf = await desk.sign_in("alice")
        page = await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        assert page.status_code == 200
        assert "已由另一位审核员" in page.text
        assert key_id(KEYS["bob"]) in page.text
        assert len(desk.audit("claim")) == 1


class TestCorrections:
    async def test_a_correction_changes_the_field_and_verifies_again(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        referral = desk.document_of(desk.waiting, "referral_form")
        city = desk.services.book.regions.city_and_name_of(desk.scenario.facts.treatment_region)
        runs = len(desk.services.review.open(_alice_actor(), desk.waiting.id).verifications)
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            kind="referral_form",
            **{
                "shown.kind": "referral_form",
                "field.destination": city,
                "shown.destination": "上海市第六人民医院",
                "field.name": desk.waiting.applicant.name,
                "shown.name": desk.waiting.applicant.name,
            },
        )
        assert "已保存更正（转往地）" in page.text
        assert "自动通过" in page.text
        opened = desk.services.review.open(_alice_actor(), desk.waiting.id)
        assert len(opened.verifications) == runs + 1
        (correction,) = opened.corrections
        assert (correction.field, correction.machine_value) == ("destination", "上海市第六人民医院")
        assert correction.reviewer_value == city
        assert f'name="field.destination" value="{city}"' in page.text
        assert "referral.destination" not in desk.stored(desk.waiting.id).open_checks

    async def test_a_kind_can_be_corrected(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        referral = desk.document_of(desk.waiting, "referral_form")
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            kind="unknown",
            **{"shown.kind": "referral_form"},
        )
        assert "已保存更正（材料类型）" in page.text
        assert "需补充材料" in page.text
        # Approval is refused while the referral is missing, in the pack's words.
        page = await _post(
            desk, f"/review/filings/{desk.waiting.id}/decision", csrf, action="approve"
        )
        assert "仍缺少材料（参保地二级及以上定点医院盖章的转诊转院证明）" in page.text
        assert desk.stored(desk.waiting.id).status is FilingStatus.NEEDS_REVIEW

    async def test_a_correction_without_the_claim_is_refused_with_a_message(
        self, desk: Desk
    ) -> None:
        csrf = await desk.sign_in()
        referral = desk.document_of(desk.waiting, "referral_form")
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            **{"field.destination": "邢台市", "shown.destination": "上海市第六人民医院"},
        )
        assert page.status_code == 200
        assert "请先认领该备案" in page.text
        assert desk.audit("correct") == []

    async def test_what_a_reviewer_types_is_shown_as_text(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        referral = desk.document_of(desk.waiting, "referral_form")
        typed = '<img src=x onerror="alert(1)">'
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            **{"field.diagnosis": typed, "shown.diagnosis": "肺恶性肿瘤"},
        )
        assert typed not in page.text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text

    async def test_an_unchanged_form_changes_nothing(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        referral = desk.document_of(desk.waiting, "referral_form")
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            **{"field.name": "李桂", "shown.name": "李桂"},
        )
        assert "没有改动" in page.text


class TestDecisions:
    async def _claimed(self, desk: Desk) -> str:
        csrf = await desk.sign_in()
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        return csrf

    async def test_approve(self, desk: Desk) -> None:
        csrf = await self._claimed(desk)
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/decision",
            csrf,
            action="approve",
            note="核对无误",
        )
        assert page.url.path == "/review"
        assert f"已通过：{desk.waiting.applicant.name} 的备案" in page.text
        assert desk.stored(desk.waiting.id).status is FilingStatus.APPROVED
        assert f'data-filing="{desk.waiting.id}"' not in page.text
        assert f'data-filing="{desk.other.id}"' in page.text

    async def test_reject_with_the_packs_reasons(self, desk: Desk) -> None:
        csrf = await self._claimed(desk)
        page = await desk.client.post(
            f"/review/filings/{desk.waiting.id}/decision",
            data={
                "csrf": csrf,
                "action": "reject",
                "reasons": ["condition_not_met", "place_not_eligible"],
                "note": "转诊地不符",
            },
        )
        assert "已驳回" in page.text
        assert desk.stored(desk.waiting.id).status is FilingStatus.REJECTED
        (decision,) = desk.services.review.open(_alice_actor(), desk.waiting.id).decisions
        assert decision.reasons == ("condition_not_met", "place_not_eligible")
        assert decision.note == "转诊地不符"

    async def test_reject_without_a_reason_is_refused(self, desk: Desk) -> None:
        csrf = await self._claimed(desk)
        page = await _post(
            desk, f"/review/filings/{desk.waiting.id}/decision", csrf, action="reject"
        )
        assert "驳回时请至少勾选一项驳回理由" in page.text
        assert desk.stored(desk.waiting.id).status is FilingStatus.NEEDS_REVIEW

    async def test_request_materials(self, desk: Desk) -> None:
        csrf = await self._claimed(desk)
        page = await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/decision",
            csrf,
            action="request_materials",
            message="请上传转往河北省邢台市医院的转诊证明",
        )
        assert "已要求补充材料" in page.text
        assert desk.stored(desk.waiting.id).status is FilingStatus.NEEDS_MATERIALS

    async def test_deciding_a_decided_filing_is_refused_with_a_message(self, desk: Desk) -> None:
        csrf = await self._claimed(desk)
        await _post(desk, f"/review/filings/{desk.waiting.id}/decision", csrf, action="approve")
        page = await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        assert "备案当前状态为“已通过”，不能执行此操作" in page.text


class TestPageImage:
    def _url(self, desk: Desk) -> str:
        referral = desk.document_of(desk.waiting, "referral_form")
        return f"/review/filings/{desk.waiting.id}/documents/{referral}/pages/1/image"

    async def test_serves_the_page_with_an_etag_and_audits_each_fetch(self, desk: Desk) -> None:
        await desk.sign_in()
        url = self._url(desk)
        response = await desk.client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.content[:3] == b"\xff\xd8\xff"
        etag = response.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{64}-[0-9a-f]{12}"', etag)
        assert response.headers["cache-control"] == "private, max-age=3600"
        again = await desk.client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        views = desk.audit("view_page_image")
        assert len(views) == 2
        referral = desk.document_of(desk.waiting, "referral_form")
        assert {v.target for v in views} == {f"document:{referral}/page:1"}
        assert all(v.filing_id == desk.waiting.id for v in views)

    async def test_a_page_is_shown_as_it_was_read(self, desk: Desk) -> None:
        # The ID card was read turned a quarter: its boxes are fractions of the upright card.
        await desk.sign_in()
        card = desk.document_of(desk.waiting, "id_card_front")
        url = f"/review/filings/{desk.waiting.id}/documents/{card}/pages/1/image"
        response = await desk.client.get(url)
        height, width = decode_image(response.content).shape[:2]
        assert height > width  # the stored page is 800 x 560
        page = (await desk.client.get(f"/review/filings/{desk.waiting.id}")).text
        assert f'src="{url}" width="560" height="800"' in page

    async def test_an_unread_page_is_the_stored_image(self, desk: Desk) -> None:
        await desk.sign_in()
        with desk.services.uow_factory() as uow:
            documents = uow.documents.list_for_filing(desk.other.id)
        unread = next(d for d in documents if d.kind is None)
        sha = unread.pages[0].image_sha256
        url = f"/review/filings/{desk.other.id}/documents/{unread.id}/pages/1/image"
        response = await desk.client.get(url)
        assert response.content == desk.services.blobs.get(sha)
        assert response.headers["etag"] == f'"{sha}"'

    async def test_another_etag_gets_the_image(self, desk: Desk) -> None:
        await desk.sign_in()
        response = await desk.client.get(self._url(desk), headers={"If-None-Match": '"0000"'})
        assert response.status_code == 200

    async def test_a_page_of_another_filing_or_missing_is_not_found(self, desk: Desk) -> None:
        await desk.sign_in()
        referral = desk.document_of(desk.waiting, "referral_form")
        for url in (
            f"/review/filings/{desk.other.id}/documents/{referral}/pages/1/image",
            f"/review/filings/{desk.waiting.id}/documents/{referral}/pages/2/image",
        ):
            assert (await desk.client.get(url)).status_code == 404
        assert desk.audit("view_page_image") == []

    async def test_needs_a_session(self, desk: Desk) -> None:
        assert (await desk.client.get(self._url(desk), follow_redirects=False)).status_code == 303


class TestStatsPage:
    async def test_shows_decisions_change_rates_and_routing(self, desk: Desk) -> None:
        csrf = await desk.sign_in()
        await _post(desk, f"/review/filings/{desk.waiting.id}/claim", csrf)
        referral = desk.document_of(desk.waiting, "referral_form")
        await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/corrections",
            csrf,
            document_id=str(referral),
            page="1",
            index="0",
            **{"field.diagnosis": "肺癌", "shown.diagnosis": "肺恶性肿瘤"},
        )
        await _post(
            desk,
            f"/review/filings/{desk.waiting.id}/decision",
            csrf,
            action="reject",
            reasons="place_not_eligible",
        )
        text = (await desk.client.get("/review/stats")).text
        rows = re.findall(r"<tr>.*?</tr>", text, re.DOTALL)

        def numbers(code: str) -> list[str]:
            row = next(r for r in rows if f"<code>{code}</code>" in r)
            return re.findall(r'class="num">([^<]+)<', row)

        assert numbers("diagnosis") == ["1", "1", "100.0%"]
        assert numbers("hospital") == ["1", "0", "0.0%"]
        assert "转诊转院证明" in text
        # Columns: approved, rejected, asked for materials.
        assert numbers("referral.destination") == ["0", "1", "0"]


def _alice_actor() -> Actor:
    return Actor(principal=Principal(role=Role.REVIEWER, key_id=key_id(KEYS["alice"])))
