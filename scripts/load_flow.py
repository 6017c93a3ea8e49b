"""Sustained load: apps create a filing, upload photos, submit and poll, for minutes on end.

Run against a server started with ``make run`` (or ``intake serve``)::

    .venv/bin/python scripts/load_flow.py --minutes 5 --users 4

Each virtual user loops: create a filing, upload two ~3 MB phone photos
(distinct bytes), submit, then poll the filing until verification has moved
it on. At the end every document answered ``201`` is fetched again, to prove
that nothing accepted was lost. Prints one JSON object: uploads per second
sustained, p50/p99 latency per step, the error rate and the lost documents.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from typing import Any

import httpx

from intake.identity import fake_id_number

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from load_upload import _base_image, _variant  # the same photo maker


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[str] = Counter()
        self.accepted: list[tuple[str, str]] = []
        self.uploads = 0
        self.errors = 0
        self.requests = 0

    def record(self, step: str, started: float, response: httpx.Response | None) -> None:
        self.requests += 1
        self.latency[step].append((time.perf_counter() - started) * 1000)
        status = response.status_code if response is not None else "error"
        self.statuses[f"{step} {status}"] += 1
        if response is None or response.status_code >= 500:
            self.errors += 1


async def _call(
    stats: Stats, step: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError:
        stats.record(step, started, None)
        return None
    stats.record(step, started, response)
    return response


async def _user(
    number: int, client: httpx.AsyncClient, stats: Stats, deadline: float, photos: list[bytes]
) -> None:
    rng = random.Random(number)  # noqa: S311  # fake people, not secrets
    counter = number * 1_000_000
    while time.monotonic() < deadline:
        body = {
            "applicant": {"name": "测试", "id_number": fake_id_number(rng), "phone": "13812345678"},
            "filing_type": "other_temporary",
            "insured_region": "321002",
            "treatment_region": "310115",
            "scheme": "employee",
        }
        created = await _call(stats, "create", client, "POST", "/v1/filings", json=body)
        if created is None or created.status_code != 201:
            continue
        filing_id = created.json()["id"]
        for _ in range(2):
            counter += 1
            photo = photos[counter % len(photos)] + counter.to_bytes(8, "big")  # distinct bytes
            response = await _call(
                stats,
                "upload",
                client,
                "POST",
                f"/v1/filings/{filing_id}/documents",
                files={"file": ("photo.jpg", photo, "image/jpeg")},
            )
            if response is not None and response.status_code == 201:
                stats.uploads += 1
                stats.accepted.append((filing_id, response.json()["id"]))
        await _call(stats, "submit", client, "POST", f"/v1/filings/{filing_id}/submit")
        for _ in range(600):
            if time.monotonic() >= deadline:
                break
            polled = await _call(stats, "poll", client, "GET", f"/v1/filings/{filing_id}")
            moved_on = polled is not None and polled.status_code == 200
            if moved_on and polled is not None and polled.json()["status"] != "submitted":
                break
            await asyncio.sleep(1.0)


async def run(*, base_url: str, key: str, minutes: float, users: int) -> dict[str, Any]:
    base = _base_image(width=2800, height=2100, seed=1)
    photos = [_variant(base, i) for i in range(8)]
    stats = Stats()
    headers = {"Authorization": f"Bearer {key}"}
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout) as client:
        started = time.monotonic()
        deadline = started + minutes * 60
        await asyncio.gather(*(_user(n, client, stats, deadline, photos) for n in range(users)))
        elapsed = time.monotonic() - started
        lost = []
        for filing_id, document_id in stats.accepted:
            again = await client.get(f"/v1/filings/{filing_id}/documents/{document_id}")
            if again.status_code != 200:
                lost.append(document_id)

    def percentiles(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "count": len(ordered),
        }

    return {
        "minutes": round(elapsed / 60, 2),
        "users": users,
        "uploads_per_s": round(stats.uploads / elapsed, 3),
        "steps": {step: percentiles(values) for step, values in stats.latency.items()},
        "error_rate": round(stats.errors / max(stats.requests, 1), 4),
        "statuses": dict(stats.statuses),
        "accepted_documents": len(stats.accepted),
        "lost_documents": len(lost),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default="dev-app-key")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=4)
    args = parser.parse_args()
    report = asyncio.run(
        run(base_url=args.url, key=args.key, minutes=args.minutes, users=args.users)
    )
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 1 if report["lost_documents"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
