"""``intake read``, ``intake eval`` and ``intake samples``: the OCR reader from the command line.

The record shape of ``read`` and the scoring of ``eval`` are the OCR
package's own (``ocr.cli.document_records``, ``ocr.evaluation.evaluate_corpus``);
these commands add the service's upload limits, error codes and settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands.output import (
    EXIT_FAILED,
    FILE_ERRORS,
    file_error_record,
    log_to_stderr,
    print_json,
    read_upload,
    settings_or_exit,
)
from api.wiring import build_reader
from intake.analysis import UploadLimits
from intake.identity import mask_id_number
from intake.ports import PageReader
from ocr.cli import document_records
from ocr.domain import DocumentKind
from ocr.evaluation import evaluate_corpus
from ocr.images import SNIFF_BYTES, PageImage, decode_image, load_pages, sniff_file_type

__all__ = ["evaluate", "read", "samples"]

_TABLE_HEADER = (
    f"{'file':<28} {'page':>4} {'#':>2} {'kind':<22} {'conf':>5}  {'quality':<14} fields"
)


def _load_pages(data: bytes, *, limits: UploadLimits) -> list[PageImage]:
    """Decode an image or PDF into pages, as ``ocr.reader.Reader.read_file`` does.

    Raises:
        FileError: The file is not a readable image or PDF, or breaks a limit.
    """
    file_type = sniff_file_type(data[:SNIFF_BYTES])
    return load_pages(
        data, file_type=file_type, max_pixels=limits.max_pixels, max_pages=limits.max_pages
    )


def read(
    files: Annotated[list[Path], typer.Argument(help="Images (JPEG, PNG, WebP, HEIC) or PDFs.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per document, one per line.")
    ] = False,
) -> None:
    """Read files with the OCR reader: every document found, its kind, fields and seals.

    A file that cannot be read is reported (with --json as {file, error: {code,
    detail}}) and the others are still read; the exit code is then 1.
    """
    log_to_stderr()
    settings = settings_or_exit()
    limits = settings.upload_limits()
    reader: PageReader | None = None
    failed = False
    if not as_json:
        typer.echo(_TABLE_HEADER)
    for path in files:
        try:
            pages = _load_pages(read_upload(path, limits=limits), limits=limits)
        except FILE_ERRORS as error:
            failed = True
            record = file_error_record(str(path), error)
            if as_json:
                print_json(record)
            else:
                typer.echo(f"{path!s:<28} error {record['error']['code']}: {error}")
            continue
        # The models load once, and only when there is a page worth reading.
        reader = reader or build_reader(settings)
        readings = [
            reader.read_page(page.image, page=page.number, text_layer=page.text_layer)
            for page in pages
        ]
        for record in document_records(str(path), readings):
            if as_json:
                print_json(record)
            else:
                typer.echo(_table_row(record))
    if failed:
        raise typer.Exit(code=EXIT_FAILED)


def _table_row(record: dict[str, Any]) -> str:
    quality = record["quality"]
    problems = ",".join(p["code"] for p in quality["problems"]) or "?"
    shown = "ok" if quality["ok"] else problems
    fields = []
    for name, found in record["fields"].items():
        value = str(found["value"])
        # The table is for eyes and terminals; the JSON output carries the full number.
        fields.append(f"{name}={mask_id_number(value) if name == 'id_number' else value}")
    return (
        f"{record['file']!s:<28} {record['page']:>4} {record['index']:>2} "
        f"{record['kind']:<22} {record['kind_confidence']:>5.2f}  {shown:<14} {' '.join(fields)}"
    )


def evaluate(
    directory: Annotated[
        Path,
        typer.Argument(help="A corpus written by `intake samples`.", exists=True, file_okay=False),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="The full report as one JSON line.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Score only the first N pages.", min=1)] = None,
) -> None:
    """Accuracy of reading against the ground truth beside each image."""
    log_to_stderr()
    reader = build_reader(settings_or_exit())
    report = evaluate_corpus(
        directory,
        read_page=reader.read_page,
        load=lambda path: decode_image(path.read_bytes()),
        limit=limit,
    )
    if as_json:
        print_json(report)
        return
    timing = report["timing"]
    typer.echo(f"pages {report['pages']}, documents {report['documents']}")
    typer.echo(f"kind accuracy   {_rate(report['kind_accuracy'])}")
    typer.echo(f"unknown recall  {_rate(report['unknown_recall'])}")
    typer.echo(f"dates exact     {_rate(report['dates_exact'])}")
    typer.echo(f"character error {_rate(report['cer'])}")
    typer.echo(f"seal recall     {_rate(report['seals']['recall'])}")
    for name, scores in report["fields"].items():
        typer.echo(f"  {name:<16} {_rate(scores['rate'])}  ({scores['exact']}/{scores['total']})")
    typer.echo(f"median {timing['median_s']} s/page, p95 {timing['p95_s']} s/page")


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def samples(
    out_dir: Annotated[Path, typer.Argument(help="Where NNNN.jpg and NNNN.json go.")],
    count: Annotated[int, typer.Option(help="How many photos.", min=1)] = 20,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    kind: Annotated[
        list[DocumentKind] | None,
        typer.Option(help="Only these document kinds (repeatable)."),
    ] = None,
    difficulty: Annotated[
        str, typer.Option(help="Photo effects: easy, normal or hard.")
    ] = "normal",
) -> None:
    """Write synthetic documents (fake people) with a ground-truth JSON beside each image."""
    # The generator pulls in fonts and renderers; only this command needs them.
    from samples.generate import generate_corpus

    log_to_stderr()
    if difficulty not in ("easy", "normal", "hard"):
        raise typer.BadParameter("must be easy, normal or hard", param_hint="--difficulty")
    paths = generate_corpus(out_dir, count=count, seed=seed, kinds=kind, difficulty=difficulty)
    typer.echo(f"{len(paths)} samples written to {out_dir}")
