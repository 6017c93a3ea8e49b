"""The reviewers' pages in headless Chromium against a real ``intake serve`` with the real reader.

Two referral filings are made the way an app makes them: the sample
generator renders and photographs each document, the photos are uploaded
through ``/v1`` with an app key, read by the real OCR reader in the server,
and submitted. Both go to a person (the referral names another city than the
filing). The browser then signs in, works the queue, draws the boxes,
corrects, approves, rejects, meets another reviewer's claim and signs out.

Screenshots of the queue and the filing page go to ``$INTAKE_ARTIFACTS``
(a temporary directory when unset); ``INTAKE_ARTIFACTS=docs/images`` refreshes
the README's. Playwright drives Debian's ``/usr/bin/chromium`` and never
downloads a browser.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from api.settings import key_id
from samples.filings import Scenario, make_scenario, render_scenario
from tests.live import free_port, wait_until_ready

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("review-browser")]

INTAKE = Path(sys.executable).with_name("intake")
CHROMIUM = Path("/usr/bin/chromium")
KEYS = {"app": "e2e-app-key", "alice": "e2e-reviewer-alice", "bob": "e2e-reviewer-bob"}
_API_KEYS = f"app:{KEYS['app']},reviewer:{KEYS['alice']},reviewer:{KEYS['bob']}"
_APP = {"Authorization": f"Bearer {KEYS['app']}"}
_WAIT_S = 240.0
_VIEWPORT = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Desk:
    base: str
    approve: str
    """A filing for the correction and approval (id)."""
    reject: str
    """A filing for the claim conflict and the rejection (id)."""
    names: dict[str, str]
    artifacts: Path


def _file_scenario(base: str, scenario: Scenario) -> str:
    """Create the scenario's filing, upload photos of its documents, submit; returns its id."""
    facts = scenario.facts
    body = {
        "applicant": {
            "name": facts.applicant_name,
            "id_number": facts.applicant_id_number,
            "phone": "13812345678",
        },
        "filing_type": facts.filing_type,
        "insured_region": facts.insured_region,
        "treatment_region": facts.treatment_region,
        "scheme": facts.scheme,
    }
    with httpx.Client(base_url=base, headers=_APP, timeout=60) as client:
        created = client.post("/v1/filings", json=body)
        assert created.status_code == 201, created.text
        filing_id = str(created.json()["id"])
        for n, (_, (photo, _)) in enumerate(render_scenario(scenario, random.Random(scenario.id))):
            photo.thumbnail((1800, 1800))  # a phone app's upload size; keeps the reading short
            jpeg = io.BytesIO()
            photo.save(jpeg, format="JPEG", quality=88)
            upload = client.post(
                f"/v1/filings/{filing_id}/documents",
                files={"file": (f"photo-{n}.jpg", jpeg.getvalue(), "image/jpeg")},
            )
            assert upload.status_code == 201, upload.text
        submitted = client.post(f"/v1/filings/{filing_id}/submit")
        assert submitted.status_code in (200, 202), submitted.text
    return filing_id


