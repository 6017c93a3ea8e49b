"""How long a filing is valid, and when it may be cancelled.

Temporary types run for the pack's months from the start date (6 nationally,
12 in Wujiang; single use in Xingtai). Long-term types run as long as their
proof (the residence permit's or contract's end date), defaulted and capped
by the pack. A commitment filing is provisional for the pack's days (15).
Long-term filings may not be cancelled or changed within the lock (6 months).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from verifiers.domain import LONG_TERM_TYPES, Evidence, FilingFacts
from verifiers.evidence import add_months, read_date
from verifiers.policy import PolicyPack

__all__ = ["Validity", "compute_validity", "may_cancel"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Validity:
    valid_from: date
    valid_until: date | None
    """``None``: open-ended (a long-term proof without an end date)."""
    provisional: bool = False
    single_use: bool = False


def compute_validity(
    facts: FilingFacts, *, pack: PolicyPack, proofs: Iterable[Evidence], provisional: bool
) -> Validity:
    """Compute the validity a verdict grants.

    Args:
        facts: The filing (type and start date).
        pack: The chosen pack.
        proofs: The proof documents the decision rests on (their ``valid_until``).
        provisional: The filing rests on a commitment letter instead of proof.

    Returns:
        The validity, starting on the start date.
    """
    start = facts.start_date
    if provisional:
        until = start + timedelta(days=pack.commitment.provisional_days)
        return Validity(valid_from=start, valid_until=until, provisional=True)
    rules = pack.validity
    if facts.filing_type not in LONG_TERM_TYPES:
        until = add_months(start, rules.temporary_months) - timedelta(days=1)
        return Validity(valid_from=start, valid_until=until, single_use=rules.temporary_single_use)
    ends = [d for d in (read_date(p, "valid_until") for p in proofs) if isinstance(d, date)]
    long_until: date | None = min(ends) if ends else None
    if long_until is None and rules.long_term_default_months is not None:
        long_until = add_months(start, rules.long_term_default_months) - timedelta(days=1)
    if rules.long_term_cap_months is not None:
        cap = add_months(start, rules.long_term_cap_months) - timedelta(days=1)
        long_until = cap if long_until is None else min(long_until, cap)
    return Validity(valid_from=start, valid_until=long_until)


def may_cancel(
    facts: FilingFacts, *, today: date, pack: PolicyPack, valid_from: date | None = None
) -> tuple[bool, str]:
    """Tell whether a filing may be cancelled (or changed) today.

    Args:
        facts: The filing (its type and start date).
        today: The day of the request.
        pack: The insured region's pack.
        valid_from: When the filing took effect; the start date when omitted.

    Returns:
        ``(allowed, reason)`` with a Chinese reason the app can show.
    """
    if facts.filing_type not in LONG_TERM_TYPES:
        return True, "临时外出就医备案可随时取消"
    months = pack.cancellation.long_term_lock_months
    unlocked = add_months(valid_from or facts.start_date, months)
    if today < unlocked:
        return False, f"长期异地备案{months}个月内不得取消或变更，{unlocked.isoformat()}起可办理"
    return True, f"长期异地备案已满{months}个月，可以取消"
