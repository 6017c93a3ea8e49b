"""Upload latency under load: one filing, N uploads of a ~3 MB JPEG, distinct bytes each.

Run against a server started with ``make run``::

    .venv/bin/python scripts/load_upload.py --count 20

Prints one JSON object: the upload acceptance latency (request sent to
response received, including the synchronous type, decode and quality
checks) as median and p95 in milliseconds, with the statuses seen.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from typing import Any

import cv2
import httpx
import numpy as np
import numpy.typing as npt


def _base_image(*, width: int, height: int, seed: int) -> npt.NDArray[np.uint8]:
    """A textured page photo: paper with text lines on grain, which JPEG cannot squeeze much."""
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 235, dtype=np.uint8)
    for y in range(150, height - 150, 80):
        cv2.putText(
            image,
            "ABCD 1234 EFGH 5678 WXYZ",
            (120, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            2.2,
            (30, 30, 30),
            4,
        )
    grain = rng.normal(0, 14, size=image.shape)
    return np.clip(image.astype(np.float64) + grain, 0, 255).astype(np.uint8)


def _variant(base: npt.NDArray[np.uint8], index: int) -> bytes:
    image = base.copy()
    image[10:14, 10 + 4 * index : 14 + 4 * index] = index % 256
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(encoded.tobytes())


def _id_with_checksum(first17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    return (
        first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
    )


def _filing() -> dict[str, Any]:
    return {
        "applicant": {
            "name": "张三",
            "id_number": _id_with_checksum("32100219800101001"),
            "phone": "13812345678",
        },
        "filing_type": "long_term_resident",
        "insured_region": "321000",
        "treatment_region": "310000",
        "scheme": "employee",
    }


def run(*, base_url: str, key: str, count: int, width: int, height: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    base = _base_image(width=width, height=height, seed=1)
    payloads = [_variant(base, i) for i in range(count)]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        created = client.post("/v1/filings", json=_filing())
        created.raise_for_status()
        filing_id = created.json()["id"]
        for data in payloads:
            started = time.perf_counter()
            response = client.post(
                f"/v1/filings/{filing_id}/documents",
                files={"file": ("page.jpg", data, "image/jpeg")},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] += 1
    p95 = (
        statistics.quantiles(latencies, n=20, method="inclusive")[18] if count > 1 else latencies[0]
    )
    return {
        "uploads": count,
        "image": f"{width}x{height}",
        "bytes_mean": round(statistics.fmean(len(p) for p in payloads)),
        "median_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(latencies), 1),
        "statuses": dict(statuses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default="dev-app-key")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--width", type=int, default=2800)
    parser.add_argument("--height", type=int, default=2100)
    args = parser.parse_args()
    result = run(
        base_url=args.base_url, key=args.key, count=args.count, width=args.width, height=args.height
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
