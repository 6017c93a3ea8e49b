"""Housekeeping of stored blobs.

Uploads write the blob before the rows that point at it, so a crash or a
rolled-back transaction can leave a blob nobody references (an orphan), but
never a row without its blob. Orphans are harmless; these functions find and
remove them to reclaim space.

Deleting is a mark-and-sweep: pass the keys found by an earlier
:func:`find_orphan_blobs` run to :func:`delete_orphan_blobs`, which deletes
only those still unreferenced. Leaving a grace period between the two (longer
than any upload takes) keeps an upload in flight, whose blob is written but
whose rows are not yet committed, from losing its blob.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from intake.ports import BlobStore, UnitOfWorkFactory

log = structlog.get_logger(__name__)


def find_orphan_blobs(*, blobs: BlobStore, uow_factory: UnitOfWorkFactory) -> list[str]:
    """Keys of stored blobs that no document or page row references.

    The blob keys are listed before the references are read, so a blob
    written after the listing is never reported.

    Args:
        blobs: the blob store.
        uow_factory: opens a unit of work to read the references.

    Returns:
        The orphan keys, sorted.
    """
    stored = set(blobs.keys())
    with uow_factory() as uow:
        referenced = uow.documents.referenced_blobs()
    orphans = sorted(stored - referenced)
    log.info("intake.maintenance.orphans_found", stored=len(stored), orphans=len(orphans))
    return orphans


def delete_orphan_blobs(
    *, blobs: BlobStore, uow_factory: UnitOfWorkFactory, candidates: Iterable[str]
) -> list[str]:
    """Delete those of ``candidates`` that are still unreferenced.

    Args:
        blobs: the blob store.
        uow_factory: opens a unit of work to read the references.
        candidates: keys from an earlier :func:`find_orphan_blobs` run.

    Returns:
        The keys deleted, sorted.
    """
    with uow_factory() as uow:
        referenced = uow.documents.referenced_blobs()
    deleted = sorted(set(candidates) - referenced)
    for key in deleted:
        blobs.delete(key)
        log.info("intake.maintenance.orphan_deleted", sha256=key)
    return deleted
