"""Policy packs: the regional rules as validated data.

Each pack is a YAML file in ``verifiers/policies/``. ``national`` holds the
defaults; a regional pack says ``extends: national`` and overrides only what
differs (mappings are merged key by key, lists and scalars replace). The pack
for a filing is chosen by the insured region, most specific code first:
district, then city, then province, then ``national``.

Every pack is validated when the book is loaded (schema, known filing types,
document kinds and check codes); a bad pack raises
:class:`~verifiers.errors.PolicyPackInvalidError` naming the pack and each
problem, so it stops start-up rather than a decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ocr.domain import DocumentKind, FieldName
from ocr.floors import FIELD_CONFIDENCE_FLOOR, KIND_CONFIDENCE_FLOOR, SEAL_CONFIDENCE_FLOOR
from verifiers.codes import SAFETY_CHECKS, CheckCode
from verifiers.domain import FILING_TYPES, LONG_TERM_TYPES
from verifiers.errors import PolicyPackInvalidError, VerifierConfigError
from verifiers.regions import RegionTable, load_region_table

__all__ = [
    "POLICIES_DIR",
    "SEAL_CHECKED_KINDS",
    "CancellationRules",
    "CommitmentRules",
    "FilingFreeZone",
    "FilingTypeRules",
    "MaterialGroup",
    "PolicyBook",
    "PolicyPack",
    "PoolingRules",
    "ProvenanceRules",
    "QualityRules",
    "SealIssuer",
    "Thresholds",
    "ValidityRules",
    "load_packs",
]

POLICIES_DIR: Final[Path] = Path(__file__).with_name("policies")
NATIONAL: Final[str] = "national"
# Identity of a pack, never inherited from the pack it extends.
_OWN_KEYS: Final[frozenset[str]] = frozenset({"id", "version", "name", "regions", "extends"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MaterialGroup(_Model):
    """A required material: any one option, each option all of its kinds."""

    name: str = Field(min_length=1, description="Chinese name shown to the applicant")
    any_of: tuple[DocumentKind | tuple[DocumentKind, ...], ...] = ()
    all_of: tuple[DocumentKind, ...] = ()
    role: Literal["identity", "proof"] = "proof"
    """Identity groups stay when a commitment letter stands in for the proof groups."""
    required: bool = True
    evoucher_waivable: bool = False
    """The electronic medical-insurance voucher may stand in for this group."""

    @model_validator(mode="after")
    def _one_form(self) -> MaterialGroup:
        if bool(self.any_of) == bool(self.all_of):
            raise ValueError("a group needs exactly one of any_of or all_of")
        if DocumentKind.UNKNOWN in self.kinds:
            raise ValueError("'unknown' cannot satisfy a material group")
        return self

    @property
    def options(self) -> tuple[tuple[DocumentKind, ...], ...]:
        """Each way to satisfy the group, as the kinds that must all be present."""
        if self.all_of:
            return (self.all_of,)
        return tuple(o if isinstance(o, tuple) else (o,) for o in self.any_of)

    @property
    def kinds(self) -> frozenset[DocumentKind]:
        return frozenset(k for option in self.options for k in option)


class FilingTypeRules(_Model):
    name: str = Field(min_length=1)
    term: Literal["long", "temporary"]
    groups: dict[str, MaterialGroup | None] = Field(default_factory=dict)
    """Material groups by code; an override may drop an inherited group with ``null``."""
    retroactive_days: int = Field(default=0, ge=0)
    """How many days before the filing day the start date may lie."""

    @property
    def active_groups(self) -> dict[str, MaterialGroup]:
        return {code: g for code, g in self.groups.items() if g is not None}


class CommitmentRules(_Model):
    allowed_types: tuple[str, ...] = ()
    provisional_days: int = Field(default=15, gt=0)
    letter_group: MaterialGroup
    multi_city_allowed: bool = False
    once_only: bool = True
    contact_address_in_treatment_region: bool = False
    min_months_living_there: int | None = None


class ValidityRules(_Model):
    temporary_months: int = Field(default=6, gt=0)
    temporary_single_use: bool = False
    long_term_default_months: int | None = Field(default=None, gt=0)
    """Validity of a long-term filing whose proof carries no end date (None: open-ended)."""
    long_term_cap_months: int | None = Field(default=None, gt=0)


class CancellationRules(_Model):
    long_term_lock_months: int = Field(default=6, ge=0)


class FilingFreeZone(_Model):
    name: str
    treatment_regions: tuple[str, ...]
    insured_regions: tuple[str, ...] = ()
    """Insured regions the zone applies to; the pack's own regions when empty."""


