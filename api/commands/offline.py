"""The service's use cases wired on an in-memory database, for ``intake verify``.

Nothing here decides anything: the filing is created by ``FilingService``, the
files are uploaded by ``SubmissionService``, read by ``AnalysisService`` and
verified by ``VerificationService`` exactly as in the service, on the real SQL
repositories over an in-memory SQLite database (so the CLI exercises the
adapters the service runs on, not a second implementation of the ports) and
an in-memory blob store. Tasks run in this thread, in the order they were
dispatched (``QueuedTaskDispatcher``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from types import TracebackType
from typing import Any, Final, Self
from zoneinfo import ZoneInfo

from api.settings import Settings
from api.tasks.handlers import IntakeTaskHandlers
from api.tasks.queued import QueuedTaskDispatcher
from intake.analysis import AnalysisService, UploadLimits
from intake.domain import Document, Filing, Principal, Role
from intake.filings import FilingService, NewFiling
from intake.pipeline import Pipeline
from intake.ports import PageReader, UnitOfWorkFactory
from intake.reverify import ReverifyService
from intake.submission import SubmissionService
from intake.verification import VerificationService
from ocr.quality import assess_quality
from storage.blobs.memory import MemoryBlobStore
from storage.crypto import Keyring
from storage.sql.memory import open_memory_database
from storage.sql.repositories import sql_unit_of_work_factory
from verifiers import PolicyBook

__all__ = ["DayClock", "OfflineIntake"]

_CHINA: Final = ZoneInfo("Asia/Shanghai")
_PRINCIPAL: Final = Principal(role=Role.APP, key_id="intake-verify")


@dataclass(frozen=True, slots=True)
class DayClock:
    """A clock stopped at noon (China) of one day: the day the filing is judged on."""

    day: date

    def now(self) -> datetime:
        return datetime.combine(self.day, time(12), tzinfo=_CHINA).astimezone(UTC)

    def today(self) -> date:
        return self.day


class OfflineIntake:
    """One filing's way through the intake use cases, held in memory for one command."""

    def __init__(self, settings: Settings, *, book: PolicyBook, clock: DayClock) -> None:
        self._settings = settings
        self._book = book
        self._clock = clock
        self._engine = open_memory_database()
        self._uow_factory: UnitOfWorkFactory = sql_unit_of_work_factory(
            self._engine, Keyring.generated()
        )
        self._blobs = MemoryBlobStore()
        self._dispatcher = QueuedTaskDispatcher()
        self._filings = FilingService(self._uow_factory, clock=clock, book=book)
        self._submission = SubmissionService(
            self._uow_factory,
            blobs=self._blobs,
            dispatcher=self._dispatcher,
            clock=clock,
            assess=assess_quality,
            limits=settings.upload_limits(),
        )

    @property
    def limits(self) -> UploadLimits:
        """The upload limits the service applies."""
        return self._submission.limits

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._engine.dispose()

    def create(self, request: NewFiling) -> Filing:
        """Create the draft filing (``FilingService.create``: the API's validation)."""
        return self._filings.create(_PRINCIPAL, request)

    def add(self, filing: Filing, data: bytes) -> Document:
        """Upload one file (``SubmissionService.add_document``); its reading is queued."""
        return self._submission.add_document(_PRINCIPAL, filing.id, data=data).document

    def verify(self, filing: Filing, *, reader: PageReader) -> dict[str, Any] | None:
        """Read the queued documents, submit the filing and verify it, as the service does.

        Returns:
            The exported verdict of the verification run, or ``None`` if none was recorded.
        """
        verification = self._verification(reader.version)
        pipeline = Pipeline(
            self._uow_factory,
            analysis=AnalysisService(
                self._uow_factory,
                blobs=self._blobs,
                assess=assess_quality,
                limits=self._settings.upload_limits(),
                reader=reader,
            ),
            verification=verification,
        )
        reverify = ReverifyService(
            self._uow_factory,
            verification=verification,
            clock=self._clock,
            engine_version=lambda: reader.version,
        )
        handlers = IntakeTaskHandlers(pipeline, reverify)
        self._dispatcher.run_pending(handlers)
        self._submission.submit(_PRINCIPAL, filing.id)
        self._dispatcher.run_pending(handlers)
        record = self._filings.get_or_raise(_PRINCIPAL, filing.id).verification
        return record.verdict if record is not None else None

    def judge(self, filing: Filing) -> dict[str, Any] | None:
        """The verdict of a filing that cannot be submitted (no documents), not recorded."""
        verdict = self._verification("").judge(filing.id)
        return verdict.export() if verdict is not None else None

    def _verification(self, engine_version: str) -> VerificationService:
        return VerificationService(
            self._uow_factory,
            book=self._book,
            clock=self._clock,
            engine_version=lambda: engine_version,
        )
