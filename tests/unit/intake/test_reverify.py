"""Bulk re-verification on an in-memory SQLite: dry runs, real runs, resume, poison, cancel."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from intake.domain import (
    FilingId,
    FilingStatus,
    JobFilter,
    JobId,
    JobItemStatus,
    JobStatus,
    Principal,
    Role,
)
from intake.errors import InvalidJobError
from intake.reverify import ReverifyService
from intake.verification import VerificationService
from samples.filings import make_scenario
from storage.crypto import Keyring
from storage.sql import sql_unit_of_work_factory
from storage.sql.memory import open_memory_database
from tests.unit.intake.test_verification import ENGINE, _clock_on, _store_scenario
from verifiers import PolicyBook, load_packs
from verifiers.policy import POLICIES_DIR

ADMIN = Principal(role=Role.ADMIN, key_id="ops")
TYPES = ("referral", "other_temporary", "stationed_worker", "referral", "other_temporary")


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return load_packs()


@dataclass
class World:
    uow_factory: object
    verification: VerificationService
    filings: list[FilingId]
    clock: object
    sent: list[tuple[JobId, list[FilingId]]]

    def service(
        self, *, run: bool = True, reread: Callable[[FilingId], object] | None = None
    ) -> ReverifyService:
        service = ReverifyService(
            self.uow_factory,  # type: ignore[arg-type]
            verification=self.verification,
            clock=self.clock,  # type: ignore[arg-type]
            engine_version=lambda: ENGINE,
            batch_size=2,
            reread=reread,
        )

        def dispatch(job_id: JobId, filing_ids: list[FilingId]) -> None:
            self.sent.append((job_id, filing_ids))
            if run:
                service.run_batch(job_id, filing_ids)

        service.set_dispatch(dispatch)
        return service

    def status(self, filing_id: FilingId) -> FilingStatus:
        with self.uow_factory() as uow:  # type: ignore[operator]
            filing = uow.filings.get(filing_id)
        assert filing is not None
        return filing.status  # type: ignore[no-any-return]

    def runs(self, filing_id: FilingId) -> list[dict[str, object]]:
        with self.uow_factory() as uow:  # type: ignore[operator]
            return [r.verdict for r in uow.verifications.list_for_filing(filing_id)]


@pytest.fixture
def world(book: PolicyBook) -> Iterator[World]:
    engine = open_memory_database()
    factory = sql_unit_of_work_factory(engine, Keyring.generated())
    holder = SimpleNamespace(uow_factory=factory)
    filings = []
    clock = None
    for seed, filing_type in enumerate(TYPES, start=40):
        scenario = make_scenario(pack="national", seed=seed, filing_type=filing_type, book=book)
        clock = clock or _clock_on(scenario.facts.filed_on)
        filings.append(_store_scenario(holder, scenario, owner="app").id)  # type: ignore[arg-type]
    assert clock is not None
    verification = VerificationService(
        factory, book=book, clock=clock, engine_version=lambda: ENGINE
    )
    for filing_id in filings:
        verification.verify_filing(filing_id)
    yield World(factory, verification, filings, clock, [])
    engine.dispose()


@pytest.fixture
def stricter(tmp_path: Path) -> str:
    """The bundled packs, with other temporary treatment asking for a referral form too."""
    directory = tmp_path / "candidate"
    shutil.copytree(POLICIES_DIR, directory)
    national = directory / "national.yaml"
    data = yaml.safe_load(national.read_text(encoding="utf-8"))
    data["version"] = "2026.candidate"
    data["filing_types"]["other_temporary"]["groups"]["referral_proof"] = {
        "name": "转诊转院证明",
        "any_of": ["referral_form"],
    }
    national.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(directory)


def _start(service: ReverifyService, **kwargs: object) -> JobId:
    job = service.start(ADMIN, where=kwargs.pop("where", JobFilter()), **kwargs)  # type: ignore[arg-type]
    return job.id


class TestDryRun:
    def test_a_tightened_rule_changes_exactly_its_filings_and_nothing_is_stored(
        self, world: World, stricter: str
    ) -> None:
        before = {f: (world.status(f), len(world.runs(f))) for f in world.filings}
        assert {s for s, _ in before.values()} == {FilingStatus.APPROVED}
        service = world.service()
        job_id = _start(service, policy_dir=stricter, dry_run=True)
        progress = service.progress(job_id)
        assert progress.job.status is JobStatus.DONE
        assert (progress.done, progress.failed, progress.pending) == (5, 0, 0)
        assert progress.changed == 2
        assert progress.transitions == {"approve → needs_materials": 2, "approve → approve": 3}
        assert progress.by_type["other_temporary"] == {"approve → needs_materials": 2}
        changed = service.changes(job_id)
        assert {c.filing_type for c in changed} == {"other_temporary"}
        # The dry run changed no filing and stored no verification.
        assert {f: (world.status(f), len(world.runs(f))) for f in world.filings} == before

    def test_a_candidate_that_does_not_load_is_refused(self, world: World, tmp_path: Path) -> None:
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "national.yaml").write_text("id: national\nversion: x\n", encoding="utf-8")
        service = world.service()
        with pytest.raises(InvalidJobError):
            _start(service, policy_dir=str(bad), dry_run=True)
        with pytest.raises(InvalidJobError):
            _start(service, policy_dir=str(tmp_path / "missing"), dry_run=True)
        assert world.sent == []


class TestRealRun:
    def test_each_filing_gets_one_new_run_and_moves_through_the_workflow(
        self, world: World, stricter: str
    ) -> None:
        service = world.service()
        job_id = _start(service, policy_dir=stricter)
        progress = service.progress(job_id)
        assert progress.done == 5
        for filing_id in world.filings:
            runs = world.runs(filing_id)
            # The clock stands still, so compare the runs as a set: the first, and this job's.
            assert sorted(str(r.get("job_id", "")) for r in runs) == ["", str(job_id)]
        moved = {world.status(f) for f in world.filings}
        # What was granted is never withdrawn by the machine: a person looks at it.
        assert moved == {FilingStatus.APPROVED, FilingStatus.NEEDS_REVIEW}
        # Delivered again (a retried task): nothing is done twice.
        for batch_job, filing_ids in list(world.sent):
            assert service.run_batch(batch_job, filing_ids) == 0
        assert all(len(world.runs(f)) == 2 for f in world.filings)

    def test_filings_under_review_or_claimed_are_reported_not_moved(
        self, world: World, stricter: str
    ) -> None:
        first, second = world.filings[1], world.filings[4]  # both other_temporary
        with world.uow_factory() as uow:  # type: ignore[operator]
            filing = uow.filings.get(first)
            filing.status = FilingStatus.NEEDS_REVIEW
            uow.filings.update(filing)
            now = world.clock.now()  # type: ignore[attr-defined]
            from datetime import timedelta

            uow.reviews.claim(second, reviewer="alice", now=now, until=now + timedelta(hours=1))
            uow.commit()
        service = world.service()
        job_id = _start(service, policy_dir=stricter)
        items = {i.filing_id: i for i in service.changes(job_id)}
        assert world.status(first) is FilingStatus.NEEDS_REVIEW
        assert "waiting for a reviewer" in items[first].note
        assert world.status(second) is FilingStatus.APPROVED
        assert "claimed by reviewer alice" in items[second].note


class TestResumeAndFailures:
    def test_a_job_resumes_after_a_stop_without_redoing_finished_filings(
        self, world: World
    ) -> None:
        stopped = world.service(run=False)
        job_id = _start(stopped, dry_run=True)
        # One batch ran before the stop; the rest were lost with the process.
        first_job, first_batch = world.sent[0]
        assert stopped.run_batch(first_job, first_batch) == 2
        assert stopped.progress(job_id).pending == 3
        restarted = world.service()
        assert restarted.resume() == 3
        progress = restarted.progress(job_id)
        assert (progress.done, progress.pending, progress.job.status) == (5, 0, JobStatus.DONE)

    def test_a_poison_filing_fails_alone_with_its_reason(
        self, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        poison = world.filings[2]
        real = world.verification.verdicts

        def verdicts(uow: object, filings: list[object], **kwargs: object) -> object:
            if any(getattr(f, "id", None) == poison for f in filings):
                raise ValueError("unreadable verdict")
            return real(uow, filings, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(world.verification, "verdicts", verdicts)
        service = world.service()
        job_id = _start(service, dry_run=True)
        progress = service.progress(job_id)
        assert (progress.done, progress.failed) == (4, 1)
        (failed,) = service.failures(job_id)
        assert failed.filing_id == poison
        assert "unreadable verdict" in failed.note
        assert progress.job.status is JobStatus.DONE

    def test_cancel_stops_the_pending_items(self, world: World) -> None:
        service = world.service(run=False)
        job_id = _start(service, dry_run=True)
        job = service.cancel(job_id)
        assert job.status is JobStatus.CANCELLED
        assert service.progress(job_id).cancelled == 5
        job_id_, batch = world.sent[0]
        assert service.run_batch(job_id_, batch) == 0

    def test_the_policy_version_filter_takes_the_latest_run(
        self, world: World, stricter: str
    ) -> None:
        service = world.service()
        version = load_packs().packs["national"].version
        first = service.start(ADMIN, where=JobFilter(policy_version=version), dry_run=True)
        assert first.total == 5
        world.clock.advance(minutes=1)  # type: ignore[attr-defined]
        _start(service, policy_dir=stricter)  # every filing's latest run: the candidate's
        latest = JobFilter(policy_version="2026.candidate")
        assert service.start(ADMIN, where=latest, dry_run=True).total == 5
        old = service.start(ADMIN, where=JobFilter(policy_version=version), dry_run=True)
        assert old.total == 0

    def test_the_filter_selects(self, world: World) -> None:
        service = world.service()
        job = service.start(
            ADMIN, where=JobFilter(filing_types=(), statuses=(FilingStatus.NEEDS_REVIEW,))
        )
        assert job.total == 0
        assert job.status is JobStatus.DONE
        from intake.domain import FilingType

        job = service.start(
            ADMIN, where=JobFilter(filing_types=(FilingType.REFERRAL,)), dry_run=True
        )
        assert job.total == 2
        item_states = {i.status for i in service.changes(job.id)}
        assert item_states <= {JobItemStatus.DONE}


class TestReread:
    def test_each_filing_is_read_again_before_it_is_verified(self, world: World) -> None:
        read_again: list[FilingId] = []
        service = world.service(reread=read_again.append)
        job_id = _start(service, reread=True, dry_run=True)
        assert sorted(map(str, read_again)) == sorted(map(str, world.filings))
        # Reading is slow: one filing per batch, so every worker gets a share.
        assert all(len(ids) == 1 for _, ids in world.sent)
        assert service.progress(job_id).done == 5