class PoolingRules(_Model):
    """The pooling areas (统筹区): treatment inside one's own needs no filing at all."""

    level: Literal["city", "county"] = "city"
    """The pooling area of a region: its prefecture-level city (a municipality
    as a whole), or the county or district itself."""
    areas: tuple[str, ...] = ()
    """Regions pooled on their own whatever the level (a district with a fund
    of its own); the most specific one holding a region wins."""

    @field_validator("areas")
    @classmethod
    def _area_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [code for code in value if len(code) != 6 or not code.isdigit()]
        if bad:
            raise ValueError(f"pooling area codes must be 6 digits: {bad}")
        return value


class Thresholds(_Model):
    kind_confidence_min: float = Field(default=0.85, gt=0, le=1)
    field_confidence_min: float = Field(default=0.6, gt=0, le=1)
    seal_confidence_min: float = Field(default=0.65, gt=0, le=1)
    dispatch_max_age_months: int = Field(default=6, gt=0)
    referral_max_age_months: int = Field(default=3, gt=0)
    near_copy_max_distance: int = Field(default=6, ge=0, le=64)

    @model_validator(mode="after")
    def _above_the_floors(self) -> Thresholds:
        # A minimum at or below what its producer ever reports is always met:
        # the check it guards could never be unsure.
        for name, floor, producer in _FLOORS:
            value = getattr(self, name)
            if value <= floor:
                raise ValueError(
                    f"{name} {value} must lie above {floor}, the lowest confidence {producer} "
                    "reports; at or below it nothing is ever unsure"
                )
        return self


_FLOORS: Final = (
    ("seal_confidence_min", SEAL_CONFIDENCE_FLOOR, "the seal detector"),
    ("kind_confidence_min", KIND_CONFIDENCE_FLOOR, "the classifier"),
    ("field_confidence_min", FIELD_CONFIDENCE_FLOOR, "the field extractor"),
)
SEAL_CHECKED_KINDS: Final[frozenset[DocumentKind]] = frozenset(
    {
        DocumentKind.REFERRAL_FORM,
        DocumentKind.DISPATCH_LETTER,
        DocumentKind.HUKOU_FRONT,
        DocumentKind.HUKOU_PERSON,
    }
)
"""Kinds whose seal is checked for its issuer; each pack says who that is (``seals``)."""


class SealIssuer(_Model):
    """Who must have stamped one kind of document, told by the words read on the seal.

    A seal is the issuer's when its text names the issuer (the document's
    ``issuer_field``) or holds one of ``words``; a seal holding one of
    ``other_words`` names another kind of issuer (a trading company on a
    referral form) and goes to a person, as does a seal whose text cannot be read.
    """

    issuer_field: FieldName | None = None
    """The document's field naming the issuer (the referring hospital, the employer)."""
    words: tuple[str, ...] = Field(min_length=1)
    """Words on a seal of the right kind of issuer (医院, 医保办 ...)."""
    other_words: tuple[str, ...] = ()
    """Words naming another kind of issuer (公司 on a referral form, 财务专用章 on a letter)."""

    @model_validator(mode="after")
    def _words_apart(self) -> SealIssuer:
        if any(not word.strip() for word in (*self.words, *self.other_words)):
            raise ValueError("seal words cannot be blank")
        both = sorted(set(self.words) & set(self.other_words))
        if both:
            raise ValueError(f"words both the issuer's and another issuer's: {both}")
        return self


QUALITY_PROBLEMS: Final[frozenset[str]] = frozenset(
    {
        "blurry",
        "too_dark",
        "overexposed",
        "glare",
        "low_resolution",
        "document_too_small",
        "not_a_document",
        "blank",
    }
)
"""The page-quality problem codes a reading may carry (``ocr.quality.PROBLEM_MESSAGES``)."""


