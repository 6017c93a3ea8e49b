"""``bench read``: our full reading against the bare RapidOCR call, side by side.

Both run on the same decoded pages in one invocation, with 1 and 2 worker
processes. Each worker loads its engine once and times every page itself;
the report gives median and p95 seconds per page, pages per second over the
wall clock, each worker's peak RSS, and the character error rate of each
against the corpus's ground truth when it is there. Our reading uses
``2 // workers`` intra-op threads per worker; the bare call keeps RapidOCR's
defaults (all cores).
"""

from __future__ import annotations

import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Final

from ocr.engines.rapid import BareRapidOcr, RapidOcrEngine
from ocr.evaluation import character_errors, corpus_pages, ordered_text
from ocr.images import decode_image
from ocr.layout import compact
from ocr.reader import Reader

__all__ = ["benchmark_reading"]

_CORES: Final = 2

# One engine per worker process, built by the pool's initializer.
_worker: dict[str, Any] = {}


def _start_worker(mode: str, threads: int) -> None:
    if mode == "ours":
        _worker["read"] = Reader(RapidOcrEngine(threads=threads)).read_page
    else:
        _worker["read"] = BareRapidOcr().read
    _worker["mode"] = mode


def _read_one(path: str) -> tuple[float, str, int]:
    image = decode_image(Path(path).read_bytes())
    started = time.perf_counter()
    result = _worker["read"](image)
    seconds = time.perf_counter() - started
    if _worker["mode"] == "ours":
        text = "".join(compact(line.text) for doc in result.documents for line in doc.lines)
    else:
        text = ordered_text((line.text, line.bounds) for line in result)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, text, peak_kib


def _run(mode: str, paths: list[Path], truths: list[str], *, workers: int) -> dict[str, Any]:
    threads = max(1, _CORES // workers)
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(mode, threads)
    ) as pool:
        # Warm every worker (model load) before the clock starts.
        list(pool.map(_read_one, [str(paths[0])] * workers))
        started = time.perf_counter()
        results = list(pool.map(_read_one, [str(p) for p in paths]))
        wall = time.perf_counter() - started
    seconds = sorted(r[0] for r in results)
    errors = sum(character_errors(t, r[1]) for t, r in zip(truths, results, strict=True) if t)
    chars = sum(len(t) for t in truths)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "p95_s": round(seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))], 3),
        "pages_per_s": round(len(paths) / wall, 3),
        "peak_rss_mib": round(max(r[2] for r in results) / 1024, 1),
        "cer": round(errors / chars, 4) if chars else None,
        "threads_per_worker": threads if mode == "ours" else "default",
    }


def benchmark_reading(
    directory: Path, *, limit: int | None = None, workers: list[int] | None = None
) -> dict[str, Any]:
    """Time our reading and the bare engine on the same pages.

    Args:
        directory: A generated corpus (images with ground-truth JSON).
        limit: Use only the first pages.
        workers: Worker-process counts to run (default 1 and 2).

    Returns:
        ``{"pages": N, "runs": {"1": {"ours": {...}, "bare": {...}, "speedup": x}, ...}}``.
    """
    pages = corpus_pages(directory, limit=limit)
    paths = [path for path, _ in pages]
    truths = [
        "".join(compact(t) for d in truth["documents"] for t in d.get("text", ()))
        for _, truth in pages
    ]
    runs: dict[str, Any] = {}
    for count in workers or [1, 2]:
        ours = _run("ours", paths, truths, workers=count)
        bare = _run("bare", paths, truths, workers=count)
        runs[str(count)] = {
            "ours": ours,
            "bare": bare,
            "median_ratio": round(ours["median_s"] / bare["median_s"], 3),
        }
    return {"pages": len(paths), "directory": str(directory), "runs": runs}
