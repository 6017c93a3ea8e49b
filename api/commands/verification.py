"""``intake verify``: decide a filing from files on disk, offline, through the service's use cases.

The options become a filing request that ``FilingService.create`` validates
as it validates the API's; each file is uploaded, read and the filing
submitted and verified by the service's own use cases, on an in-memory
database and blob store (:mod:`api.commands.offline`). Only the other filings
are missing: no duplicate photos and no multi-city history. The verdict's
evidence names each document by its file name.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from api.commands.offline import DayClock, OfflineIntake
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
from api.settings import Settings
from api.wiring import SystemClock, build_reader
from intake.domain import Filing, FilingType, Scheme
from intake.errors import InvalidApplicantError, InvalidFilingError
from intake.filings import ContactInput, NewFiling, PersonInput
from verifiers import PolicyBook, VerifierError, load_packs

__all__ = ["verify"]

_DATE_FORMATS: Final = ["%Y-%m-%d"]
_PLACEHOLDER_PHONE: Final = "13800000000"
"""A filing needs the applicant's phone; no check reads it, so ``--phone`` may be left out."""
_OPTIONS: Final[dict[str, str]] = {
    "filing_type": "--type",
    "scheme": "--scheme",
    "insured_region": "--insured",
    "treatment_region": "--treatment",
    "applicant.name": "--name",
    "applicant.id_number": "--id-number",
    "applicant.phone": "--phone",
    "contact.name": "--contact-name",
    "contact.phone": "--contact-phone",
    "contact.address": "--contact-address",
    "on_behalf_of.name": "--on-behalf-of-name",
    "on_behalf_of.id_number": "--on-behalf-of-id-number",
    "on_behalf_of.phone": "--on-behalf-of-phone",
    "commitment": "--commitment",
}
"""The filing request's field names (as intake's errors name them) and their options."""
_CHOICES: Final[dict[str, type[FilingType] | type[Scheme]]] = {
    "filing_type": FilingType,
    "scheme": Scheme,
}


