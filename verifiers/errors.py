"""Errors raised by the verifiers package.

    VerifierError
    ├── VerifierConfigError            the policy packs cannot be used
    │   └── PolicyPackInvalidError     one pack breaks the schema or names unknown kinds/checks
    └── UnknownFilingTypeError         the filing type is not in the chosen pack

A bad pack is found when the packs are loaded at start-up, never while a
filing is being decided. Business outcomes (a failed check, a missing
material) are values in the verdict, not exceptions.
"""

from __future__ import annotations


class VerifierError(Exception):
    """Base class of the verifiers package's errors."""


class VerifierConfigError(VerifierError):
    """The policy packs cannot be loaded or used."""


class PolicyPackInvalidError(VerifierConfigError):
    """A policy pack breaks the schema or refers to unknown kinds or checks."""

    def __init__(self, pack: str, problems: list[str]) -> None:
        joined = "; ".join(problems)
        super().__init__(f"policy pack {pack!r} is invalid: {joined}")
        self.pack = pack
        self.problems = tuple(problems)


class UnknownFilingTypeError(VerifierError):
    """The filing type is not defined by the policy pack."""

    def __init__(self, filing_type: str, *, policy: str) -> None:
        super().__init__(f"filing type {filing_type!r} is not defined by policy {policy!r}")
        self.filing_type = filing_type
        self.policy = policy
