"""What resealing a blob store did, and the labels its key usage counts under."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Final

__all__ = ["DAMAGED", "PLAINTEXT", "ResealOutcome", "ResealReport", "tally"]

PLAINTEXT: Final = "(plaintext)"
"""Key-usage label of blobs stored without encryption (written before it)."""
DAMAGED: Final = "(damaged)"
"""Key-usage label of local files whose envelope header is broken."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResealReport:
    """What a store's ``reseal`` did.

    Attributes:
        rewrapped: blobs moved to the current key (local: data key wrapped by
            the active keyring key; S3: copied under the configured encryption).
        encrypted: blobs stored without encryption, now encrypted.
        current: blobs already under the current key, left alone.
        damaged: keys of blobs that could not be resealed (corrupt), left as they were.
    """

    rewrapped: int = 0
    encrypted: int = 0
    current: int = 0
    damaged: tuple[str, ...] = ()

    @property
    def changed(self) -> int:
        return self.rewrapped + self.encrypted


class ResealOutcome(Enum):
    """What resealing one blob did."""

    REWRAPPED = "rewrapped"
    ENCRYPTED = "encrypted"
    CURRENT = "current"
    DAMAGED = "damaged"
    GONE = "gone"
    """Deleted while the reseal ran; not brought back."""


def tally(outcomes: Iterable[tuple[str, ResealOutcome]]) -> ResealReport:
    """Count ``(blob key, outcome)`` pairs into a report, listing the damaged keys."""
    counts: Counter[ResealOutcome] = Counter()
    damaged: list[str] = []
    for key, outcome in outcomes:
        counts[outcome] += 1
        if outcome is ResealOutcome.DAMAGED:
            damaged.append(key)
    return ResealReport(
        rewrapped=counts[ResealOutcome.REWRAPPED],
        encrypted=counts[ResealOutcome.ENCRYPTED],
        current=counts[ResealOutcome.CURRENT],
        damaged=tuple(sorted(damaged)),
    )
