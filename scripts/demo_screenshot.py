"""Take the README's screenshot of the applicant demo page (``docs/images/demo.png``).

Starts the real app in-process on the embedded defaults (uvicorn on a free
local port, a fresh SQLite database and blob directory in a temporary
directory, the development keys, the real OCR reader), so ``/demo`` is on.
Headless Chromium (``/usr/bin/chromium``) in a phone-sized viewport then plays
an applicant: it fills the form with a made-up person of the sample
generator, picks two household-register photos and an out-of-focus photo of
the social-security card, submits, and waits for the decision. The shot shows
the uploads (with the retake guidance) and the decision, as a small palette
PNG::

    .venv/bin/python scripts/demo_screenshot.py [--out docs/images/demo.png]
"""

from __future__ import annotations

import argparse
import io
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from PIL import Image, ImageFilter
from playwright.sync_api import ViewportSize, sync_playwright

from api.app import create_app
from api.settings import Settings
from ocr.domain import DocumentKind
from samples.filings import Scenario, make_scenario, render_scenario

_CHROMIUM = "/usr/bin/chromium"
_OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "demo.png"
_PHONE: ViewportSize = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _photos(scenario: Scenario, folder: Path) -> list[Path]:
    """The scenario's photos, the identity card's thrown out of focus (JPEG, ≤ 1800 px)."""
    paths = []
    for n, (doc, (photo, _)) in enumerate(render_scenario(scenario, random.Random(scenario.id))):  # noqa: S311  # layout, not secrets
        photo.thumbnail((1800, 1800))
        if doc.kind in (DocumentKind.ID_CARD_FRONT, DocumentKind.SOCIAL_SECURITY_CARD):
            photo = photo.filter(ImageFilter.GaussianBlur(radius=3.5))
        path = folder / f"{n + 1}-{doc.kind.value}.jpg"
        photo.save(path, format="JPEG", quality=88)
        paths.append(path)
    return sorted(paths, key=lambda p: "card" in p.name)


def _play(page: Any, base: str, scenario: Scenario, photos: list[Path]) -> None:
    facts = scenario.facts
    page.goto(f"{base}/demo")
    page.wait_for_selector("html[data-demo-ready]", state="attached")
    page.select_option("#filing_type", facts.filing_type)
    page.select_option("#insured_region", facts.insured_region)
    page.select_option("#treatment_region", facts.treatment_region)
    page.select_option("#scheme", facts.scheme)
    page.fill("#name", facts.applicant_name)
    page.fill("#id_number", facts.applicant_id_number)
    page.click("#create")
    page.wait_for_selector("#main[data-filing]", state="attached")
    page.set_input_files("#files", [str(p) for p in photos])
    page.wait_for_selector(
        f'#uploads[data-pending="0"] li.upload:nth-child({len(photos)})'
        ':not([data-state="checking"])'
    )
    page.click("#submit")
    page.wait_for_selector("#verdict[data-decision]:not([hidden])", timeout=600_000)


def _shoot(page: Any, out: Path) -> None:
    """Steps 2 and 3 (the uploads and the decision), at most a phone screen and a half tall."""
    page.evaluate("() => window.scrollTo(0, 0)")  # boxes in page coordinates, as clip wants
    top = page.locator("#step-upload").bounding_box()
    bottom = page.locator("#step-submit").bounding_box()
    height = min(bottom["y"] + bottom["height"] - top["y"] + 16, _PHONE["height"] * 1.5)
    clip = {"x": 0, "y": top["y"] - 8, "width": _PHONE["width"], "height": height}
    raw = page.screenshot(type="png", full_page=True, clip=clip)
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    out.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=48, method=Image.Quantize.FASTOCTREE).save(out, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=_OUT)
    args = parser.parse_args(argv)
    scenario = make_scenario(
        pack="national", seed=3, filing_type="long_term_resident", proof="hukou"
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=None,
            blob_url=None,
            queue_url="local://",
            api_keys=None,
            demo=None,
            log_level="WARNING",
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            photos = _photos(scenario, Path(tmp))
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=_CHROMIUM, args=["--no-sandbox"], headless=True
                )
                try:
                    context = browser.new_context(viewport=_PHONE, locale="zh-CN")
                    page = context.new_page()
                    _play(page, f"http://127.0.0.1:{port}", scenario, photos)
                    _shoot(page, args.out)
                finally:
                    browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    sys.stdout.write(f"{args.out} ({args.out.stat().st_size} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
