"""``/docs`` and ``/redoc`` render in headless Chromium with every other host cut off.

The browser aborts any request that leaves the server under test and records
it; Swagger UI must still list every operation and ReDoc must still render,
with nothing recorded. Playwright drives Debian's ``/usr/bin/chromium`` and
never downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from tests.fakes import FakeReader
from tests.live import serving

playwright = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("docs-browser")]

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("docs") / "var",
        api_keys=SecretStr("app:docs-browser-key"),
        task_workers=1,
    )
    with serving(create_app(settings, reader=FakeReader())) as url:
        yield url


@pytest.fixture
def offline_page(base: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to any other host are aborted and recorded."""
    if not CHROMIUM.is_file():
        pytest.skip("Debian's chromium is not installed (make chromium)")
    elsewhere: list[str] = []
    own = urlsplit(base).netloc

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True
        )
        try:
            page = browser.new_page()
            page.route("**/*", guard)
            yield page, elsewhere
        finally:
            browser.close()


def test_swagger_ui_lists_every_operation_offline(
    base: str, offline_page: tuple[Any, list[str]]
) -> None:
    page, elsewhere = offline_page
    operations = len(
        [op for item in httpx.get(f"{base}/openapi.json").json()["paths"].values() for op in item]
    )

    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)

    assert page.locator(".opblock").count() == operations
    assert elsewhere == []


def test_redoc_renders_offline(base: str, offline_page: tuple[Any, list[str]]) -> None:
    page, elsewhere = offline_page

    page.goto(f"{base}/redoc")
    # The operation's heading in the middle panel (the menu's entry may be folded away).
    page.get_by_role("heading", name="Create Filing").wait_for(timeout=30_000)

    assert elsewhere == []
