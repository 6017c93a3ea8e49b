"""The applicant demo page in headless Chromium against a real ``intake serve`` and reader.

The server runs on the embedded defaults, as ``make run`` does (SQLite, local
blobs, the development keys), so ``/demo`` is on and carries the development
app key. The browser plays an applicant: it creates a filing through the
page's form, picks photos the sample generator rendered and photographed
(read by the real OCR reader in the server), submits, reads the decision that
arrives (missing materials named in Chinese), photographs the missing card
(first out of focus: the page asks for a retake), submits again and reads
the new decision. Every message the page shows is compared with what
``/v1`` answers. Playwright drives Debian's ``/usr/bin/chromium`` and never
downloads a browser.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import ImageFilter

from ocr.domain import DocumentKind
from samples.filings import Scenario, make_scenario, render_scenario
from tests.live import free_port, wait_until_ready

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("demo-browser")]

INTAKE = Path(sys.executable).with_name("intake")
CHROMIUM = Path("/usr/bin/chromium")
_APP = {"Authorization": "Bearer dev-app-key"}
_PHONE = {"width": 390, "height": 844}
_DECISION_WAIT_MS = 240_000
_IDENTITY = (DocumentKind.ID_CARD_FRONT, DocumentKind.SOCIAL_SECURITY_CARD)


@dataclass(frozen=True)
class Demo:
    base: str
    scenario: Scenario
    proof: list[Path]
    """Photos of the scenario's documents but its identity card."""
    identity: Path
    """A sharp photo of the identity card (ID card or social-security card)."""
    blurry: Path
    """The same card out of focus."""


def _photos(scenario: Scenario, folder: Path) -> tuple[list[Path], Path, Path]:
    """Phone-sized JPEGs of the scenario's documents: the proof, the card, the card blurred."""
    proof: list[Path] = []
    identity: Path | None = None
    blurry: Path | None = None
    for n, (doc, (photo, _)) in enumerate(render_scenario(scenario, random.Random(scenario.id))):
        photo.thumbnail((1800, 1800))
        path = folder / f"{n}-{doc.kind.value}.jpg"
        photo.save(path, format="JPEG", quality=88)
        if doc.kind in _IDENTITY and identity is None:
            identity = path
            # σ 3.5 px on a 1.4k-px photo: well past what the quality check calls sharp.
            blurry = folder / f"blurry-{doc.kind.value}.jpg"
            photo.filter(ImageFilter.GaussianBlur(radius=3.5)).save(blurry, quality=88)
        else:
            proof.append(path)
    assert identity is not None
    assert blurry is not None
    return proof, identity, blurry


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    root = tmp_path_factory.mktemp("demo-browser")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")},
        "INTAKE_DATA_DIR": str(root / "var"),
    }
    scenario = make_scenario(
        pack="national", seed=3, filing_type="long_term_resident", proof="hukou"
    )
    proof, identity, blurry = _photos(scenario, root)
    port = free_port()
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [str(INTAKE), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process)
        yield Demo(base=base, scenario=scenario, proof=proof, identity=identity, blurry=blurry)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def page(demo: Demo) -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            opened = browser.new_context(viewport=_PHONE, locale="zh-CN").new_page()
            opened.goto(f"{demo.base}/demo")
            opened.wait_for_selector("html[data-demo-ready]", state="attached")
            yield opened
        finally:
            browser.close()


def _fill(page: Any, demo: Demo, *, insured: str | None = None) -> None:
    facts = demo.scenario.facts
    page.select_option("#filing_type", facts.filing_type)
    page.select_option("#insured_region", insured or facts.insured_region)
    page.select_option("#treatment_region", facts.treatment_region)
    page.select_option("#scheme", facts.scheme)
    page.fill("#name", facts.applicant_name)
    page.fill("#id_number", facts.applicant_id_number)


def _pick(page: Any, files: list[Path]) -> Any:
    """Pick files; wait until every card has its quality answer; returns the new cards."""
    before = page.locator("li.upload").count()
    page.set_input_files("#files", [str(f) for f in files])
    total = before + len(files)
    page.wait_for_selector(
        f'#uploads[data-pending="0"] li.upload:nth-child({total}):not([data-state="checking"])'
    )
    cards = page.locator("li.upload")
    return [cards.nth(i) for i in range(before, total)]


def _submit_and_wait(page: Any) -> None:
    page.click("#submit")
    page.wait_for_selector('#status[data-status="submitted"]')
    page.wait_for_selector("#verdict[data-decision]:not([hidden])", timeout=_DECISION_WAIT_MS)


