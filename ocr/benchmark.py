"""``bench read``: our full reading against the bare RapidOCR call, side by side.

Both run on the same decoded pages in one invocation, with 1 and 2 worker
processes. Each worker holds both engines (loaded once) and reads every page
with both, alternating which goes first, so load from other processes falls
on both alike. The report gives median and p95 seconds per page, pages per
second, the character error rate of each against the corpus's ground truth,
and the peak RSS of a fresh process holding one engine. Our reading uses
``2 // workers`` intra-op threads per worker; the bare call keeps RapidOCR's
defaults (all cores).
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
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

# Both engines per worker process, built by the pool's initializer.
_worker: dict[str, Any] = {}


def _start_worker(threads: int) -> None:
    _worker["ours"] = Reader(RapidOcrEngine(threads=threads)).read_page
    _worker["bare"] = BareRapidOcr().read


def _read_both(task: tuple[str, bool]) -> dict[str, Any]:
    """Read one page with both; the order alternates so warm caches favour neither."""
    path, ours_first = task
    image = decode_image(Path(path).read_bytes())
    result: dict[str, Any] = {}
    for mode in ("ours", "bare") if ours_first else ("bare", "ours"):
        started = time.perf_counter()
        read = _worker[mode](image)
        result[mode] = time.perf_counter() - started
        if mode == "ours":
            result["ours_text"] = "".join(
                compact(line.text) for doc in read.documents for line in doc.lines
            )
        else:
            result["bare_text"] = ordered_text((line.text, line.bounds) for line in read)
    return result


def _peak_rss(mode: str, path: str, threads: int) -> float:
    """Peak RSS (MiB) of a fresh process holding one engine after reading ``path``."""
    if mode == "ours":
        Reader(RapidOcrEngine(threads=threads)).read_page(decode_image(Path(path).read_bytes()))
    else:
        BareRapidOcr().read(decode_image(Path(path).read_bytes()))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _summary(
    seconds: list[float], texts: list[str], truths: list[str], wall: float
) -> dict[str, Any]:
    ordered = sorted(seconds)
    errors = sum(character_errors(t, r) for t, r in zip(truths, texts, strict=True) if t)
    chars = sum(len(t) for t in truths)
    return {
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 3),
        "pages_per_s": round(len(ordered) / wall, 3),
        "cer": round(errors / chars, 4) if chars else None,
    }


def _run(
    paths: list[Path], truths: list[str], *, workers: int, on_page: Callable[[], None]
) -> dict[str, Any]:
    threads = max(1, _CORES // workers)
    tasks = [(str(p), i % 2 == 0) for i, p in enumerate(paths)]
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_start_worker, initargs=(threads,)
    ) as pool:
        # Warm every worker (model load, first-run allocations) before the clock starts.
        list(pool.map(_read_both, tasks[:workers]))
        started = time.perf_counter()
        results = []
        for result in pool.map(_read_both, tasks):
            results.append(result)
            on_page()
        wall = time.perf_counter() - started
    # Each page was read by both, so the wall clock is shared: pages/s per engine
    # counts only that engine's share of it.
    ours_total = sum(r["ours"] for r in results)
    bare_total = sum(r["bare"] for r in results)
    share = ours_total / (ours_total + bare_total)
    ours = _summary(
        [r["ours"] for r in results], [r["ours_text"] for r in results], truths, wall * share
    )
    bare = _summary(
        [r["bare"] for r in results], [r["bare_text"] for r in results], truths, wall * (1 - share)
    )
    return {
        "ours": ours | {"threads_per_worker": threads},
        "bare": bare | {"threads_per_worker": "default"},
        "median_ratio": round(ours["median_s"] / bare["median_s"], 3),
    }


def _nothing() -> None:
    pass


def benchmark_reading(
    directory: Path,
    *,
    limit: int | None = None,
    workers: list[int] | None = None,
    on_page: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Time our reading and the bare engine on the same pages.

    Args:
        directory: A generated corpus (images with ground-truth JSON).
        limit: Use only the first pages.
        workers: Worker-process counts to run (default 1 and 2).
        on_page: Called after each page is read by both, in every run (a progress bar's step).

    Returns:
        ``{"pages": N, "runs": {"1": {"ours": {...}, "bare": {...}, "speedup": x}, ...}}``.
    """
    pages = corpus_pages(directory, limit=limit)
    paths = [path for path, _ in pages]
    truths = [
        "".join(compact(t) for d in truth["documents"] for t in d.get("text", ()))
        for _, truth in pages
    ]
    runs: dict[str, Any] = {
        str(count): _run(paths, truths, workers=count, on_page=on_page or _nothing)
        for count in workers or [1, 2]
    }
    with ProcessPoolExecutor(max_workers=1) as pool:
        rss = {
            mode: round(pool.submit(_peak_rss, mode, str(paths[0]), _CORES).result(), 1)
            for mode in ("ours", "bare")
        }
    return {"pages": len(paths), "directory": str(directory), "runs": runs, "peak_rss_mib": rss}
