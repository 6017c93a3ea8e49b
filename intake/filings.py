"""Filings: create one with a validated applicant, find it, list them.

Visibility: a key with the ``app`` role sees and changes only the filings it
created (the filing's ``owner`` is that key's non-secret id); reviewers and
admins see every filing. A filing the caller may not see is reported as not
found, so a key cannot probe for other apps' filing ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, TypeVar

import structlog

from intake.domain import (
    Applicant,
    Contact,
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Principal,
    Proxy,
    ReviewDecision,
    Scheme,
    VerificationRecord,
)
from intake.errors import (
    FilingNotFoundError,
    FilingNotRequiredError,
    InvalidApplicantError,
    InvalidFilingError,
    InvalidIdNumberError,
    InvalidPhoneError,
)
from intake.identity import normalise_id_number, normalise_phone, validate_region_code
from intake.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ocr.domain import PageReading
from verifiers import PolicyBook, find_filing_free_zone

__all__ = [
    "COMMITMENT_TYPES",
    "ContactInput",
    "FilingDetails",
    "FilingService",
    "NewFiling",
    "PersonInput",
    "visible_filing_or_raise",
]

log = structlog.get_logger(__name__)

COMMITMENT_TYPES: Final[frozenset[FilingType]] = frozenset(
    {FilingType.RETIREE_RESETTLED, FilingType.LONG_TERM_RESIDENT, FilingType.STATIONED_WORKER}
)
"""Long-term filing types, the only ones a commitment letter may stand in for proof."""

_MAX_NAME_LENGTH: Final = 64
_MAX_ADDRESS_LENGTH: Final = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonInput:
    """A person as the client sent it, before validation."""

    name: str
    id_number: str
    phone: str
    relation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactInput:
    name: str
    phone: str
    address: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFiling:
    """A request to create a filing, as the client sent it (strings not yet validated)."""

    applicant: PersonInput
    filing_type: str
    insured_region: str
    treatment_region: str
    scheme: str
    start_date: date | None = None
    contact: ContactInput | None = None
    on_behalf_of: PersonInput | None = None
    commitment: bool = False
    evoucher_verified: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FilingDetails:
    """A filing with its documents and its latest verification run, if any."""

    filing: Filing
    documents: list[Document]
    verification: VerificationRecord | None
    readings: dict[DocumentId, list[PageReading]]
    """Each analysed document's page readings (from the reading cache)."""
    review: ReviewDecision | None = None
    """The latest reviewer's decision, if a person decided the filing."""


def page_readings(
    uow: UnitOfWork, documents: Sequence[Document], version: str
) -> dict[DocumentId, list[PageReading | None]]:
    """Each document's cached page readings for a reader version, in page order.

    One query for all the pages (``None`` for a page not read with that version).
    """
    keys = [d.reading_key(p) for d in documents for p in d.pages]
    stored = uow.readings.get_many(keys, version)
    return {
        d.id: [found.reading if (found := stored.get(d.reading_key(p))) else None for p in d.pages]
        for d in documents
    }


def visible_filing_or_raise(uow: UnitOfWork, principal: Principal, filing_id: FilingId) -> Filing:
    """Load a filing the caller may see.

    Args:
        uow: An open unit of work.
        principal: The caller.
        filing_id: The filing asked for.

    Returns:
        The filing.

    Raises:
        FilingNotFoundError: No such filing, or it belongs to another app key.
    """
    filing = uow.filings.get(filing_id)
    if filing is None or not (principal.sees_all or filing.owner == principal.key_id):
        raise FilingNotFoundError(filing_id)
    return filing