def verify(
    filing_type: Annotated[
        str,
        typer.Option("--type", help=f"Filing type: {', '.join(t.value for t in FilingType)}."),
    ],
    insured: Annotated[str, typer.Option(help="Insured region code (6 digits, e.g. 321000).")],
    treatment: Annotated[str, typer.Option(help="Treatment region code (6 digits).")],
    name: Annotated[str, typer.Option(help="The applicant's name.")],
    id_number: Annotated[str, typer.Option(help="The applicant's citizen ID number.")],
    files: Annotated[
        list[Path] | None, typer.Argument(help="The filing's images or PDFs (none: no materials).")
    ] = None,
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
    phone: Annotated[
        str, typer.Option(help="The applicant's phone (no check reads it).")
    ] = _PLACEHOLDER_PHONE,
    commitment: Annotated[
        bool, typer.Option("--commitment", help="A commitment letter replaces proof.")
    ] = False,
    evoucher_verified: Annotated[
        bool,
        typer.Option(
            "--evoucher-verified",
            help="The app authenticated the applicant with the medical-insurance e-voucher.",
        ),
    ] = False,
    contact_name: Annotated[
        str | None, typer.Option(help="Contact person [default: the applicant].")
    ] = None,
    contact_phone: Annotated[
        str | None, typer.Option(help="Contact phone [default: --phone].")
    ] = None,
    contact_address: Annotated[
        str | None,
        typer.Option(help="Contact address (Yangzhou's commitment rule reads it)."),
    ] = None,
    on_behalf_of_name: Annotated[
        str | None, typer.Option(help="Filing for another person: the proxy's name.")
    ] = None,
    on_behalf_of_id_number: Annotated[
        str | None, typer.Option(help="The proxy's citizen ID number.")
    ] = None,
    on_behalf_of_phone: Annotated[
        str | None, typer.Option(help="The proxy's phone [default: --phone].")
    ] = None,
    on_behalf_of_relation: Annotated[
        str | None, typer.Option(help="The proxy's relation to the applicant.")
    ] = None,
    policy_dir: Annotated[
        Path | None,
        typer.Option(help="Policy packs to use instead of the configured ones.", file_okay=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The verdict as one JSON object.")] = (
        False
    ),
) -> None:
    """Verify a filing from files on disk, offline, and print the verdict.

    The filing is created, its files uploaded, read, submitted and verified by
    the service's use cases on an in-memory database. Options are validated as
    the API validates a filing (exit 2 on a bad one); a file the API would
    refuse is reported on stderr and nothing is decided (exit 1).
    """
    log_to_stderr()
    settings = settings_or_exit()
    applicant = PersonInput(name=name, id_number=id_number, phone=phone)
    proxy = _proxy(
        name=on_behalf_of_name,
        id_number=on_behalf_of_id_number,
        phone=on_behalf_of_phone or phone,
        relation=on_behalf_of_relation,
    )
    contact = None
    if contact_name or contact_phone or contact_address:
        contact = ContactInput(
            name=contact_name or name, phone=contact_phone or phone, address=contact_address
        )
    request = NewFiling(
        applicant=applicant,
        filing_type=filing_type.strip(),
        insured_region=insured,
        treatment_region=treatment,
        scheme=scheme.strip(),
        start_date=start.date() if start else None,
        contact=contact,
        on_behalf_of=proxy,
        commitment=commitment,
        evoucher_verified=evoucher_verified,
    )
    day = filed_on.date() if filed_on else SystemClock().today()
    exported = _decide(settings, request, files or [], day=day, policy_dir=policy_dir)
    _print(exported, as_json=as_json)


def _proxy(
    *, name: str | None, id_number: str | None, phone: str, relation: str | None
) -> PersonInput | None:
    if name is None and id_number is None and relation is None:
        return None
    if not name or not id_number:
        exit_with("--on-behalf-of-name and --on-behalf-of-id-number go together", code=EXIT_USAGE)
    return PersonInput(name=name, id_number=id_number, phone=phone, relation=relation)


def _decide(
    settings: Settings,
    request: NewFiling,
    files: list[Path],
    *,
    day: date,
    policy_dir: Path | None,
) -> dict[str, Any]:
    """Run the filing through the intake use cases and return the exported verdict."""
    book = _book(policy_dir or settings.policy_dir)
    with OfflineIntake(settings, book=book, clock=DayClock(day)) as intake:
        filing = _create(intake, request)
        names = _upload(intake, filing, files)
        try:
            if files:
                exported = intake.verify(filing, reader=build_reader(settings))
            else:
                exported = intake.judge(filing)
        except VerifierError as error:
            exit_with(str(error), code=EXIT_FAILED)
    if exported is None:
        exit_with("the filing was not verified", code=EXIT_FAILED)
    return _name_documents(exported, names)


def _book(directory: Path | None) -> PolicyBook:
    try:
        return load_packs(directory)
    except VerifierError as error:
        exit_with(str(error), code=EXIT_FAILED)


def _create(intake: OfflineIntake, request: NewFiling) -> Filing:
    """Create the filing; a request the API would refuse exits 2 naming the option."""
    try:
        return intake.create(request)
    except InvalidApplicantError as error:
        option = _OPTIONS.get(error.field, error.field)
        if error.field.endswith(".name"):
            exit_with(f"{option} must be 1 to 64 characters ({error.reason})", code=EXIT_USAGE)
        exit_with(f"{option} is not valid ({error.reason})", code=EXIT_USAGE)
    except InvalidFilingError as error:
        exit_with(_filing_error(error, request), code=EXIT_USAGE)


def _filing_error(error: InvalidFilingError, request: NewFiling) -> str:
    field = error.field or ""
    option = _OPTIONS.get(field, field)
    choice = _CHOICES.get(field)
    if choice is not None:
        value = getattr(request, field)
        allowed = ", ".join(member.value for member in choice)
        return f"{option} {value!r} is not one of: {allowed}"
    message = error.reason
    for name, flag in _OPTIONS.items():
        if "_" in name or "." in name:
            message = message.replace(name, flag)
    return message if option in message else f"{option}: {message}"


def _upload(intake: OfflineIntake, filing: Filing, files: list[Path]) -> dict[str, str]:
    """Upload every file before any reading; exit 1 listing the ones the API would refuse.

    Returns:
        The file name of each document, by document id.
    """
    limits = intake.limits
    names: dict[str, str] = {}
    bad = False
    for path in files:
        try:
            document = intake.add(filing, read_upload(path, limits=limits))
        except FILE_ERRORS as error:
            bad = True
            record = file_error_record(str(path), error)
            typer.echo(f"error: {path}: {record['error']['code']}: {error}", err=True)
            continue
        names.setdefault(str(document.id), path.name)
    if bad:
        raise typer.Exit(code=EXIT_FAILED)
    return names


def _name_documents(exported: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Cite each document by its file name instead of its id, as before the database."""
    for check in exported["checks"]:
        for cited in check["evidence"]:
            cited["document_id"] = names.get(cited["document_id"], cited["document_id"])
    return exported


def _print(exported: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(exported)
        return
    typer.echo(
        f"decision: {exported['decision']}  "
        f"(policy {exported['policy']} {exported['policy_version']})"
    )
    for check in exported["checks"]:
        typer.echo(f"  {check['outcome']:<6} {check['code']:<28} {check['message']}")
    for group in exported["missing"]:
        typer.echo(f"  missing {group['group']}: {group['name']}")
