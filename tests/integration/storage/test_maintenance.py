"""Orphan blobs found and removed against a real database and blob directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from intake.maintenance import delete_orphan_blobs, find_orphan_blobs
from storage.blobs import LocalBlobStore
from storage.crypto import Keyring
from storage.sql import SqlUnitOfWork
from tests.integration.storage.factories import make_document, make_filing, make_page

pytestmark = pytest.mark.integration


def _store_document(blobs: LocalBlobStore, uow_factory: Callable[[], SqlUnitOfWork]) -> set[str]:
    """Blobs first, rows after, as the upload does; returns the keys the rows reference."""
    upload = blobs.put(b"%PDF-1.7 an upload")
    images = [blobs.put(f"page {n}".encode()) for n in (1, 2)]
    filing = make_filing()
    document = make_document(
        filing.id,
        sha256=upload,
        page_count=2,
        pages=[make_page(n, image_sha256=key) for n, key in enumerate(images, start=1)],
    )
    with uow_factory() as uow:
        uow.filings.add(filing)
        uow.documents.add(document)
        uow.commit()
    return {upload, *images}


class TestOrphanBlobs:
    def test_finds_only_unreferenced_blobs(
        self, tmp_path: Path, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        blobs = LocalBlobStore(tmp_path, keyring=Keyring.generated())
        referenced = _store_document(blobs, uow_factory)
        orphans = sorted(blobs.put(f"crashed upload {i}".encode()) for i in range(3))
        assert find_orphan_blobs(blobs=blobs, uow_factory=uow_factory) == orphans
        assert referenced.isdisjoint(orphans)

    def test_deletes_candidates_still_unreferenced(
        self, tmp_path: Path, uow_factory: Callable[[], SqlUnitOfWork]
    ) -> None:
        blobs = LocalBlobStore(tmp_path, keyring=Keyring.generated())
        orphan = blobs.put(b"left behind")
        late = blobs.put(b"%PDF-1.7 an upload")
        candidates = find_orphan_blobs(blobs=blobs, uow_factory=uow_factory)
        assert sorted(candidates) == sorted([orphan, late])
        # Between finding and deleting, an upload in flight commits its rows.
        referenced = _store_document(blobs, uow_factory)
        assert late in referenced
        deleted = delete_orphan_blobs(blobs=blobs, uow_factory=uow_factory, candidates=candidates)
        assert deleted == [orphan]
        assert set(blobs.keys()) == referenced
        assert find_orphan_blobs(blobs=blobs, uow_factory=uow_factory) == []
