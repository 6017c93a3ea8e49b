"""``intake bench read``, ``upload``, ``review``, ``reverify``, ``blobs``: benchmarks, as JSON."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Annotated, Final

import httpx
import typer

from api.commands.output import EXIT_FAILED, EXIT_USAGE, exit_with, log_to_stderr, print_json
from api.commands.progress import progress_bar
from api.commands.reading import require_corpus

__all__ = ["app"]

app = typer.Typer(help="Benchmarks, printed as one JSON object.", no_args_is_help=True)

_LOAD_SCRIPT: Final = Path(__file__).resolve().parents[2] / "scripts" / "load_upload.py"


@app.command("read")
def bench_read(
    directory: Annotated[
        Path,
        typer.Argument(help="A corpus written by `intake samples`.", exists=True, file_okay=False),
    ],
    limit: Annotated[int | None, typer.Option(help="Only the first N pages.", min=1)] = None,
    workers: Annotated[
        list[int] | None, typer.Option(help="Worker counts to measure (repeatable).", min=1)
    ] = None,
) -> None:
    """Reading speed and accuracy of our reader against the bare OCR engine."""
    log_to_stderr()
    # Imported here: the benchmark starts its own engine processes; no other command needs it.
    from ocr.benchmark import benchmark_reading

    pages = require_corpus(directory, limit=limit)
    counts = workers or [1, 2]
    # Each page is read by both engines once per worker count.
    with progress_bar("bench read", total=pages * len(counts), unit="pages") as steps:
        report = benchmark_reading(directory, limit=limit, workers=counts, on_page=steps.advance)
    print_json(report)


@app.command("upload")
def bench_upload(
    url: Annotated[str, typer.Option(help="Base URL of a running `intake serve`.")] = (
        "http://127.0.0.1:8000"
    ),
    count: Annotated[int, typer.Option(help="How many uploads.", min=1)] = 20,
    key: Annotated[str, typer.Option(help="An app-role API key.")] = "dev-app-key",
    width: Annotated[int, typer.Option(help="Photo width in pixels.", min=64)] = 2800,
    height: Annotated[int, typer.Option(help="Photo height in pixels.", min=64)] = 2100,
) -> None:
    """Upload acceptance latency (median, p95) for ~3 MB photos against a running server."""
    if not _LOAD_SCRIPT.is_file():
        exit_with(f"{_LOAD_SCRIPT} is missing (run from a source checkout)", code=EXIT_USAGE)
    # The load script stays a standalone script; run its module body and call its entry.
    script = runpy.run_path(str(_LOAD_SCRIPT), run_name="load_upload")
    try:
        report = script["run"](base_url=url, key=key, count=count, width=width, height=height)
    except httpx.HTTPError as error:
        exit_with(f"{url}: {error}", code=EXIT_FAILED)
    print_json(report)


@app.command("review")
def bench_review(
    filings: Annotated[int, typer.Option(help="Filings to generate (3 in 4 waiting).", min=1)] = (
        10_000
    ),
    requests: Annotated[int, typer.Option(help="Requests per queue filter.", min=1)] = 100,
    database: Annotated[
        str | None,
        typer.Option(help="Database URL (migrated first); a temporary SQLite file if omitted."),
    ] = None,
) -> None:
    """Latency of the reviewers' queue (p50, p95 per filter) with N filings stored."""
    log_to_stderr()
    from api.commands.review_bench import benchmark_review_queue

    with progress_bar("bench review", total=None, unit="filings") as steps:
        report = benchmark_review_queue(
            filings=filings, requests=requests, database_url=database, steps=steps
        )
    print_json(report)


@app.command("reverify")
def bench_reverify(
    filings: Annotated[int, typer.Option(help="Filings to generate.", min=1)] = 10_000,
    database: Annotated[
        str | None,
        typer.Option(help="Database URL (migrated first); a temporary SQLite file if omitted."),
    ] = None,
    seed: Annotated[int, typer.Option(help="The generator's seed.")] = 20261129,
    reread: Annotated[
        bool,
        typer.Option(help="Read pages again on 1 and 2 Celery workers instead (pages per s)."),
    ] = False,
    pages: Annotated[int, typer.Option(help="Photos to read again with --reread.", min=1)] = 24,
    queue: Annotated[
        str, typer.Option(help="The broker for --reread's workers.")
    ] = "redis://127.0.0.1:6379/12",
) -> None:
    """Bulk re-verification: filings per second from cached readings, or with --reread
    pages per second read again by 1 and by 2 Celery worker processes (one OCR thread each)."""
    log_to_stderr()
    from api.commands.reverify_bench import benchmark_reread, benchmark_reverify

    if reread:
        print_json(benchmark_reread(pages=pages, queue_url=queue, seed=seed))
        return
    with progress_bar("bench reverify", total=None, unit="filings") as steps:
        report = benchmark_reverify(filings=filings, database_url=database, seed=seed, steps=steps)
    print_json(report)


@app.command("blobs")
def bench_blobs(
    count: Annotated[int, typer.Option(help="Blobs per measurement.", min=1)] = 50,
    size_kib: Annotated[int, typer.Option(help="Size of each blob in KiB.", min=1)] = 3072,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to put the temporary store (the disk measured)."),
    ] = None,
) -> None:
    """Local blob store with envelope encryption: put/get MB/s, reseal blobs per second."""
    log_to_stderr()
    from api.commands.blob_bench import benchmark_blobs

    print_json(benchmark_blobs(count=count, size_kib=size_kib, directory=directory))
