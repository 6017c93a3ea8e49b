"""``intake verify``: decide a filing from files on disk, offline, the way the service does.

The path is the service's: each file is normalised into page JPEGs
(``intake.analysis.normalise_pages``), each page JPEG is decoded and read, the
readings become evidence keyed by the file name, and ``verifiers.verify_filing``
decides with the loaded policy packs. Only the database is missing: there are
no other filings, so no duplicate photos and no multi-city history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Final, TypeVar

import typer

from api.commands.output import (
    EXIT_FAILED,
    EXIT_USAGE,
    FILE_ERRORS,
    exit_with,
    file_error_record,
    log_to_stderr,
    print_json,
    read_upload,
    settings_or_exit,
)
from api.wiring import SystemClock, build_reader
from intake.analysis import NormalisedPage, UploadLimits, normalise_pages
from intake.domain import FilingType, Scheme
from intake.errors import InvalidApplicantError
from intake.filings import COMMITMENT_TYPES
from intake.identity import normalise_id_number, validate_region_code
from intake.ports import PageReader
from ocr.images import SNIFF_BYTES, decode_image, pdf_text_layers, sniff_file_type
from ocr.quality import assess_quality
from verifiers import (
    Evidence,
    FilingFacts,
    VerifierError,
    evidence_from_page,
    load_packs,
    verify_filing,
)

__all__ = ["verify"]

_E = TypeVar("_E", FilingType, Scheme)
_MAX_NAME_LENGTH: Final = 64
_DATE_FORMATS: Final = ["%Y-%m-%d"]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Upload:
    name: str
    data: bytes
    pages: list[NormalisedPage]


def verify(
    files: Annotated[list[Path], typer.Argument(help="The filing's images or PDFs.")],
    filing_type: Annotated[
        str,
        typer.Option("--type", help=f"Filing type: {', '.join(t.value for t in FilingType)}."),
    ],
    insured: Annotated[str, typer.Option(help="Insured region code (6 digits, e.g. 321000).")],
    treatment: Annotated[str, typer.Option(help="Treatment region code (6 digits).")],
    name: Annotated[str, typer.Option(help="The applicant's name.")],
    id_number: Annotated[str, typer.Option(help="The applicant's citizen ID number.")],
    start: Annotated[
        datetime | None,
        typer.Option(formats=_DATE_FORMATS, help="Start of treatment [default: --filed-on]."),
    ] = None,
    filed_on: Annotated[
        datetime | None,
        typer.Option(
            formats=_DATE_FORMATS,
            help="The day the filing was made; date rules are judged as of it "
            "[default: today in China].",
        ),
    ] = None,
    scheme: Annotated[str, typer.Option(help="Insurance scheme: employee or resident.")] = (
        "employee"
    ),
    commitment: Annotated[
        bool, typer.Option("--commitment", help="A commitment letter replaces proof.")
    ] = False,
    policy_dir: Annotated[
        Path | None,
        typer.Option(help="Policy packs to use instead of the configured ones.", file_okay=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The verdict as one JSON object.")] = (
        False
    ),
) -> None:
    """Verify a filing from files on disk, offline, and print the verdict.

    Arguments are validated as the API validates them (exit 2 on a bad one); a
    file that cannot be read is reported on stderr and nothing is decided (exit 1).
    """
    log_to_stderr()
    settings = settings_or_exit()
    today = SystemClock().today()
    day = filed_on.date() if filed_on else today
    facts = _facts(
        filing_type=filing_type,
        insured=insured,
        treatment=treatment,
        name=name,
        id_number=id_number,
        scheme=scheme,
        start_date=start.date() if start else day,
        filed_on=day,
        commitment=commitment,
        today=today,
    )
    try:
        book = load_packs(policy_dir or settings.policy_dir)
    except VerifierError as error:
        exit_with(str(error), code=EXIT_FAILED)
    limits = settings.upload_limits()
    uploads = _load_uploads(files, limits=limits)
    reader = build_reader(settings)
    evidence = [item for upload in uploads for item in _file_evidence(reader, upload)]
    try:
        verdict = verify_filing(facts, evidence, book_or_pack=book)
    except VerifierError as error:
        exit_with(str(error), code=EXIT_FAILED)
    exported = verdict.export()
    if as_json:
        print_json(exported)
        return
    typer.echo(
        f"decision: {exported['decision']}  (policy {verdict.policy} {verdict.policy_version})"
    )
    for check in exported["checks"]:
        typer.echo(f"  {check['outcome']:<6} {check['code']:<28} {check['message']}")
    for group in exported["missing"]:
        typer.echo(f"  missing {group['group']}: {group['name']}")


def _facts(
    *,
    filing_type: str,
    insured: str,
    treatment: str,
    name: str,
    id_number: str,
    scheme: str,
    start_date: date,
    filed_on: date,
    commitment: bool,
    today: date,
) -> FilingFacts:
    """Validate the options like ``intake.filings.FilingService.create``; exit 2 on a bad one."""
    kind = _choice(FilingType, filing_type, option="--type")
    scheme_value = _choice(Scheme, scheme, option="--scheme")
    try:
        insured_code = validate_region_code(insured, field="--insured")
        treatment_code = validate_region_code(treatment, field="--treatment")
        id_value = normalise_id_number(id_number, today=today)
    except InvalidApplicantError as error:
        field = "--id-number" if error.field == "id_number" else error.field
        exit_with(f"{field} is not valid ({error.reason})", code=EXIT_USAGE)
    applicant = " ".join(name.split())
    if not applicant or len(applicant) > _MAX_NAME_LENGTH:
        exit_with(f"--name must be 1 to {_MAX_NAME_LENGTH} characters", code=EXIT_USAGE)
    if insured_code == treatment_code:
        exit_with("--treatment must differ from --insured", code=EXIT_USAGE)
    if commitment and kind not in COMMITMENT_TYPES:
        exit_with(f"--commitment is not accepted for {kind.value}", code=EXIT_USAGE)
    return FilingFacts(
        filing_type=kind.value,
        insured_region=insured_code,
        treatment_region=treatment_code,
        scheme=scheme_value.value,
        start_date=start_date,
        filed_on=filed_on,
        applicant_name=applicant,
        applicant_id_number=id_value,
        commitment=commitment,
    )


def _choice(kind: type[_E], value: str, *, option: str) -> _E:
    try:
        return kind(value.strip())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        exit_with(f"{option} {value!r} is not one of: {allowed}", code=EXIT_USAGE)


def _load_uploads(files: list[Path], *, limits: UploadLimits) -> list[_Upload]:
    """Check and normalise every file before any OCR; exit 1 listing the bad ones."""
    uploads: list[_Upload] = []
    bad = False
    for path in files:
        try:
            data = read_upload(path, limits=limits)
            file_type = sniff_file_type(data[:SNIFF_BYTES])
            pages = normalise_pages(data, file_type=file_type, limits=limits, assess=assess_quality)
        except FILE_ERRORS as error:
            bad = True
            record = file_error_record(str(path), error)
            typer.echo(f"error: {path}: {record['error']['code']}: {error}", err=True)
            continue
        uploads.append(_Upload(name=path.name, data=data, pages=pages))
    if bad:
        raise typer.Exit(code=EXIT_FAILED)
    return uploads


def _file_evidence(reader: PageReader, upload: _Upload) -> list[Evidence]:
    """Read a file's normalised pages and turn them into evidence named by the file.

    As in ``intake.analysis``: the page read is the stored normalised JPEG, and a
    PDF page's text layer comes from the original.
    """
    text_layers = pdf_text_layers(upload.data)
    evidence: list[Evidence] = []
    for normalised in upload.pages:
        page = normalised.page
        reading = reader.read_page(
            decode_image(normalised.jpeg),
            page=page.number,
            text_layer=text_layers.get(page.number),
            quality=page.quality,
        )
        evidence.extend(
            evidence_from_page(
                upload.name, reading, image_sha256=page.image_sha256, phash=page.phash
            )
        )
    return evidence