class QualityRules(_Model):
    """When a page-quality problem sends a filing to a person."""

    note_when_read: tuple[str, ...] = ()
    """Local problems (a glare spot) that are only a note on a document whose
    checks all passed on confidently read fields; anywhere else they block."""
    note_min_sharpness: float = Field(default=0.45, ge=0)
    """A noted problem still blocks on a page measuring less sharp than this
    (``Quality.sharpness``): a blur the reader let pass may hide behind it."""

    @field_validator("note_when_read")
    @classmethod
    def _known_problems(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - QUALITY_PROBLEMS)
        if unknown:
            raise ValueError(
                f"unknown quality problems {unknown}; known: {sorted(QUALITY_PROBLEMS)}"
            )
        return value


class ProvenanceRules(_Model):
    """Where the pages of a material must come from."""

    paper_kinds: tuple[DocumentKind, ...] = ()
    """Kinds that exist on paper: one arriving only as a born-digital PDF page
    (no camera or scanner image of it) is no evidence for an automatic approval."""


class ReviewRules(_Model):
    """What reviewers work with: the claim's length and the reasons they may reject for."""

    claim_minutes: int = Field(default=30, gt=0, le=24 * 60)
    reject_reasons: dict[str, str] = Field(default_factory=dict)
    """Reason code (``[a-z_]+``) to the Chinese text the applicant is shown."""

    @field_validator("reject_reasons")
    @classmethod
    def _reason_codes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(code for code in value if not code.replace("_", "").isalpha())
        if bad or not all(text.strip() for text in value.values()):
            raise ValueError(f"reject reasons need [a-z_] codes and a text: {bad}")
        return value


class ChecksConfig(_Model):
    disabled: tuple[CheckCode, ...] = ()
    advisory: tuple[CheckCode, ...] = ()
    """Checks whose failure is reported but does not block an approval."""

    @model_validator(mode="after")
    def _safety_stays_on(self) -> ChecksConfig:
        for setting, codes in (("disabled", self.disabled), ("advisory", self.advisory)):
            protected = sorted(code.value for code in codes if code in SAFETY_CHECKS)
            if protected:
                raise ValueError(
                    f"safety checks cannot be {setting}: {protected} "
                    "(identity, duplicate-image and place checks always block)"
                )
        return self