def _filing(demo: Demo, filing_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=demo.base, headers=_APP, timeout=30) as client:
        answer = client.get(f"/v1/filings/{filing_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _assert_page_shows_the_verdict(page: Any, filing: dict[str, Any]) -> None:
    verdict = filing["verdict"]
    assert page.get_attribute("#verdict", "data-decision") == verdict["decision"]
    assert page.get_attribute("#status", "data-status") == filing["status"]
    shown_missing = page.locator("#verdict ul.missing li").all_inner_texts()
    assert shown_missing == [group["name"] for group in verdict["missing"]]
    open_checks = [c for c in verdict["checks"] if c["outcome"] != "pass"]
    shown = page.locator("#verdict section ul.checks li.check")
    assert shown.count() == len(open_checks)
    for i, check in enumerate(open_checks):
        assert check["message"] in shown.nth(i).inner_text()
        assert shown.nth(i).get_attribute("data-code") == check["code"]


class TestApplicantDemo:
    def test_the_page_carries_the_development_key_and_no_key_field(self, page: Any) -> None:
        assert page.get_attribute("#main", "data-app-key") == "dev-app-key"
        assert page.locator("#app-key").count() == 0
        assert page.get_attribute("#files", "capture") == "environment"
        assert page.get_attribute("#files", "accept") == "image/*,application/pdf"

    def test_the_example_button_fills_another_made_up_applicant(self, page: Any) -> None:
        first = page.input_value("#filing_type"), page.input_value("#id_number")
        page.click("#fill-example")
        second = page.input_value("#filing_type"), page.input_value("#id_number")
        assert second[0] != first[0]
        assert second[1] != first[1]
        assert len(second[1]) == 18

    def test_a_refused_filing_shows_the_problems_chinese_message(
        self, page: Any, demo: Demo
    ) -> None:
        # Wujiang insured, treated in Shanghai: a filing-free zone, refused with a `message`.
        _fill(page, demo, insured="320509")
        page.select_option("#treatment_region", "310000")
        page.click("#create")
        page.wait_for_selector("#filing-note.error")
        note = page.inner_text("#filing-note")
        with httpx.Client(base_url=demo.base, headers=_APP, timeout=30) as client:
            refused = client.post(
                "/v1/filings",
                json={
                    "applicant": {
                        "name": demo.scenario.facts.applicant_name,
                        "id_number": demo.scenario.facts.applicant_id_number,
                        "phone": page.input_value("#phone"),
                    },
                    "filing_type": demo.scenario.facts.filing_type,
                    "insured_region": "320509",
                    "treatment_region": "310000",
                    "scheme": demo.scenario.facts.scheme,
                },
            )
        assert refused.status_code == 422
        assert refused.json()["code"] == "filing.not_required"
        assert refused.json()["message"] in note
        assert not page.is_disabled("#create")
        assert page.is_disabled("#files")

    def test_file_upload_submit_then_supply_the_missing_card(self, page: Any, demo: Demo) -> None:
        _fill(page, demo)
        page.click("#create")
        page.wait_for_selector("#main[data-filing]", state="attached")
        assert page.is_disabled("#name")
        assert page.is_disabled("#submit")

        # The proof without the identity card: each photo is accepted at once.
        cards = _pick(page, demo.proof)
        assert [c.get_attribute("data-state") for c in cards] == ["ok"] * len(demo.proof)
        assert all("照片清晰" in c.inner_text() for c in cards)
        filing_id = page.get_attribute("#main", "data-filing")
        assert filing_id[:8] in page.inner_text("#filing-note")
        _submit_and_wait(page)
        documents = page.locator("li.upload")
        filing = _filing(demo, filing_id)
        assert filing["status"] == "needs_materials"
        _assert_page_shows_the_verdict(page, filing)
        assert "有效身份证件" in page.inner_text("#verdict ul.missing")
        assert page.inner_text("#verdict p.decision") == "需补充材料"
        # The reading named each document's kind on its card.
        kinds = {d["id"]: d["kind"] for d in filing["documents"]}
        for i in range(documents.count()):
            card = documents.nth(i)
            shown = card.locator(".kind").get_attribute("data-kind")
            assert shown == kinds[card.get_attribute("data-document")]

        # The card out of focus: the page says at once to photograph it again.
        (blurred,) = _pick(page, [demo.blurry])
        assert blurred.get_attribute("data-state") == "retake"
        stored = next(
            d
            for d in _filing(demo, filing_id)["documents"]
            if d["id"] == blurred.get_attribute("data-document")
        )
        problems = [p["message"] for p in stored["quality"]["problems"]]
        assert problems
        assert blurred.locator("ul.problems li").all_inner_texts() == problems
        assert blurred.locator("button.retake").is_visible()

        (sharp,) = _pick(page, [demo.identity])
        assert sharp.get_attribute("data-state") == "ok"
        assert page.inner_text("#submit") == "补充材料后重新提交"
        _submit_and_wait(page)
        filing = _filing(demo, filing_id)
        assert filing["status"] != "needs_materials"
        assert filing["verdict"]["missing"] == []
        _assert_page_shows_the_verdict(page, filing)
        assert page.locator("#verdict ul.missing").count() == 0
