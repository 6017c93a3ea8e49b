"""SQL implementations of intake's repositories and unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    ColumnElement,
    Engine,
    Table,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.domain import (
    Document,
    DocumentId,
    Filing,
    FilingId,
    FilingStatus,
    Page,
    PageFingerprint,
    StoredReading,
    VerificationRecord,
    scrubbed_verdict,
)
from intake.errors import DocumentNotFoundError, DuplicateDocumentError, FilingNotFoundError
from intake.ports import (
    AuditRepository,
    DocumentRepository,
    FilingRepository,
    FingerprintsVersion,
    IdempotencyRepository,
    JobRepository,
    ReadingRepository,
    ReviewRepository,
    VerificationRepository,
    WebhookRepository,
)
from ocr.domain import PageReading
from storage.crypto import Keyring
from storage.errors import ConstraintViolationError
from storage.sql import rows
from storage.sql.columns import json_object
from storage.sql.jobs import SqlJobRepository
from storage.sql.reviews import SqlAuditRepository, SqlReviewRepository
from storage.sql.sealing import Sealer, reading_key
from storage.sql.tables import document as document_table
from storage.sql.tables import filing as filing_table
from storage.sql.tables import idempotency_key as idempotency_table
from storage.sql.tables import page as page_table
from storage.sql.tables import reading as reading_table
from storage.sql.tables import verification as verification_table
from storage.sql.webhooks import SqlWebhookRepository


def _insert(session: Session, table: Table, values: Mapping[str, Any] | Sequence[Any]) -> None:
    try:
        session.execute(insert(table), values)
    except IntegrityError as e:
        raise ConstraintViolationError(table=table.name, detail=str(e.orig)) from e


def _insert_keeping_existing(session: Session, table: Table, values: Mapping[str, Any]) -> None:
    """Insert a row unless one with the same primary key exists (then keep that one)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - create_database_engine admits only the two above
        raise NotImplementedError(dialect)
    session.execute(statement, values)


