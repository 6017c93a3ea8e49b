"""How fast the reviewer's filing page is: server time and time until every box is drawn.

Starts the real app in-process (uvicorn on a free local port, a fresh SQLite
database and blob directory in a temporary directory, the real OCR reader),
makes one filing of N documents the way an app does (the sample generator's
phone photos, uploaded through ``/v1``, read and verified by the server), signs
a reviewer in, then measures::

    .venv/bin/python scripts/bench_review_page.py --documents 6 --requests 50 --loads 10

- ``page_ms``: ``GET /review/filings/{id}`` (opening is audited), sequential,
  wall time on the loopback;
- ``image_ms``: each page image fetched without a cached copy (the page is
  derived in its reading's frame on every such fetch);
- ``browser_ms``: headless Chromium (``/usr/bin/chromium``, a fresh context
  per load, so nothing is cached), from navigation start until every page image
  has loaded and the boxes are laid over it (the page's ``data-pages-ready``).

Prints one JSON object with median, p95 and max of each.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.sync_api import sync_playwright
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from samples.filings import make_scenario, render_scenario
from storage.sql.migrate import upgrade_database

_KEYS = {"app": "bench-app-key", "reviewer": "bench-reviewer-key"}
_CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max": round(ordered[-1], 1),
    }


def _photos(count: int) -> tuple[dict[str, Any], list[bytes]]:
    """The first scenario's filing facts and ``count`` document photos (JPEG, ≤ 1800 px)."""
    photos: list[bytes] = []
    facts: dict[str, Any] = {}
    seed = 0
    while len(photos) < count:
        scenario = make_scenario(pack="national", seed=seed, filing_type="long_term_resident")
        if not facts:
            f = scenario.facts
            facts = {
                "applicant": {
                    "name": f.applicant_name,
                    "id_number": f.applicant_id_number,
                    "phone": "13812345678",
                },
                "filing_type": f.filing_type,
                "insured_region": f.insured_region,
                "treatment_region": f.treatment_region,
                "scheme": f.scheme,
            }
        for _, (photo, _) in render_scenario(scenario, random.Random(scenario.id)):  # noqa: S311  # layout, not secrets
            photo.thumbnail((1800, 1800))
            buffer = io.BytesIO()
            photo.save(buffer, format="JPEG", quality=88)
            photos.append(buffer.getvalue())
        seed += 1
    return facts, photos[:count]


def _make_filing(base: str, documents: int) -> str:
    facts, photos = _photos(documents)
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {_KEYS['app']}"}, timeout=120
    ) as client:
        filing_id = str(client.post("/v1/filings", json=facts).raise_for_status().json()["id"])
        for n, photo in enumerate(photos):
            client.post(
                f"/v1/filings/{filing_id}/documents",
                files={"file": (f"photo-{n}.jpg", photo, "image/jpeg")},
            ).raise_for_status()
        client.post(f"/v1/filings/{filing_id}/submit").raise_for_status()
        deadline = time.monotonic() + 600
        while client.get(f"/v1/filings/{filing_id}").json()["status"] == "submitted":
            if time.monotonic() > deadline:
                raise RuntimeError("the filing was not verified in time")
            time.sleep(0.5)
    return filing_id


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/review/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("no sign-in form")
    client.post("/review/login", data={"key": _KEYS["reviewer"], "csrf": token.group(1)})
    return client


def _server_times(base: str, filing_id: str, requests: int) -> dict[str, Any]:
    client = _signed_in(base)
    try:
        client.get(f"/review/filings/{filing_id}").raise_for_status()  # warm up
        pages = []
        for _ in range(requests):
            started = time.perf_counter()
            page = client.get(f"/review/filings/{filing_id}").raise_for_status()
            pages.append((time.perf_counter() - started) * 1000)
        images = []
        for url in sorted(set(re.findall(r'src="(/review/filings/[^"]+/image)"', page.text))):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            images.append((time.perf_counter() - started) * 1000)
        boxes = page.text.count("<rect ")
    finally:
        client.close()
    return {"page_ms": _stats(pages), "image_ms": _stats(images), "boxes": boxes}


def _browser_times(base: str, filing_id: str, loads: int) -> dict[str, Any]:
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(loads):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.goto(f"{base}/review/login")
                page.fill("#key", _KEYS["reviewer"])
                page.keyboard.press("Enter")
                page.wait_for_url(f"{base}/review")
                page.goto(f"{base}/review/filings/{filing_id}")
                page.wait_for_selector("html[data-pages-ready]", state="attached", timeout=60_000)
                times.append(float(page.evaluate("document.documentElement.dataset.pagesReady")))
                context.close()
        finally:
            browser.close()
    return {"browser_ms": _stats(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        keys = f"app:{_KEYS['app']},reviewer:{_KEYS['reviewer']}"
        settings = Settings(data_dir=Path(tmp), api_keys=SecretStr(keys), log_level="WARNING")
        upgrade_database(settings.database_url_resolved)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            filing_id = _make_filing(base, args.documents)
            result = {
                "documents": args.documents,
                **_server_times(base, filing_id, args.requests),
                **_browser_times(base, filing_id, args.loads),
            }
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
