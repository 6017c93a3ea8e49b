"""The registry of check codes: stable names apps, reviewers and packs refer to.

A policy pack may only name codes listed here (to disable a check or make it
advisory), so a typo in a pack stops start-up instead of silently doing nothing.
The safety checks (:data:`SAFETY_CHECKS`) no pack may disable or make advisory.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["SAFETY_CHECKS", "CheckCode"]


class CheckCode(StrEnum):
    MATERIALS_PRESENT = "materials.present"
    PAGE_QUALITY = "page.quality"
    DOCUMENT_KIND = "document.kind_confident"
    DOCUMENT_UNREADABLE = "document.unreadable"
    TEXT_LAYER = "document.text_layer"
    BORN_DIGITAL = "document.born_digital"
    APPLICANT_ID_NUMBER = "identity.applicant_id_number"
    NAME = "identity.name"
    ID_NUMBER = "identity.id_number"
    BIRTH_SEX = "identity.birth_sex"
    ID_CARD_VALID = "identity.card_valid"
    PERMIT_VALID = "residence.permit_valid"
    PERMIT_CITY = "residence.permit_city"
    HUKOU_HOUSEHOLD = "residence.hukou_household"
    HUKOU_CITY = "residence.hukou_city"
    HUKOU_SEAL = "residence.hukou_seal"
    PROPERTY_CITY = "residence.property_city"
    DISPATCH_CITY = "work.dispatch_city"
    DISPATCH_RECENT = "work.dispatch_recent"
    DISPATCH_SEAL = "work.dispatch_seal"
    CONTRACT_PLACE = "work.contract_place"
    CONTRACT_VALID = "work.contract_valid"
    REFERRAL_SEAL = "referral.seal"
    REFERRAL_RECENT = "referral.recent"
    REFERRAL_DESTINATION = "referral.destination"
    COMMITMENT_ALLOWED = "commitment.allowed"
    COMMITMENT_MULTI_CITY = "commitment.multi_city"
    COMMITMENT_ONCE = "commitment.once_only"
    COMMITMENT_CONTACT = "commitment.contact_address"
    COMMITMENT_SIGNED = "commitment.signed"
    DUPLICATE_IMAGE = "duplicates.same_image"
    NEAR_COPY = "duplicates.near_copy"
    START_DATE = "dates.start_date"
    MULTI_CITY = "filing.multi_city"
    FILING_FREE = "filing.filing_free"


# Whose documents these are and whether they point at the treatment city:
# switched off, a filing is approved on someone else's papers or for another city.
_SAFETY_FAMILIES: Final = ("identity.", "duplicates.")
_PLACE_CHECKS: Final = frozenset(
    {
        CheckCode.PERMIT_CITY,
        CheckCode.HUKOU_CITY,
        CheckCode.PROPERTY_CITY,
        CheckCode.DISPATCH_CITY,
        CheckCode.CONTRACT_PLACE,
        CheckCode.REFERRAL_DESTINATION,
    }
)
SAFETY_CHECKS: Final[frozenset[CheckCode]] = _PLACE_CHECKS | frozenset(
    code for code in CheckCode if code.value.startswith(_SAFETY_FAMILIES)
)
"""Checks no policy pack may disable or make advisory: every identity check
(the applicant's ID number, name, birth date and sex, card validity: the person
match), every duplicate-image check, and every check that a proof points at
the treatment city. A new ``identity.*`` or ``duplicates.*`` code is one of them."""