class PolicyPack(_Model):
    """One region's rules, fully merged with the pack it extends."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(min_length=1)
    name: str
    regions: tuple[str, ...] = ()
    extends: str | None = None
    filing_types: dict[str, FilingTypeRules]
    commitment: CommitmentRules
    validity: ValidityRules = ValidityRules()
    cancellation: CancellationRules = CancellationRules()
    max_long_term_cities: int = Field(default=3, gt=0)
    filing_free_zones: tuple[FilingFreeZone, ...] = ()
    pooling: PoolingRules = PoolingRules()
    review_sla_working_days: int = Field(default=2, gt=0)
    review: ReviewRules = ReviewRules()
    thresholds: Thresholds = Thresholds()
    quality: QualityRules = QualityRules()
    provenance: ProvenanceRules = ProvenanceRules()
    checks: ChecksConfig = ChecksConfig()
    seals: dict[DocumentKind, SealIssuer] = Field(default_factory=dict)
    """Who must have stamped each kind whose seal is checked."""

    @field_validator("regions")
    @classmethod
    def _region_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [code for code in value if len(code) != 6 or not code.isdigit()]
        if bad:
            raise ValueError(f"region codes must be 6 digits: {bad}")
        return value

    @model_validator(mode="after")
    def _seal_issuers(self) -> PolicyPack:
        missing = sorted(kind.value for kind in SEAL_CHECKED_KINDS - set(self.seals))
        if missing:
            raise ValueError(f"seals: no issuer words for {missing}")
        return self

    @model_validator(mode="after")
    def _known_types(self) -> PolicyPack:
        unknown = sorted(set(self.filing_types) - set(FILING_TYPES))
        if unknown:
            raise ValueError(f"unknown filing types {unknown}; known: {list(FILING_TYPES)}")
        missing = sorted(set(FILING_TYPES) - set(self.filing_types))
        if missing:
            raise ValueError(f"filing types without rules: {missing}")
        for code, rules in self.filing_types.items():
            expected = "long" if code in LONG_TERM_TYPES else "temporary"
            if rules.term != expected:
                raise ValueError(f"filing type {code!r} must have term {expected!r}")
        wrong = sorted(set(self.commitment.allowed_types) - LONG_TERM_TYPES)
        if wrong:
            raise ValueError(f"commitment is only for long-term types, not {wrong}")
        return self

    def rules_for(self, filing_type: str) -> FilingTypeRules | None:
        return self.filing_types.get(filing_type)

    def is_enabled(self, code: CheckCode) -> bool:
        return code not in self.checks.disabled

    def is_blocking(self, code: CheckCode) -> bool:
        return code not in self.checks.advisory

    def summary(self) -> dict[str, Any]:
        """The pack as JSON-ready data (what ``intake policy show`` prints)."""
        return self.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True, slots=True)
class PolicyBook:
    """All packs, validated, and the region-name table the checks use."""

    packs: Mapping[str, PolicyPack]
    regions: RegionTable

    def for_region(self, code: str) -> PolicyPack:
        """Choose the pack for an insured region: district, city, province, national.

        Args:
            code: The 6-digit insured region code.

        Returns:
            The most specific pack naming that code or a parent of it.
        """
        candidates = (code, code[:4] + "00", code[:2] + "0000")
        for candidate in candidates:
            for pack in self.packs.values():
                if candidate in pack.regions:
                    return pack
        return self.packs[NATIONAL]

    def get(self, pack_id: str) -> PolicyPack | None:
        return self.packs.get(pack_id)


def load_packs(directory: Path | None = None, *, regions_file: Path | None = None) -> PolicyBook:
    """Load and validate every pack in a directory.

    Args:
        directory: Where the ``*.yaml`` packs are; the bundled packs when omitted.
        regions_file: The region-name table; the bundled one when omitted.

    Returns:
        The validated book.

    Raises:
        PolicyPackInvalidError: A pack is malformed (the first bad pack, every problem listed).
        VerifierConfigError: No ``national`` pack, a missing parent, or a region
            claimed by two packs.
    """
    raw = _read_raw(directory or POLICIES_DIR)
    if NATIONAL not in raw:
        raise VerifierConfigError(f"no {NATIONAL!r} policy pack in {directory or POLICIES_DIR}")
    # National first: a problem it holds is reported under its name, not an heir's.
    order = sorted(raw, key=lambda pack_id: (pack_id != NATIONAL, pack_id))
    packs = {pack_id: _validate(pack_id, _resolve(pack_id, raw, ())) for pack_id in order}
    _check_regions_unique(packs.values())
    return PolicyBook(packs=packs, regions=load_region_table(regions_file))


def _read_raw(directory: Path) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise PolicyPackInvalidError(path.stem, [f"not valid YAML: {error}"]) from error
        if not isinstance(data, dict):
            raise PolicyPackInvalidError(path.stem, ["the file must hold a mapping"])
        pack_id = str(data.get("id", path.stem))
        if pack_id != path.stem:
            raise PolicyPackInvalidError(path.stem, [f"id {pack_id!r} differs from file name"])
        raw[pack_id] = data
    return raw


def _resolve(
    pack_id: str, raw: Mapping[str, dict[str, Any]], seen: tuple[str, ...]
) -> dict[str, Any]:
    data = raw[pack_id]
    parent = data.get("extends")
    if parent is None:
        return data
    if parent not in raw:
        raise VerifierConfigError(f"policy pack {pack_id!r} extends unknown pack {parent!r}")
    if parent in seen:
        raise VerifierConfigError(f"policy packs extend each other in a cycle: {[*seen, pack_id]}")
    base = _resolve(str(parent), raw, (*seen, pack_id))
    inherited = {k: v for k, v in base.items() if k not in _OWN_KEYS}
    return _deep_merge(inherited, data)


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _validate(pack_id: str, data: dict[str, Any]) -> PolicyPack:
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(pack)'}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise PolicyPackInvalidError(pack_id, problems) from error


def _check_regions_unique(packs: Iterable[PolicyPack]) -> None:
    owner: dict[str, str] = {}
    for pack in packs:
        for code in pack.regions:
            if code in owner:
                raise VerifierConfigError(
                    f"region {code} is claimed by packs {owner[code]!r} and {pack.id!r}"
                )
            owner[code] = pack.id