class SqlFilingRepository:
    """Filings, one row each; the applicant's ID number is sealed and found by its hash."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def add(self, filing: Filing) -> None:
        """Insert a new filing.

        Raises:
            ConstraintViolationError: a filing with this id exists.
        """
        _insert(self._session, filing_table, rows.filing_values(filing, self._sealer))

    def get(self, filing_id: FilingId) -> Filing | None:
        row = self._session.execute(
            select(filing_table).where(filing_table.c.id == filing_id)
        ).first()
        return rows.filing_from_row(row._mapping, self._sealer) if row is not None else None

    def get_many(self, filing_ids: Sequence[FilingId]) -> list[Filing]:
        """The filings with these ids that exist, in no particular order."""
        if not filing_ids:
            return []
        query = select(filing_table).where(filing_table.c.id.in_(list(filing_ids)))
        return [
            rows.filing_from_row(r._mapping, self._sealer) for r in self._session.execute(query)
        ]

    def list_by_applicants(self, id_numbers: Sequence[str]) -> list[Filing]:
        """Every filing of these applicants (their other filings, for the long-term rules)."""
        if not id_numbers:
            return []
        query = select(filing_table).where(
            filing_table.c.applicant_id_hash.in_(
                sorted({self._sealer.lookup(n) for n in id_numbers})
            )
        )
        return [
            rows.filing_from_row(r._mapping, self._sealer) for r in self._session.execute(query)
        ]

    def update(self, filing: Filing) -> None:
        """Overwrite every column of an existing filing.

        Raises:
            FilingNotFoundError: no filing with this id.
        """
        values = rows.filing_values(filing, self._sealer)
        del values["id"]
        result = self._session.execute(
            update(filing_table).where(filing_table.c.id == filing.id).values(values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            raise FilingNotFoundError(filing.id)

    def list(
        self,
        *,
        owner: str | None = None,
        statuses: tuple[FilingStatus, ...] = (),
        limit: int = 100,
        after: FilingId | None = None,
        applicant_id_number: str | None = None,
        valid_until_before: date | None = None,
    ) -> list[Filing]:
        """Filings oldest first, optionally of one owner and in some statuses.

        Args:
            owner: only this owner's filings.
            statuses: only filings in one of these statuses (all when empty).
            limit: at most this many.
            after: continue after this filing (the last one of the previous
                page); an unknown id gives an empty page.
            applicant_id_number: only filings for this applicant.
            valid_until_before: only filings valid until a day before this one.

        Returns:
            The filings in (``created_at``, ``id``) order.
        """
        query = (
            select(filing_table).order_by(filing_table.c.created_at, filing_table.c.id).limit(limit)
        )
        if owner is not None:
            query = query.where(filing_table.c.owner == owner)
        if statuses:
            query = query.where(filing_table.c.status.in_([s.value for s in statuses]))
        if applicant_id_number is not None:
            query = query.where(
                filing_table.c.applicant_id_hash == self._sealer.lookup(applicant_id_number)
            )
        if valid_until_before is not None:
            query = query.where(filing_table.c.valid_until < valid_until_before)
        if after is not None:
            cursor = self._session.execute(
                select(filing_table.c.created_at).where(filing_table.c.id == after)
            ).scalar_one_or_none()
            if cursor is None:
                return []
            query = query.where(
                or_(
                    filing_table.c.created_at > cursor,
                    and_(filing_table.c.created_at == cursor, filing_table.c.id > after),
                )
            )
        return [
            rows.filing_from_row(r._mapping, self._sealer) for r in self._session.execute(query)
        ]


class SqlDocumentRepository:
    """Documents and their pages (rows of ``page``, replaced as a whole on update)."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def add(self, document: Document) -> None:
        """Insert a document together with its pages.

        Raises:
            DuplicateDocumentError: the filing already has these bytes.
            ConstraintViolationError: the id exists, or the filing does not.
        """
        try:
            _insert(self._session, document_table, rows.document_values(document))
        except ConstraintViolationError as e:
            # The unique (filing_id, sha256) constraint: SQLite names its columns,
            # PostgreSQL its name (uq_document_filing_id_sha256).
            if "sha256" in e.detail:
                raise DuplicateDocumentError(
                    filing_id=document.filing_id, sha256=document.sha256
                ) from e
            raise
        self._insert_pages(document)

    def _insert_pages(self, document: Document) -> None:
        if document.pages:
            values = [rows.page_values(document.id, p) for p in document.pages]
            _insert(self._session, page_table, values)

    def get(self, document_id: DocumentId) -> Document | None:
        found = self._select_documents(document_table.c.id == document_id)
        return found[0] if found else None

    def update(self, document: Document) -> None:
        """Persist status, kind, failure reason and pages of a document.

        Raises:
            DocumentNotFoundError: no document with this id.
        """
        values = rows.document_values(document)
        for immutable in ("id", "filing_id", "sha256", "created_at"):
            del values[immutable]
        result = self._session.execute(
            update(document_table).where(document_table.c.id == document.id).values(values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            raise DocumentNotFoundError(document.id)
        self._session.execute(delete(page_table).where(page_table.c.document_id == document.id))
        self._insert_pages(document)

    def list_for_filing(self, filing_id: FilingId) -> list[Document]:
        """The filing's documents, oldest first."""
        return self._select_documents(document_table.c.filing_id == filing_id)

    def list_for_filings(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, list[Document]]:
        """Each filing's documents, oldest first (two queries for any number of filings)."""
        found: dict[FilingId, list[Document]] = {i: [] for i in filing_ids}
        if filing_ids:
            for document in self._select_documents(
                document_table.c.filing_id.in_(list(filing_ids))
            ):
                found[document.filing_id].append(document)
        return found

    def find_by_sha256(self, filing_id: FilingId, sha256: str) -> Document | None:
        found = self._select_documents(
            and_(document_table.c.filing_id == filing_id, document_table.c.sha256 == sha256)
        )
        return found[0] if found else None

    def _select_documents(self, condition: ColumnElement[bool]) -> list[Document]:
        # Two queries whatever the number of documents: the rows, then all their pages.
        document_rows = self._session.execute(
            select(document_table)
            .where(condition)
            .order_by(document_table.c.created_at, document_table.c.id)
        ).all()
        if not document_rows:
            return []
        ids = [r.id for r in document_rows]
        pages: dict[Any, list[Page]] = {i: [] for i in ids}
        page_rows = self._session.execute(
            select(page_table)
            .where(page_table.c.document_id.in_(ids))
            .order_by(page_table.c.number)
        )
        for r in page_rows:
            pages[r.document_id].append(rows.page_from_row(r._mapping))
        return [rows.document_from_row(r._mapping, pages=pages[r.id]) for r in document_rows]

    def fingerprints(self, *, exclude_filing: FilingId | None = None) -> list[PageFingerprint]:
        """Hashes of every stored page, for duplicate detection across filings.

        Args:
            exclude_filing: leave out this filing's own pages.
        """
        query = (
            select(
                document_table.c.filing_id,
                page_table.c.document_id,
                filing_table.c.applicant_id_sealed,
                page_table.c.number,
                page_table.c.image_sha256,
                page_table.c.phash,
            )
            .select_from(page_table.join(document_table).join(filing_table))
            .order_by(document_table.c.filing_id, page_table.c.document_id, page_table.c.number)
        )
        query = query.where(page_table.c.image_sha256 != "")
        if exclude_filing is not None:
            query = query.where(document_table.c.filing_id != exclude_filing)
        return [
            PageFingerprint(
                filing_id=FilingId(r.filing_id),
                document_id=DocumentId(r.document_id),
                applicant_id_number=self._sealer.open_text(
                    "filing", "applicant_id_sealed", r.filing_id, r.applicant_id_sealed
                )
                or "",
                page_number=r.number,
                image_sha256=r.image_sha256,
                phash=r.phash,
            )
            for r in self._session.execute(query)
        ]

    def delete_for_filing(self, filing_id: FilingId) -> list[str]:
        """Delete a filing's documents with their pages; return the blob keys they held."""
        documents = self.list_for_filing(filing_id)
        keys = [d.sha256 for d in documents] + [
            p.image_sha256 for d in documents for p in d.pages if p.has_image
        ]
        if documents:
            self._session.execute(
                delete(document_table).where(document_table.c.filing_id == filing_id)
            )
        return keys

    def fingerprints_version(self) -> FingerprintsVersion:
        """Changes whenever a page is stored, removed or given its image.

        Returns:
            (pages, pages with their image, newest document time).
        """
        pages, imaged = self._session.execute(
            select(
                func.count(),
                func.count(case((page_table.c.image_sha256 != "", 1))),
            ).select_from(page_table)
        ).one()
        newest = self._session.execute(select(func.max(document_table.c.created_at))).scalar()
        return int(pages), int(imaged), newest

    def referenced_blobs(self) -> set[str]:
        """Every blob key (SHA-256) that a document or page row points at."""
        query = union(
            select(document_table.c.sha256),
            select(page_table.c.image_sha256).where(page_table.c.image_sha256 != ""),
        )
        return set(self._session.execute(query).scalars())


class SqlReadingRepository:
    """The reading cache, keyed by (page image SHA-256, engine version); readings are sealed."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def _open(self, image_sha256: str, engine_version: str, stored: Any) -> PageReading:
        key = reading_key(image_sha256, engine_version)
        return PageReading.from_dict(
            json_object(self._sealer.open_document("reading", "reading", key, stored))
        )

    def get(self, image_sha256: str, engine_version: str) -> StoredReading | None:
        stored = self._session.execute(
            select(reading_table.c.reading).where(
                reading_table.c.image_sha256 == image_sha256,
                reading_table.c.engine_version == engine_version,
            )
        ).scalar_one_or_none()
        if stored is None:
            return None
        return StoredReading(
            image_sha256=image_sha256,
            engine_version=engine_version,
            reading=self._open(image_sha256, engine_version, stored),
        )

    def get_many(self, keys: Sequence[str], engine_version: str) -> dict[str, StoredReading]:
        """The stored readings of these keys for one engine version, by key."""
        found: dict[str, StoredReading] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 1000):
            result = self._session.execute(
                select(reading_table.c.image_sha256, reading_table.c.reading).where(
                    reading_table.c.engine_version == engine_version,
                    reading_table.c.image_sha256.in_(unique[start : start + 1000]),
                )
            )
            for key, stored in result:
                found[key] = StoredReading(
                    image_sha256=key,
                    engine_version=engine_version,
                    reading=self._open(key, engine_version, stored),
                )
        return found

    def put(self, reading: StoredReading) -> None:
        """Store a reading; storing the same key again keeps the first."""
        _insert_keeping_existing(
            self._session,
            reading_table,
            {
                "image_sha256": reading.image_sha256,
                "engine_version": reading.engine_version,
                "reading": self._sealer.document(
                    "reading",
                    "reading",
                    reading_key(reading.image_sha256, reading.engine_version),
                    reading.reading.export(),
                ),
            },
        )

    def replace(self, reading: StoredReading) -> None:
        """Store a reading in place of the one under the same key (a page read again)."""
        self._session.execute(
            delete(reading_table).where(
                reading_table.c.image_sha256 == reading.image_sha256,
                reading_table.c.engine_version == reading.engine_version,
            )
        )
        self.put(reading)

    def delete(self, keys: Sequence[str]) -> None:
        """Delete every engine version's reading of these page keys."""
        if keys:
            self._session.execute(
                delete(reading_table).where(reading_table.c.image_sha256.in_(sorted(set(keys))))
            )


class SqlVerificationRepository:
    """Verification runs: rows are added, never updated or deleted."""

    def __init__(self, session: Session, sealer: Sealer) -> None:
        self._session = session
        self._sealer = sealer

    def add(self, record: VerificationRecord) -> None:
        """Append a run.

        Raises:
            ConstraintViolationError: a run with this id exists (runs are never overwritten).
        """
        _insert(self._session, verification_table, rows.verification_values(record, self._sealer))

    def latest(self, filing_id: FilingId) -> VerificationRecord | None:
        """The most recent run of the filing (by ``created_at``), if any."""
        row = self._session.execute(
            select(verification_table)
            .where(verification_table.c.filing_id == filing_id)
            .order_by(verification_table.c.created_at.desc(), verification_table.c.id.desc())
            .limit(1)
        ).first()
        return rows.verification_from_row(row._mapping, self._sealer) if row is not None else None

    def latest_for(self, filing_ids: Sequence[FilingId]) -> dict[FilingId, VerificationRecord]:
        """The most recent run of each of these filings that has one."""
        found: dict[FilingId, VerificationRecord] = {}
        if not filing_ids:
            return found
        v = verification_table
        newest = (
            select(v.c.filing_id, func.max(v.c.created_at).label("at"))
            .where(v.c.filing_id.in_(list(filing_ids)))
            .group_by(v.c.filing_id)
            .subquery()
        )
        result = self._session.execute(
            select(v)
            .join(newest, and_(v.c.filing_id == newest.c.filing_id, v.c.created_at == newest.c.at))
            .order_by(v.c.id)
        )
        for r in result:
            record = rows.verification_from_row(r._mapping, self._sealer)
            found[record.filing_id] = record
        return found

    def scrub(self, filing_id: FilingId) -> None:
        """Remove the values read from documents from a filing's runs (retention)."""
        for record in self.list_for_filing(filing_id):
            self._session.execute(
                update(verification_table)
                .where(verification_table.c.id == record.id)
                .values(
                    verdict=self._sealer.document(
                        "verification", "verdict", record.id, scrubbed_verdict(record.verdict)
                    )
                )
            )

    def list_for_filing(self, filing_id: FilingId) -> list[VerificationRecord]:
        """Every run for the filing, oldest first."""
        result = self._session.execute(
            select(verification_table)
            .where(verification_table.c.filing_id == filing_id)
            .order_by(verification_table.c.created_at, verification_table.c.id)
        )
        return [rows.verification_from_row(r._mapping, self._sealer) for r in result]


@dataclass(slots=True, kw_only=True)
class SqlIdempotencyRecord:
    """A stored response to a request made with an ``Idempotency-Key``."""

    request_hash: str
    status_code: int
    body: dict[str, Any]


class SqlIdempotencyRepository:
    """Responses stored by (owner, Idempotency-Key)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, *, owner: str, key: str) -> SqlIdempotencyRecord | None:
        row = self._session.execute(
            select(
                idempotency_table.c.request_hash,
                idempotency_table.c.status_code,
                idempotency_table.c.body,
            ).where(idempotency_table.c.owner == owner, idempotency_table.c.key == key)
        ).first()
        if row is None:
            return None
        return SqlIdempotencyRecord(
            request_hash=row.request_hash,
            status_code=row.status_code,
            body=json_object(row.body),
        )

    def put(
        self,
        *,
        owner: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: dict[str, Any],
        created_at: datetime,
    ) -> None:
        """Store a response; when two requests race on one key, the first stored wins.

        Callers compare ``request_hash`` on :meth:`get` to detect a key reused
        for a different request.
        """
        _insert_keeping_existing(
            self._session,
            idempotency_table,
            {
                "owner": owner,
                "key": key,
                "request_hash": request_hash,
                "status_code": status_code,
                "body": body,
                "created_at": created_at,
            },
        )


class SqlUnitOfWork:
    """One database transaction with its repositories.

    A new ``Session`` is opened on entering the block; leaving it without
    :meth:`commit` rolls everything back.
    """

    # Typed as the ports: a Protocol's attributes are invariant.
    filings: FilingRepository
    documents: DocumentRepository
    readings: ReadingRepository
    verifications: VerificationRepository
    idempotency: IdempotencyRepository
    reviews: ReviewRepository
    audit: AuditRepository
    jobs: JobRepository
    webhooks: WebhookRepository

    def __init__(self, engine: Engine, keyring: Keyring) -> None:
        self._engine = engine
        self._sealer = Sealer(keyring)
        self._session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        session = Session(self._engine, expire_on_commit=False, autoflush=False)
        self._session = session
        self.filings = SqlFilingRepository(session, self._sealer)
        self.documents = SqlDocumentRepository(session, self._sealer)
        self.readings = SqlReadingRepository(session, self._sealer)
        self.verifications = SqlVerificationRepository(session, self._sealer)
        self.idempotency = SqlIdempotencyRepository(session)
        self.reviews = SqlReviewRepository(session, self._sealer)
        self.audit = SqlAuditRepository(session)
        self.jobs = SqlJobRepository(session)
        self.webhooks = SqlWebhookRepository(session, self._sealer)
        self._after_commit = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._require_session()
        self._after_commit = []
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        """Commit the work done so far, then run the after-commit actions; stays usable."""
        self._require_session().commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        """Discard the work, and the after-commit actions, since the last commit."""
        self._after_commit = []
        self._require_session().rollback()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` after the next successful :meth:`commit`."""
        self._require_session()
        self._after_commit.append(action)

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._session


def sql_unit_of_work_factory(engine: Engine, keyring: Keyring) -> Callable[[], SqlUnitOfWork]:
    """A factory of units of work on ``engine``, for the use cases' ``UnitOfWorkFactory``.

    Args:
        engine: from :func:`storage.sql.engine.create_database_engine`.
        keyring: seals and opens the personal columns.

    Returns:
        A callable returning a fresh, not yet entered, unit of work.
    """

    def open_unit_of_work() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, keyring)

    return open_unit_of_work
