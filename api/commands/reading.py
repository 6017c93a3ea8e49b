"""``intake read``, ``intake eval`` and ``intake samples``: the OCR reader from the command line.

The record shape of ``read`` and the scoring of ``eval`` are the OCR
package's own (``ocr.cli.document_records``, ``ocr.evaluation.evaluate_corpus``);
these commands add the service's upload limits, error codes and settings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.cells import cell_len

from api.commands.output import (
    EXIT_FAILED,
    EXIT_USAGE,
    FILE_ERRORS,
    exit_with,
    file_error_record,
    json_text,
    log_to_stderr,
    print_json,
    read_upload,
    settings_or_exit,
)
from api.commands.progress import progress_bar
from api.wiring import build_reader
from intake.analysis import UploadLimits
from intake.identity import mask_id_number
from intake.ports import PageReader
from ocr.cli import document_records
from ocr.domain import DocumentKind
from ocr.evaluation import corpus_pages, evaluate_corpus
from ocr.images import SNIFF_BYTES, PageImage, decode_image, load_pages, sniff_file_type
from ocr.quality import PROBLEM_MESSAGES

__all__ = ["evaluate", "read", "require_corpus", "samples"]

# Column widths in terminal cells: a Chinese character takes two.
_KIND_WIDTH: Final = max(len(kind.value) for kind in DocumentKind)
# Room for the longest problem code and a "+N" for the problems that do not fit.
_QUALITY_WIDTH: Final = max(len(code) for code in PROBLEM_MESSAGES) + 3
_SAMPLE_FILE: Final = re.compile(r"\d{4}\.(jpg|json)")


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
    file_width = max(cell_len("file"), *(cell_len(str(path)) for path in files))
    if not as_json:
        typer.echo(_table_header(file_width))
    with progress_bar("reading", total=len(files), unit="files") as steps:
        for path in files:
            try:
                pages = _load_pages(read_upload(path, limits=limits), limits=limits)
            except FILE_ERRORS as error:
                failed = True
                record = file_error_record(str(path), error)
                code = record["error"]["code"]
                steps.echo(
                    json_text(record)
                    if as_json
                    else f"{_pad(str(path), file_width)} error {code}: {error}"
                )
                steps.advance()
                continue
            # The models load once, and only when there is a page worth reading.
            reader = reader or build_reader(settings)
            readings = [
                reader.read_page(page.image, page=page.number, text_layer=page.text_layer)
                for page in pages
            ]
            for record in document_records(str(path), readings):
                steps.echo(
                    json_text(record) if as_json else _table_row(record, file_width=file_width)
                )
            steps.advance()
    if failed:
        raise typer.Exit(code=EXIT_FAILED)


def _pad(text: str, width: int) -> str:
    """``text`` filling ``width`` terminal cells (CJK characters are two cells wide)."""
    return text + " " * max(width - cell_len(text), 0)


def _table_header(file_width: int) -> str:
    return (
        f"{_pad('file', file_width)} {'page':>4} {'#':>2} {_pad('kind', _KIND_WIDTH)} "
        f"{'conf':>5}  {_pad('quality', _QUALITY_WIDTH)} fields"
    )


def _quality_cell(quality: dict[str, Any]) -> str:
    """``ok``, or the problem codes that fit the column and ``+N`` for the rest."""
    if quality["ok"]:
        return "ok"
    codes: list[str] = [str(p["code"]) for p in quality["problems"]] or ["?"]
    shown = codes[0]
    for count, code in enumerate(codes[1:], start=1):
        rest = len(codes) - count - 1
        longer = f"{shown},{code}"
        if cell_len(longer) + (len(f" +{rest}") if rest else 0) > _QUALITY_WIDTH:
            return f"{shown} +{len(codes) - count}"
        shown = longer
    return shown


def _table_row(record: dict[str, Any], *, file_width: int) -> str:
    fields = []
    for name, found in record["fields"].items():
        value = str(found["value"])
        # The table is for eyes and terminals; the JSON output carries the full number.
        fields.append(f"{name}={mask_id_number(value) if name == 'id_number' else value}")
    return (
        f"{_pad(str(record['file']), file_width)} {record['page']:>4} {record['index']:>2} "
        f"{_pad(record['kind'], _KIND_WIDTH)} {record['kind_confidence']:>5.2f}  "
        f"{_pad(_quality_cell(record['quality']), _QUALITY_WIDTH)} {' '.join(fields)}"
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
    pages = require_corpus(directory, limit=limit)
    reader = build_reader(settings_or_exit())
    with progress_bar("scoring", total=pages, unit="pages") as steps:
        report = evaluate_corpus(
            directory,
            read_page=reader.read_page,
            load=lambda path: decode_image(path.read_bytes()),
            limit=limit,
            on_page=steps.advance,
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


def require_corpus(directory: Path, *, limit: int | None) -> int:
    """The number of pages with ground truth in ``directory``; a one-line error if none."""
    pages = len(corpus_pages(directory, limit=limit))
    if not pages:
        exit_with(
            f"{directory} holds no ground truth (an NNNN.json beside each image); "
            "write a corpus with `intake samples DIR` first",
            code=EXIT_USAGE,
        )
    return pages


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
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that holds files: its earlier NNNN.jpg and NNNN.json "
            "samples are deleted first, other files are left.",
        ),
    ] = False,
) -> None:
    """Write synthetic documents (fake people) with a ground-truth JSON beside each image.

    The folder must be empty or new (or --force given), so one folder holds one set.
    The documents are drawn with Chinese fonts found through fontconfig.
    """
    # The generator pulls in fonts and renderers; only this command needs them.
    from samples.errors import SamplesError
    from samples.fonts import FAMILIES, find_face
    from samples.generate import generate_corpus

    log_to_stderr()
    if difficulty not in ("easy", "normal", "hard"):
        raise typer.BadParameter("must be easy, normal or hard", param_hint="--difficulty")
    _check_out_dir(out_dir, force=force)
    try:
        for family in FAMILIES:
            find_face(family)
    except SamplesError as error:
        exit_with(str(error), code=EXIT_FAILED)
    if force:
        _delete_earlier_samples(out_dir)
    with progress_bar("writing samples", total=count, unit="photos") as steps:
        paths = generate_corpus(
            out_dir,
            count=count,
            seed=seed,
            kinds=kind,
            difficulty=difficulty,
            on_page=steps.advance,
        )
    typer.echo(f"{len(paths)} samples written to {out_dir}")


def _check_out_dir(out_dir: Path, *, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        exit_with(f"{out_dir} is a file, not a folder", code=EXIT_USAGE)
    if not force and out_dir.is_dir() and any(out_dir.iterdir()):
        exit_with(
            f"{out_dir} is not empty; choose a new folder, or add --force to replace "
            "the samples in it",
            code=EXIT_USAGE,
        )


def _delete_earlier_samples(out_dir: Path) -> None:
    """Delete an earlier set's ``NNNN.jpg``/``NNNN.json``, so two sets never mix."""
    if out_dir.is_dir():
        for path in out_dir.iterdir():
            if path.is_file() and _SAMPLE_FILE.fullmatch(path.name):
                path.unlink()