def _wait_for_review(base: str, filing_id: str) -> None:
    deadline = time.monotonic() + _WAIT_S
    with httpx.Client(base_url=base, headers=_APP, timeout=30) as client:
        while time.monotonic() < deadline:
            status = client.get(f"/v1/filings/{filing_id}").json()["status"]
            if status != "submitted":
                assert status == "needs_review", f"filing {filing_id} is {status}"
                return
            time.sleep(0.5)
    raise AssertionError(f"filing {filing_id} was not verified in {_WAIT_S:.0f} s")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    root = tmp_path_factory.mktemp("review-browser")
    artifacts = Path(os.environ.get("INTAKE_ARTIFACTS") or root / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")},
        "INTAKE_DATA_DIR": str(root / "var"),
        "INTAKE_API_KEYS": _API_KEYS,
    }
    subprocess.run([str(INTAKE), "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [str(INTAKE), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        scenarios = [
            make_scenario(pack="national", seed=seed, defect="referral_wrong_destination")
            for seed in (5, 8)
        ]
        approve, reject = (_file_scenario(base, s) for s in scenarios)
        for filing_id in (approve, reject):
            _wait_for_review(base, filing_id)
        yield Desk(
            base=base,
            approve=approve,
            reject=reject,
            names={
                approve: scenarios[0].facts.applicant_name,
                reject: scenarios[1].facts.applicant_name,
            },
            artifacts=artifacts,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, desk: Desk) -> Iterator[Any]:
    """A fresh browser context (its own cookies), signed in as reviewer Alice."""
    context = browser.new_context(viewport=_VIEWPORT, locale="zh-CN")
    opened = context.new_page()
    _sign_in(opened, desk, "alice")
    try:
        yield opened
    finally:
        context.close()


def _sign_in(page: Any, desk: Desk, who: str) -> None:
    page.goto(f"{desk.base}/review")
    assert "/review/login" in page.url
    page.fill("#key", KEYS[who])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{desk.base}/review")


def _screenshot(page: Any, desk: Desk, name: str, *, whole: bool = False) -> Path:
    """The viewport (or with ``whole`` the page, however short), as a small palette PNG."""
    path = desk.artifacts / name
    raw = page.locator("body").screenshot(type="png") if whole else page.screenshot(type="png")
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    return path


def _open_filing(page: Any, desk: Desk, filing_id: str) -> None:
    page.goto(f"{desk.base}/review/filings/{filing_id}")
    page.wait_for_selector("html[data-pages-ready]", state="attached")


def _flash(page: Any) -> str:
    text: str = page.locator(".flash").first.inner_text()
    return text


class TestReviewerInTheBrowser:
    def test_the_queue_lists_the_waiting_filings(self, page: Any, desk: Desk) -> None:
        rows = page.locator("table.queue tbody tr")
        assert rows.count() == 2
        for filing_id, name in desk.names.items():
            row = page.locator(f'tr[data-filing="{filing_id}"]')
            assert name in row.inner_text()
            assert "剩余" in row.locator(".sla").inner_text() or "已超时" in row.inner_text()
        assert "待人工审核 2" in page.locator(".counts").inner_text()

    def test_the_filing_page_draws_the_boxes_and_a_check_marks_its_evidence(
        self, page: Any, desk: Desk
    ) -> None:
        page.click(f'tr[data-filing="{desk.approve}"] a')
        page.wait_for_selector("html[data-pages-ready]", state="attached")
        images = page.locator("img.page-image")
        assert images.count() == 2
        assert all(
            page.evaluate(
                "(img) => img.complete && img.naturalWidth > 0", images.nth(i).element_handle()
            )
            for i in range(images.count())
        )
        drawn = page.locator("svg.overlay rect.line")
        assert drawn.count() > 10
        box = drawn.first.bounding_box()
        assert box is not None
        assert box["width"] > 5
        assert box["height"] > 2
        assert page.locator("svg.overlay rect.seal").count() >= 1
        assert page.locator("svg.overlay rect.hl").count() == 0

        check = page.locator('li.check[data-code="referral.destination"]')
        check.click()
        highlighted = page.locator("svg.overlay rect.hl")
        assert highlighted.count() >= 1
        mark = highlighted.first.bounding_box()
        assert mark is not None
        assert mark["width"] > 5
        assert check.get_attribute("aria-pressed") == "true"
        assert "已在图上标出" in page.locator("#cite-status").inner_text()

        # The keyboard does the same: focus another check and press Enter.
        other = page.locator("li.check.pass").first
        other.focus()
        page.keyboard.press("Enter")
        assert other.get_attribute("aria-pressed") == "true"
        assert check.get_attribute("aria-pressed") == "false"

        toggle = page.locator('.viewer button[data-act="boxes"]').first
        toggle.click()
        assert not page.locator("svg.overlay g.ocr").first.is_visible()
        toggle.click()
        page.locator('.viewer button[data-act="rotate"]').first.click()
        page.locator('.viewer button[data-act="zoom-in"]').first.click()
        page.locator('.viewer button[data-act="reset"]').first.click()
        check.click()  # marks the evidence again and scrolls its page into view
        assert _screenshot(page, desk, "review-filing.png").stat().st_size > 0

    def test_a_second_reviewer_cannot_claim_then_the_first_rejects(
        self, page: Any, browser: Any, desk: Desk
    ) -> None:
        _open_filing(page, desk, desk.reject)
        page.click("#claim button.primary")
        assert "已认领" in _flash(page)

        bobs = browser.new_context(viewport=_VIEWPORT, locale="zh-CN")
        try:
            bob = bobs.new_page()
            _sign_in(bob, desk, "bob")
            held = bob.locator(f'tr[data-filing="{desk.reject}"]').inner_text()
            assert key_id(KEYS["alice"]) in held
            assert _screenshot(bob, desk, "review-queue.png", whole=True).stat().st_size > 0
            _open_filing(bob, desk, desk.reject)
            assert "已由审核员" in bob.locator("#claim").inner_text()
            bob.click("#claim button.primary")
            assert "已由另一位审核员" in _flash(bob)
            assert bob.locator("form.decision.reject button").is_disabled()
        finally:
            bobs.close()

        page.reload()
        page.check('form.decision.reject input[value="place_not_eligible"]')
        page.fill("#reject-note", "转诊证明所写转往地与就医地不符")
        page.click('form.decision.reject button[type="submit"]')
        page.wait_for_url(f"{desk.base}/review")
        assert f"已驳回：{desk.names[desk.reject]} 的备案" in _flash(page)
        with httpx.Client(base_url=desk.base, headers=_APP) as client:
            assert client.get(f"/v1/filings/{desk.reject}").json()["status"] == "rejected"

    def test_correct_a_field_then_approve(self, page: Any, desk: Desk) -> None:
        _open_filing(page, desk, desk.approve)
        page.click("#claim button.primary")
        assert "已认领" in _flash(page)
        destination = page.locator('input[name="field.destination"]')
        machine = destination.input_value()
        destination.fill("河北省邢台市人民医院")
        destination.press("Enter")  # submits that document's form
        assert "已保存更正（转往地）" in _flash(page)
        assert (
            page.locator('input[name="field.destination"]').input_value() == "河北省邢台市人民医院"
        )
        history = page.locator(".history").inner_text()
        assert "河北省邢台市人民医院" in history
        assert machine in history

        page.click('form.decision.approve button[type="submit"]')
        page.wait_for_url(f"{desk.base}/review")
        assert f"已通过：{desk.names[desk.approve]} 的备案" in _flash(page)
        assert page.locator(f'tr[data-filing="{desk.approve}"]').count() == 0
        with httpx.Client(base_url=desk.base, headers=_APP) as client:
            assert client.get(f"/v1/filings/{desk.approve}").json()["status"] == "approved"

    def test_sign_out(self, page: Any, desk: Desk) -> None:
        page.click("header form button")
        page.wait_for_url(f"{desk.base}/review/login")
        page.goto(f"{desk.base}/review/stats")
        assert "/review/login" in page.url