class FilingService:
    """Create, find and list filings."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock,
        book: PolicyBook | None = None,
        reader_version: Callable[[], str] | None = None,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._book = book
        self._reader_version = reader_version
        self._new_id = new_id

    def create(self, principal: Principal, request: NewFiling) -> Filing:
        """Validate a filing request and store the filing as a draft owned by the caller.

        Args:
            principal: The caller; its key id becomes the owner.
            request: The filing as the client sent it.

        Returns:
            The stored filing.

        Raises:
            InvalidApplicantError: A name, ID number, phone or region code is invalid
                (the subclass and ``field`` say which).
            InvalidFilingError: The request breaks a filing rule (unknown type or
                scheme, same insured and treatment region, commitment not allowed,
                a proxy filing for themselves).
            FilingNotRequiredError: The treatment region lies in the insured
                person's pooling area or a filing-free zone of their pack.
        """
        today = self._clock.today()
        filing_type = _enum(FilingType, request.filing_type, field="filing_type")
        filing = Filing(
            id=FilingId(self._new_id()),
            owner=principal.key_id,
            applicant=_applicant(request.applicant, today=today),
            filing_type=filing_type,
            insured_region=validate_region_code(request.insured_region, field="insured_region"),
            treatment_region=validate_region_code(
                request.treatment_region, field="treatment_region"
            ),
            scheme=_enum(Scheme, request.scheme, field="scheme"),
            start_date=request.start_date or today,
            filed_on=today,
            created_at=self._clock.now(),
            updated_at=self._clock.now(),
            contact=_contact(request.contact),
            on_behalf_of=_proxy(request.on_behalf_of, today=today),
            commitment=request.commitment,
            evoucher_verified=request.evoucher_verified,
        )
        _check_rules(filing)
        self._check_filing_needed(filing)
        with self._uow_factory() as uow:
            uow.filings.add(filing)
            uow.commit()
        log.info(
            "intake.filing.created",
            filing_id=str(filing.id),
            filing_type=filing.filing_type.value,
            owner=filing.owner,
        )
        return filing

    def get_or_raise(self, principal: Principal, filing_id: FilingId) -> FilingDetails:
        """Load a filing with its documents and latest verification.

        Args:
            principal: The caller.
            filing_id: The filing asked for.

        Returns:
            The filing's details.

        Raises:
            FilingNotFoundError: No such filing, or the caller may not see it.
        """
        with self._uow_factory() as uow:
            filing = visible_filing_or_raise(uow, principal, filing_id)
            documents = uow.documents.list_for_filing(filing_id)
            return FilingDetails(
                filing=filing,
                documents=documents,
                verification=uow.verifications.latest(filing_id),
                readings=self._readings(uow, documents),
                review=next(reversed(uow.reviews.decisions(filing_id)), None),
            )

    def readings_of(self, document: Document) -> list[PageReading]:
        """The cached page readings of one document (empty until it is read)."""
        with self._uow_factory() as uow:
            return self._readings(uow, [document]).get(document.id, [])

    def verifications(self, principal: Principal, filing_id: FilingId) -> list[VerificationRecord]:
        """Every verification run of a filing the caller may see, oldest first.

        Raises:
            FilingNotFoundError: No such filing, or the caller may not see it.
        """
        with self._uow_factory() as uow:
            visible_filing_or_raise(uow, principal, filing_id)
            return uow.verifications.list_for_filing(filing_id)

    def filing_free_zone(self, insured_region: str, treatment_region: str) -> str | None:
        """Name why treatment there needs no filing, if it needs none.

        Treatment inside the insured person's own pooling area (统筹区, by
        default the city: a Wujiang insured treated in Gusu) or inside one of
        the pack's filing-free zones needs no filing.

        Returns:
            The pooling area (参保地统筹区（苏州市）) or the zone's name; ``None``
            when a filing is needed.

        Raises:
            InvalidRegionCodeError: A region code is malformed.
        """
        insured = validate_region_code(insured_region, field="insured_region")
        treatment = validate_region_code(treatment_region, field="treatment_region")
        if self._book is None:
            return None
        pack = self._book.for_region(insured)
        zone = find_filing_free_zone(insured, treatment, pack, regions=self._book.regions)
        return zone.name if zone else None

    def _check_filing_needed(self, filing: Filing) -> None:
        zone = self.filing_free_zone(filing.insured_region, filing.treatment_region)
        if zone is not None:
            raise FilingNotRequiredError(zone=zone)

    def _readings(
        self, uow: UnitOfWork, documents: list[Document]
    ) -> dict[DocumentId, list[PageReading]]:
        if self._reader_version is None:
            return {}
        found = page_readings(uow, documents, self._reader_version())
        return {d: [r for r in pages if r is not None] for d, pages in found.items()}

    def list(
        self,
        principal: Principal,
        *,
        statuses: tuple[FilingStatus, ...] = (),
        limit: int = 50,
        after: FilingId | None = None,
    ) -> list[Filing]:
        """List the filings the caller may see, in the repository's stable order.

        Args:
            principal: The caller; an app key sees only its own filings.
            statuses: Only filings in one of these statuses (all when empty).
            limit: At most this many.
            after: Continue after this filing id (the last one of the previous page).

        Returns:
            Up to ``limit`` filings.
        """
        owner = None if principal.sees_all else principal.key_id
        with self._uow_factory() as uow:
            return uow.filings.list(owner=owner, statuses=statuses, limit=limit, after=after)


_E = TypeVar("_E", FilingType, Scheme)


def _enum(kind: type[_E], value: str, *, field: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidFilingError(f"unknown {field} {value!r}", field=field) from None


def _name(value: str, *, field: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidApplicantError(field, "empty")
    if len(name) > _MAX_NAME_LENGTH:
        raise InvalidApplicantError(field, "too_long")
    return name


def _applicant(person: PersonInput, *, today: date) -> Applicant:
    return Applicant(
        name=_name(person.name, field="applicant.name"),
        id_number=_id_number(person.id_number, today=today, field="applicant.id_number"),
        phone=_phone(person.phone, field="applicant.phone"),
    )


def _proxy(person: PersonInput | None, *, today: date) -> Proxy | None:
    if person is None:
        return None
    return Proxy(
        name=_name(person.name, field="on_behalf_of.name"),
        id_number=_id_number(person.id_number, today=today, field="on_behalf_of.id_number"),
        phone=_phone(person.phone, field="on_behalf_of.phone"),
        relation=(person.relation or "").strip() or None,
    )


def _contact(contact: ContactInput | None) -> Contact | None:
    if contact is None:
        return None
    address = " ".join((contact.address or "").split()) or None
    if address is not None and len(address) > _MAX_ADDRESS_LENGTH:
        raise InvalidApplicantError("contact.address", "too_long")
    return Contact(
        name=_name(contact.name, field="contact.name"),
        phone=_phone(contact.phone, field="contact.phone"),
        address=address,
    )


def _id_number(value: str, *, today: date, field: str) -> str:
    try:
        return normalise_id_number(value, today=today)
    except InvalidIdNumberError as error:
        raise InvalidIdNumberError(error.reason, field=field) from None


def _phone(value: str, *, field: str) -> str:
    try:
        return normalise_phone(value)
    except InvalidPhoneError as error:
        raise InvalidPhoneError(error.reason, field=field) from None


def _check_rules(filing: Filing) -> None:
    if filing.insured_region == filing.treatment_region:
        raise InvalidFilingError(
            "treatment_region must differ from insured_region", field="treatment_region"
        )
    if filing.commitment and filing.filing_type not in COMMITMENT_TYPES:
        raise InvalidFilingError(
            f"a commitment letter is not accepted for {filing.filing_type.value}",
            field="commitment",
        )
    proxy = filing.on_behalf_of
    if proxy is not None and proxy.id_number == filing.applicant.id_number:
        raise InvalidFilingError(
            "on_behalf_of names the applicant; leave it out when filing for oneself",
            field="on_behalf_of.id_number",
        )
