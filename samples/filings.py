"""Synthetic filings: facts, the documents to render, and the verdict they should get.

Each :class:`Scenario` is one filing for one of the seed regions' packs, clean
or with one injected defect (a missing material, another person's name, an
expired permit, a letter to the wrong city ...), with the decision and missing
groups the verifier must return. Documents are described by the fields a
perfect reader would return, so a scenario can be verified from ground-truth
readings (:func:`ground_truth_evidence`) or rendered to images and read by the
real OCR (:func:`render_scenario`, through ``samples.generate``).

Everything is made up: names are drawn from common characters and every ID
number is a fake one with a valid check character.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from intake.domain import (
    Applicant,
    Contact,
    Document,
    DocumentId,
    DocumentStatus,
    Filing,
    FilingId,
    FilingStatus,
    FilingType,
    Page,
    Scheme,
    StoredReading,
)
from intake.identity import fake_id_number
from intake.ports import UnitOfWorkFactory
from intake.verification import filing_facts
from ocr.domain import (
    DocumentKind,
    DocumentReading,
    Field,
    PageReading,
    Quality,
    QualityProblem,
    Seal,
)
from ocr.idnumber import parse_id_number
from verifiers.domain import DuplicateHit, Evidence, FilingFacts, UnreadDocument, UnreadReason
from verifiers.evidence import add_months
from verifiers.policy import PolicyBook, PolicyPack, load_packs
from verifiers.regions import RegionTable, city_of, load_region_table

__all__ = [
    "DEFECTS",
    "INSURED_REGIONS",
    "DocumentSpec",
    "Scenario",
    "duplicate_hits",
    "fake_id_number",
    "generate_scenarios",
    "ground_truth_evidence",
    "make_scenario",
    "render_scenario",
    "store_scenarios",
]

_PHONE: Final = "13800000000"
"""The applicant's and contact's phone on every synthetic filing (no check reads it)."""
# Insured region used for each pack's scenarios (a district inside the pack's region).
INSURED_REGIONS: Final[dict[str, tuple[str, str]]] = {
    "jiangsu-yangzhou": ("321002", "扬州市"),
    "jiangsu-suzhou-wujiang": ("320509", "苏州市吴江区"),
    "fujian-xiamen": ("350203", "厦门市"),
    "hebei-xingtai": ("130502", "邢台市"),
    "national": ("320102", "南京市"),
}
# Treatment cities: code, address prefix, districts.
_TREATMENT: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("310000", "上海市", ("浦东新区", "徐汇区", "黄浦区")),
    ("320100", "江苏省南京市", ("玄武区",)),
    ("321000", "江苏省扬州市", ("广陵区", "邗江区")),
    ("330100", "浙江省杭州市", ("上城区",)),
    ("350200", "福建省厦门市", ("思明区", "湖里区")),
    ("130500", "河北省邢台市", ("襄都区",)),
    ("440300", "广东省深圳市", ("福田区",)),
    ("510100", "四川省成都市", ("锦江区", "武侯区")),
    ("110000", "北京市", ("海淀区", "东城区")),
)
_STREETS: Final = ("人民路", "中山路", "建设路", "解放路", "和平路", "文化路", "长江路")
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红"
_REFERENCE: Final = date(2025, 6, 1)

DEFECTS: Final[tuple[str, ...]] = (
    "missing_material",
    "wrong_name",
    "wrong_id_number",
    "expired_permit",
    "permit_other_city",
    "dispatch_other_city",
    "dispatch_too_old",
    "dispatch_no_seal",
    "referral_no_seal",
    "referral_wrong_destination",
    "referral_too_old",
    "unsigned_commitment",
    "hukou_other_household",
    "hukou_other_person",
    "duplicate_image",
    "emergency_late",
    "blurry_photo",
    "multi_city_commitment",
    "commitment_used_before",
    "wrong_kind",
    # Adversarial: documents built to pass a careless check.
    "permit_named_after_treatment",
    "referral_company_seal",
    "other_person_id_card",
    "unreadable_document",
)
# The filing type and proof each defect needs to be injected.
_NEEDS: Final[dict[str, tuple[str, str | None]]] = {
    "expired_permit": ("long_term_resident", "permit"),
    "permit_other_city": ("long_term_resident", "permit"),
    "dispatch_other_city": ("stationed_worker", "dispatch"),
    "dispatch_too_old": ("stationed_worker", "dispatch"),
    "dispatch_no_seal": ("stationed_worker", "dispatch"),
    "referral_no_seal": ("referral", "referral"),
    "referral_wrong_destination": ("referral", "referral"),
    "referral_too_old": ("referral", "referral"),
    "unsigned_commitment": ("long_term_resident", "commitment"),
    "multi_city_commitment": ("long_term_resident", "commitment"),
    "commitment_used_before": ("long_term_resident", "commitment"),
    "hukou_other_household": ("retiree_resettled", "hukou"),
    "hukou_other_person": ("retiree_resettled", "hukou"),
    "emergency_late": ("emergency", None),
    "permit_named_after_treatment": ("long_term_resident", "permit"),
    "referral_company_seal": ("referral", "referral"),
    "other_person_id_card": ("other_temporary", None),
    "unreadable_document": ("long_term_resident", "permit"),
}
_FILING_TYPES: Final = (
    "retiree_resettled",
    "long_term_resident",
    "stationed_worker",
    "referral",
    "other_temporary",
    "emergency",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentSpec:
    """One document to render: its kind, the fields printed on it, seal and photo defects."""

    document_id: str
    kind: DocumentKind
    fields: dict[str, str]
    seal: str | None = None
    """The seal's text, or ``None`` for no seal."""
    blurry: bool = False
    unreadable: bool = False
    """The upload cannot be read at all (its analysis fails): it yields no evidence."""
    foreign_seal: bool = False
    """The seal is another unit's (:attr:`seal` is its text), drawn as such."""

    @property
    def signed(self) -> bool:
        return bool(self.fields.get("signature"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A filing, its documents and the verdict it should get."""

    id: str
    pack: str
    facts: FilingFacts
    documents: tuple[DocumentSpec, ...]
    expected_decision: str
    expected_missing: tuple[str, ...] = ()
    defect: str | None = None
    duplicate_of: str | None = None
    """The document that is a copy of a page in another applicant's filing."""
    expected_provisional: bool = False


@dataclass(slots=True, kw_only=True)
class _Person:
    name: str
    sex: str
    birth: date
    id_number: str
    household_number: str


@dataclass(slots=True, kw_only=True)
class _Draft:
    """A scenario under construction."""

    rng: random.Random
    pack: PolicyPack
    filing_type: str
    insured: str
    insured_city: str
    treatment: tuple[str, str, tuple[str, ...]]
    person: _Person
    filed_on: date
    start_date: date
    commitment: bool = False
    evoucher: bool = False
    docs: list[DocumentSpec] = field(default_factory=list)
    facts_overrides: dict[str, Any] = field(default_factory=dict)

    def next_id(self) -> str:
        return f"doc-{len(self.docs) + 1}"

    def add(self, kind: DocumentKind, fields: dict[str, str], *, seal: str | None = None) -> None:
        self.docs.append(
            DocumentSpec(document_id=self.next_id(), kind=kind, fields=fields, seal=seal)
        )

    def address(self) -> str:
        prefix, districts = self.treatment[1], self.treatment[2]
        street = self.rng.choice(_STREETS)
        return f"{prefix}{self.rng.choice(districts)}{street}{self.rng.randint(1, 399)}号"


def _make_name(rng: random.Random, *, surname: str | None = None) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return (surname or rng.choice(_SURNAMES)) + given


def _other_name(rng: random.Random, name: str) -> str:
    """Another person's name: a different surname and given name."""
    surname = rng.choice([s for s in _SURNAMES if s != name[0]])
    while True:
        other = _make_name(rng, surname=surname)
        if other[1:] != name[1:]:
            return other


def _make_person(rng: random.Random, *, region: str, retiree: bool, on: date) -> _Person:
    age = rng.randint(60, 85) if retiree else rng.randint(20, 59)
    birth = on - timedelta(days=age * 365 + rng.randint(0, 364))
    sex = rng.choice(("男", "女"))
    return _Person(
        name=_make_name(rng),
        sex=sex,
        birth=birth,
        id_number=fake_id_number(rng, region=region, birth=birth, sex=sex),
        household_number=f"{rng.randint(1, 9)}{rng.randint(0, 99999999):08d}",
    )


def generate_scenarios(
    *,
    count: int,
    seed: int,
    regions: Sequence[str] = tuple(INSURED_REGIONS),
    clean_share: float = 0.4,
    book: PolicyBook | None = None,
) -> list[Scenario]:
    """Generate filing scenarios, clean or with one injected defect each.

    Args:
        count: How many scenarios.
        seed: The random seed; the same seed gives the same scenarios.
        regions: Pack ids to spread the scenarios over (see :data:`INSURED_REGIONS`).
        clean_share: The share of clean scenarios; the rest cycle through :data:`DEFECTS`.
        book: The policy packs (the bundled ones when omitted), used to name the
            expected missing groups.

    Returns:
        The scenarios, in a stable order.
    """
    book = book or load_packs()
    rng = random.Random(seed)
    scenarios: list[Scenario] = []
    for index in range(count):
        pack_id = regions[index % len(regions)]
        clean = rng.random() < clean_share
        defect = None if clean else DEFECTS[(index * 7 + seed) % len(DEFECTS)]
        item_rng = random.Random(rng.getrandbits(64))
        scenarios.append(_scenario(f"s{seed}-{index:04d}", book, pack_id, defect, item_rng))
    return scenarios


def make_scenario(
    *,
    pack: str,
    seed: int,
    filing_type: str | None = None,
    defect: str | None = None,
    proof: str | None = None,
    book: PolicyBook | None = None,
) -> Scenario:
    """Make one scenario for a pack, optionally of a given type, defect and proof.

    Args:
        pack: The pack id (a key of :data:`INSURED_REGIONS`).
        seed: The random seed.
        filing_type: The filing type; the one the defect needs, or random, when omitted.
        defect: One of :data:`DEFECTS`, or ``None`` for a clean filing.
        proof: Which proof to provide (``permit``, ``hukou``, ``property``,
            ``dispatch``, ``contract``, ``referral``, ``commitment``); the one the
            defect needs, or a random option of the pack, when omitted.
        book: The policy packs (the bundled ones when omitted).

    Returns:
        The scenario.

    Raises:
        ValueError: The defect needs another filing type than the one given.
    """
    needed_type, needed_proof = _NEEDS.get(defect or "", (None, None))
    if filing_type and needed_type and filing_type != needed_type:
        raise ValueError(f"defect {defect!r} needs filing type {needed_type!r}")
    return _scenario(
        f"{pack}-{filing_type or needed_type or 'any'}-{defect or 'clean'}-{seed}",
        book or load_packs(),
        pack,
        defect,
        random.Random(seed),
        filing_type=filing_type,
        proof=proof or needed_proof,
    )


def _scenario(
    scenario_id: str,
    book: PolicyBook,
    pack_id: str,
    defect: str | None,
    rng: random.Random,
    *,
    filing_type: str | None = None,
    proof: str | None = None,
) -> Scenario:
    insured, insured_city = INSURED_REGIONS[pack_id]
    pack = book.for_region(insured)
    needed_type, needed_proof = _NEEDS.get(defect or "", (None, None))
    proof = proof or needed_proof
    if filing_type is None and defect == "wrong_kind":
        filing_type = rng.choice(("retiree_resettled", "long_term_resident", "stationed_worker"))
    filing_type = filing_type or needed_type or rng.choice(_FILING_TYPES)
    treatment = rng.choice([t for t in _TREATMENT if t[0][:4] != insured[:4]])
    filed_on = _REFERENCE + timedelta(days=rng.randint(0, 300))
    start = filed_on + timedelta(days=rng.randint(0, 20))
    if filing_type == "emergency":
        start = filed_on - timedelta(days=rng.randint(0, 10))
    draft = _Draft(
        rng=rng,
        pack=pack,
        filing_type=filing_type,
        insured=insured,
        insured_city=insured_city,
        treatment=treatment,
        person=_make_person(
            rng, region=insured, retiree=filing_type == "retiree_resettled", on=filed_on
        ),
        filed_on=filed_on,
        start_date=start,
    )
    if proof is None and filing_type == "long_term_resident" and defect is None:
        proof = "commitment" if rng.random() < 0.2 else None
    _add_identity(draft)
    _add_proof(draft, proof)
    expected_missing: tuple[str, ...] = ()
    duplicate_of = None
    if defect is not None:
        expected_missing, duplicate_of = _inject(draft, defect)
    facts = _facts(draft)
    return Scenario(
        id=scenario_id,
        pack=pack.id,
        facts=facts,
        documents=tuple(draft.docs),
        expected_decision="needs_materials"
        if expected_missing
        else ("review" if defect else "approve"),
        expected_missing=expected_missing,
        defect=defect,
        duplicate_of=duplicate_of,
        expected_provisional=draft.commitment and defect is None,
    )


def _facts(draft: _Draft) -> FilingFacts:
    """The facts the service would derive: a filing, and the applicant's other filings,
    through ``intake.verification.filing_facts`` (the one builder of filing facts)."""
    filing = _filing(draft, 0, status=FilingStatus.SUBMITTED, treatment_region=draft.treatment[0])
    filing.contact = Contact(name=draft.person.name, phone=_PHONE, address=draft.address())
    filing.commitment = draft.commitment
    filing.evoucher_verified = draft.evoucher
    regions = draft.facts_overrides.get("other_long_term_regions", ())
    others = [
        _filing(draft, number, status=FilingStatus.APPROVED, treatment_region=region)
        for number, region in enumerate(regions, start=1)
    ]
    if draft.facts_overrides.get("used_commitment_before"):
        lapsed = _filing(
            draft, len(others) + 1, status=FilingStatus.EXPIRED, treatment_region=draft.treatment[0]
        )
        lapsed.commitment = True
        others.append(lapsed)
    return filing_facts(filing, others=others)


def _filing(draft: _Draft, number: int, *, status: FilingStatus, treatment_region: str) -> Filing:
    """One of the applicant's filings; ids are derived from the person, not drawn."""
    filing_id = FilingId(uuid.uuid5(uuid.NAMESPACE_OID, f"{draft.person.id_number}/{number}"))
    moment = datetime.combine(draft.filed_on, time(2), tzinfo=UTC)
    return Filing(
        id=filing_id,
        owner="samples",
        applicant=Applicant(name=draft.person.name, id_number=draft.person.id_number, phone=_PHONE),
        filing_type=FilingType(draft.filing_type),
        insured_region=draft.insured,
        treatment_region=treatment_region,
        scheme=Scheme.EMPLOYEE,
        start_date=draft.start_date,
        filed_on=draft.filed_on,
        created_at=moment,
        updated_at=moment,
        status=status,
    )


def _add_identity(draft: _Draft) -> None:
    rules = draft.pack.filing_types[draft.filing_type]
    group = rules.active_groups["identity"]
    if group.evoucher_waivable and draft.rng.random() < 0.1:
        draft.evoucher = True
        return
    person = draft.person
    kinds = [k for option in group.options for k in option]
    kind = DocumentKind.ID_CARD_FRONT
    if DocumentKind.SOCIAL_SECURITY_CARD in kinds and draft.rng.random() < 0.25:
        kind = DocumentKind.SOCIAL_SECURITY_CARD
    if kind is DocumentKind.SOCIAL_SECURITY_CARD:
        card = f"{draft.rng.randint(0, 99999999):08d}"
        draft.add(kind, {"name": person.name, "id_number": person.id_number, "card_number": card})
        return
    draft.add(
        kind,
        {
            "name": person.name,
            "sex": person.sex,
            "birth_date": person.birth.isoformat(),
            "id_number": person.id_number,
            "address": f"{draft.insured_city}{draft.rng.choice(_STREETS)}8号",
        },
    )
    if draft.rng.random() < 0.5:
        issued = draft.filed_on - timedelta(days=draft.rng.randint(100, 3000))
        draft.add(
            DocumentKind.ID_CARD_BACK,
            {
                "issuer": f"{draft.insured_city}公安局",
                "valid_from": issued.isoformat(),
                "valid_until": "长期"
                if draft.rng.random() < 0.5
                else add_months(issued, 240).isoformat(),
            },
        )


def _proof_choice(draft: _Draft, proof: str | None) -> str | None:
    if proof is not None:
        return proof
    rules = draft.pack.filing_types[draft.filing_type]
    groups = [g for g in rules.active_groups.values() if g.role == "proof"]
    if not groups:
        return None
    option = draft.rng.choice(groups[0].options)
    names = {
        DocumentKind.RESIDENCE_PERMIT: "permit",
        DocumentKind.HUKOU_FRONT: "hukou",
        DocumentKind.PROPERTY_CERTIFICATE: "property",
        DocumentKind.DISPATCH_LETTER: "dispatch",
        DocumentKind.LABOR_CONTRACT: "contract",
        DocumentKind.REFERRAL_FORM: "referral",
    }
    return names[option[0]]


def _add_proof(draft: _Draft, proof: str | None) -> None:
    choice = _proof_choice(draft, proof)
    if choice is None:
        return
    builders: dict[str, Callable[[_Draft], None]] = {
        "permit": _add_permit,
        "hukou": _add_hukou,
        "property": _add_property,
        "dispatch": _add_dispatch,
        "contract": _add_contract,
        "referral": _add_referral,
        "commitment": _add_commitment,
    }
    builders[choice](draft)


def _add_permit(draft: _Draft) -> None:
    person = draft.person
    valid_from = draft.filed_on - timedelta(days=draft.rng.randint(30, 300))
    until = add_months(valid_from, 12)
    if until < draft.start_date + timedelta(days=30):
        until = add_months(draft.start_date, 12)
    draft.add(
        DocumentKind.RESIDENCE_PERMIT,
        {
            "name": person.name,
            "id_number": person.id_number,
            "address": draft.address(),
            "issuer": f"{draft.treatment[1]}公安局",
            "valid_from": valid_from.isoformat(),
            "valid_until": until.isoformat(),
        },
    )


def _add_hukou(draft: _Draft) -> None:
    person = draft.person
    issued = draft.filed_on - timedelta(days=draft.rng.randint(200, 5000))
    draft.add(
        DocumentKind.HUKOU_FRONT,
        {
            "household_head": person.name,
            "household_number": person.household_number,
            "address": draft.address(),
            "issuer": f"{draft.treatment[1]}公安局",
            "date": issued.isoformat(),
        },
        seal="户口专用章",
    )
    draft.add(
        DocumentKind.HUKOU_PERSON,
        {
            "name": person.name,
            "relation": "户主",
            "sex": person.sex,
            "birth_date": person.birth.isoformat(),
            "id_number": person.id_number,
        },
        seal="户口专用章",
    )


def _add_property(draft: _Draft) -> None:
    number = f"第{draft.rng.randint(1000000, 9999999)}号"
    draft.add(
        DocumentKind.PROPERTY_CERTIFICATE,
        {"name": draft.person.name, "address": draft.address(), "card_number": number},
        seal="不动产登记专用章",
    )


def _add_dispatch(draft: _Draft) -> None:
    on = draft.filed_on - timedelta(days=draft.rng.randint(0, 120))
    employer = f"{draft.insured_city}{draft.rng.choice('华安恒信达')}科技有限公司"
    draft.add(
        DocumentKind.DISPATCH_LETTER,
        {
            "name": draft.person.name,
            "id_number": draft.person.id_number,
            "employer": employer,
            "destination": draft.treatment[1],
            "valid_from": on.isoformat(),
            "valid_until": add_months(on, 24).isoformat(),
            "date": on.isoformat(),
        },
        seal=employer,
    )


def _add_contract(draft: _Draft) -> None:
    begun = draft.filed_on - timedelta(days=draft.rng.randint(0, 700))
    employer = f"{draft.treatment[1]}{draft.rng.choice('华安恒信达')}实业有限公司"
    draft.add(
        DocumentKind.LABOR_CONTRACT,
        {
            "name": draft.person.name,
            "employer": employer,
            "work_place": draft.address(),
            "valid_from": begun.isoformat(),
            "valid_until": add_months(draft.start_date, 24).isoformat(),
        },
        seal=employer,
    )


def _add_referral(draft: _Draft) -> None:
    on = draft.filed_on - timedelta(days=draft.rng.randint(0, 40))
    hospital = f"{draft.insured_city}第一人民医院"
    draft.add(
        DocumentKind.REFERRAL_FORM,
        {
            "name": draft.person.name,
            "id_number": draft.person.id_number,
            "diagnosis": draft.rng.choice(("肺恶性肿瘤", "脑梗死", "慢性肾功能衰竭")),
            "hospital": hospital,
            "destination": f"{draft.treatment[1]}第六人民医院",
            "date": on.isoformat(),
        },
        seal=f"{hospital}医保办",
    )


def _add_commitment(draft: _Draft) -> None:
    """Sign the commitment: in the app only, or also on a paper letter photographed."""
    draft.commitment = True
    if draft.rng.random() < 0.5:
        _add_commitment_letter(draft)


def _add_commitment_letter(draft: _Draft) -> None:
    draft.add(
        DocumentKind.COMMITMENT_LETTER,
        {
            "name": draft.person.name,
            "id_number": draft.person.id_number,
            "signature": draft.person.name,
            "date": draft.filed_on.isoformat(),
        },
    )


def _replace_doc(draft: _Draft, kind: DocumentKind, **changes: Any) -> None:
    for i, doc in enumerate(draft.docs):
        if doc.kind is kind:
            fields = {**doc.fields, **changes.pop("fields", {})}
            fields = {k: v for k, v in fields.items() if v is not None}
            draft.docs[i] = replace(doc, fields=fields, **changes)
            return
    raise LookupError(kind)


def _inject(draft: _Draft, defect: str) -> tuple[tuple[str, ...], str | None]:
    """Apply a defect; return the expected missing groups and the duplicated document."""
    rng, person = draft.rng, draft.person
    if defect in ("missing_material", "wrong_kind"):
        return _inject_missing(draft, wrong_kind=defect == "wrong_kind"), None
    if defect == "wrong_name":
        named = [d for d in draft.docs if "name" in d.fields]
        if not named:
            draft.evoucher = False
            _add_identity_card(draft)
            named = [draft.docs[-1]]
        target = rng.choice(named)
        draft.docs[draft.docs.index(target)] = replace(
            target, fields={**target.fields, "name": _other_name(rng, person.name)}
        )
    elif defect == "wrong_id_number":
        numbered = [d for d in draft.docs if "id_number" in d.fields]
        if not numbered:
            draft.evoucher = False
            _add_identity_card(draft)
            numbered = [draft.docs[-1]]
        target = rng.choice(numbered)
        other = fake_id_number(rng, region=draft.insured)
        draft.docs[draft.docs.index(target)] = replace(
            target, fields={**target.fields, "id_number": other}
        )
    elif defect == "expired_permit":
        until = draft.filed_on - timedelta(days=rng.randint(1, 60))
        fields = {
            "valid_until": until.isoformat(),
            "valid_from": add_months(until, -12).isoformat(),
        }
        _replace_doc(draft, DocumentKind.RESIDENCE_PERMIT, fields=fields)
    elif defect == "permit_other_city":
        elsewhere = _other_treatment(draft)
        fields = {
            "address": f"{elsewhere[1]}{elsewhere[2][0]}人民路1号",
            "issuer": f"{elsewhere[1]}公安局",
        }
        _replace_doc(draft, DocumentKind.RESIDENCE_PERMIT, fields=fields)
    elif defect == "permit_named_after_treatment":
        # Another city's permit whose estate is named after the treatment city (上海花园).
        elsewhere = _other_treatment(draft)
        estate = _short_city(draft.treatment[1])
        fields = {
            "address": f"{elsewhere[1]}{elsewhere[2][0]}{estate}花园3幢201室",
            "issuer": f"{elsewhere[1]}公安局",
        }
        _replace_doc(draft, DocumentKind.RESIDENCE_PERMIT, fields=fields)
    elif defect == "referral_company_seal":
        trader = rng.choice(("恒达贸易有限公司", "华信商贸有限公司", "永兴实业有限公司"))
        seal = f"{draft.insured_city}{trader}"
        _replace_doc(draft, DocumentKind.REFERRAL_FORM, seal=seal, foreign_seal=True)
    elif defect == "other_person_id_card":
        _inject_other_person_card(draft)
    elif defect == "unreadable_document":
        # A second proof whose analysis failed, beside a permit that passes on its own.
        _add_hukou(draft)
        target = draft.docs[-1]
        draft.docs[-1] = replace(target, unreadable=True)
    elif defect in ("dispatch_other_city", "referral_wrong_destination"):
        elsewhere = _other_treatment(draft)
        kind = (
            DocumentKind.DISPATCH_LETTER
            if defect == "dispatch_other_city"
            else DocumentKind.REFERRAL_FORM
        )
        suffix = "" if kind is DocumentKind.DISPATCH_LETTER else "第六人民医院"
        _replace_doc(draft, kind, fields={"destination": f"{elsewhere[1]}{suffix}"})
    elif defect in ("dispatch_too_old", "referral_too_old"):
        kind, months = (
            (DocumentKind.DISPATCH_LETTER, 6)
            if defect == "dispatch_too_old"
            else (DocumentKind.REFERRAL_FORM, 3)
        )
        on = add_months(draft.filed_on, -months) - timedelta(days=rng.randint(2, 120))
        _replace_doc(draft, kind, fields={"date": on.isoformat(), "valid_from": None})
    elif defect == "dispatch_no_seal":
        _replace_doc(draft, DocumentKind.DISPATCH_LETTER, seal=None)
    elif defect == "referral_no_seal":
        _replace_doc(draft, DocumentKind.REFERRAL_FORM, seal=None)
    elif defect == "unsigned_commitment":
        if not any(d.kind is DocumentKind.COMMITMENT_LETTER for d in draft.docs):
            _add_commitment_letter(draft)
        _replace_doc(draft, DocumentKind.COMMITMENT_LETTER, fields={"signature": None})
    elif defect == "multi_city_commitment":
        draft.facts_overrides["other_long_term_regions"] = (_other_treatment(draft)[0],)
    elif defect == "commitment_used_before":
        draft.facts_overrides["used_commitment_before"] = True
    elif defect == "hukou_other_household":
        # The front page of another household: another head, another number.
        fields = {
            "household_head": _other_name(rng, person.name),
            "household_number": f"{rng.randint(1, 9)}{rng.randint(0, 99999999):08d}",
        }
        _replace_doc(draft, DocumentKind.HUKOU_FRONT, fields=fields)
    elif defect == "hukou_other_person":
        relative = _make_person(rng, region=draft.insured, retiree=True, on=draft.filed_on)
        fields = {
            "name": _other_name(rng, person.name),
            "relation": "配偶",
            "sex": relative.sex,
            "birth_date": relative.birth.isoformat(),
            "id_number": relative.id_number,
        }
        _replace_doc(draft, DocumentKind.HUKOU_PERSON, fields=fields)
    elif defect == "duplicate_image":
        if not draft.docs:
            draft.evoucher = False
            _add_identity_card(draft)
        return (), rng.choice(draft.docs).document_id
    elif defect == "emergency_late":
        window = draft.pack.filing_types["emergency"].retroactive_days
        draft.start_date = draft.filed_on - timedelta(days=window + rng.randint(1, 30))
    elif defect == "blurry_photo":
        if not draft.docs:
            draft.evoucher = False
            _add_identity_card(draft)
        target = rng.choice(draft.docs)
        draft.docs[draft.docs.index(target)] = replace(target, blurry=True)
    else:
        raise ValueError(f"unknown defect {defect!r}")
    return (), None


def _inject_other_person_card(draft: _Draft) -> None:
    """The applicant's own social-security card beside a relative's ID card."""
    rng, person = draft.rng, draft.person
    draft.evoucher = False
    draft.docs = [d for d in draft.docs if d.kind not in _IDENTITY_KINDS]
    card = f"{rng.randint(0, 99999999):08d}"
    draft.add(
        DocumentKind.SOCIAL_SECURITY_CARD,
        {"name": person.name, "id_number": person.id_number, "card_number": card},
    )
    relative = _make_person(rng, region=draft.insured, retiree=False, on=draft.filed_on)
    draft.add(
        DocumentKind.ID_CARD_FRONT,
        {
            "name": _other_name(rng, person.name),
            "sex": relative.sex,
            "birth_date": relative.birth.isoformat(),
            "id_number": relative.id_number,
            "address": f"{draft.insured_city}{rng.choice(_STREETS)}8号",
        },
    )


_IDENTITY_KINDS: Final = frozenset(
    {DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK, DocumentKind.SOCIAL_SECURITY_CARD}
)


def _short_city(full: str) -> str:
    """上海 for 上海市, 南京 for 江苏省南京市."""
    return full.rsplit("省", 1)[-1].removesuffix("市")


def _add_identity_card(draft: _Draft) -> None:
    person = draft.person
    draft.add(
        DocumentKind.ID_CARD_FRONT,
        {
            "name": person.name,
            "sex": person.sex,
            "birth_date": person.birth.isoformat(),
            "id_number": person.id_number,
            "address": f"{draft.insured_city}人民路8号",
        },
    )


def _other_treatment(draft: _Draft) -> tuple[str, str, tuple[str, ...]]:
    return draft.rng.choice(
        [t for t in _TREATMENT if t[0] != draft.treatment[0] and t[0][:4] != draft.insured[:4]]
    )


def _inject_missing(draft: _Draft, *, wrong_kind: bool) -> tuple[str, ...]:
    """Take away every document of one required group (or swap it for a wrong kind)."""
    rules = draft.pack.filing_types[draft.filing_type]
    groups = dict(rules.active_groups)
    if draft.commitment:
        # The commitment signed in the app stands in for the proof; nothing to take away.
        groups = {c: g for c, g in groups.items() if g.role != "proof"}
    present = {d.kind for d in draft.docs}
    candidates = [
        (code, g)
        for code, g in groups.items()
        if g.required and g.kinds & present and (g.role == "proof" or not wrong_kind)
    ]
    if not candidates:
        # Only a waived identity group: take the voucher away instead.
        draft.evoucher = False
        return ("identity",)
    code, group = draft.rng.choice(candidates)
    draft.docs = [d for d in draft.docs if d.kind not in group.kinds]
    if wrong_kind:
        wrong = [
            k
            for k in (DocumentKind.LABOR_CONTRACT, DocumentKind.PROPERTY_CERTIFICATE)
            if k not in group.kinds
        ]
        kind = draft.rng.choice(wrong)
        fields = {
            "name": draft.person.name,
            "address": draft.address(),
            "work_place": draft.address(),
        }
        draft.add(kind, fields, seal="专用章")
    return (code,)


def _sha(scenario: Scenario, doc: DocumentSpec) -> str:
    return hashlib.sha256(f"{scenario.id}/{doc.document_id}".encode()).hexdigest()


def unread_documents(scenario: Scenario, evidence: Sequence[Evidence]) -> list[UnreadDocument]:
    """The scenario's documents that gave no evidence, as the service reports them.

    Args:
        scenario: The scenario.
        evidence: Its evidence (ground truth or read from rendered images).

    Returns:
        A failed document for each unreadable upload; a page with nothing found
        for each other document that the reader found nothing on.
    """
    seen = {item.document_id for item in evidence}
    return [
        UnreadDocument(
            document_id=doc.document_id,
            reason=UnreadReason.FAILED if doc.unreadable else UnreadReason.NO_DOCUMENT,
            page=None if doc.unreadable else 1,
        )
        for doc in scenario.documents
        if doc.document_id not in seen
    ]


def ground_truth_evidence(scenario: Scenario) -> list[Evidence]:
    """Build the readings a perfect reader would return for the scenario's documents.

    Args:
        scenario: The scenario.

    Returns:
        One evidence item per document (page 1, index 0, confident kind and
        fields, the seal where stamped, a blur problem where the photo is blurry).
    """
    return [_evidence(scenario, doc) for doc in scenario.documents if not doc.unreadable]


def _evidence(scenario: Scenario, doc: DocumentSpec) -> Evidence:
    seals = (
        ()
        if doc.seal is None
        else (Seal(box=(0.6, 0.7, 0.8, 0.9), colour="red", confidence=0.9, text=doc.seal),)
    )
    reading = DocumentReading(
        index=0,
        box=(0.0, 0.0, 1.0, 1.0),
        kind=doc.kind,
        kind_confidence=0.97,
        fields={name: Field(value=value, confidence=0.95) for name, value in doc.fields.items()},
        seals=seals,
    )
    problems = (
        (QualityProblem(code="blurry", message="照片模糊，请重新拍摄"),) if doc.blurry else ()
    )
    sha = _sha(scenario, doc)
    return Evidence(
        document_id=doc.document_id,
        page=1,
        reading=reading,
        quality=Quality(problems=problems, sharpness=40.0 if doc.blurry else 400.0),
        image_sha256=sha,
        phash=sha[:16],
    )


def duplicate_hits(scenario: Scenario, evidence: Sequence[Evidence]) -> list[DuplicateHit]:
    """The other applicant's page a duplicate-image scenario copies, as the caller would find it.

    Args:
        scenario: The scenario.
        evidence: Its evidence (ground truth or read from rendered images).

    Returns:
        One hit carrying the copied page's hashes, or nothing.
    """
    return [
        DuplicateHit(
            other_filing_id=f"{scenario.id}-other",
            other_document_id="doc-x",
            other_page=1,
            image_sha256=item.image_sha256,
            phash=item.phash,
        )
        for item in evidence
        if item.document_id == scenario.duplicate_of
    ]


def render_scenario(scenario: Scenario, rng: random.Random) -> list[tuple[DocumentSpec, Any]]:
    """Render and photograph each document of a scenario through ``samples.generate``.

    Args:
        scenario: The scenario.
        rng: The random source for layout and photo effects.

    Returns:
        ``(document, (photo, truth))`` pairs: the PIL photo and the photo's ground
        truth as :func:`samples.photo.photograph` returns them. Blurry documents
        are photographed with the ``hard`` difficulty and then thrown out of
        focus (``_out_of_focus``).
    """
    from samples.generate import render_document
    from samples.people import make_person
    from samples.photo import photograph

    facts, regions = scenario.facts, load_region_table()
    base = make_person(rng, city=facts.insured_region[:4] + "00")
    out: list[tuple[DocumentSpec, Any]] = []
    for doc in scenario.documents:
        if doc.unreadable:
            continue
        fields = doc.fields
        parsed = parse_id_number(facts.applicant_id_number, today=facts.filed_on)
        person = replace(
            base,
            name=facts.applicant_name,
            id_number=facts.applicant_id_number,
            sex=parsed.sex if parsed else base.sex,
            birth_date=parsed.birth_date if parsed else base.birth_date,
            relation="户主",
            household_head=fields.get("household_head", facts.applicant_name),
            household_number=fields.get("household_number", base.household_number),
        )
        rendered = render_document(doc.kind, person, rng, **_render_facts(doc, regions))
        difficulty = "hard" if doc.blurry else "easy"
        photo, truth = photograph([rendered], rng, difficulty=difficulty)
        if doc.blurry:
            photo = _out_of_focus(photo, random.Random(f"{scenario.id}/{doc.document_id}"))
        out.append((doc, (photo, truth)))
    return out


def _out_of_focus(photo: Any, rng: random.Random) -> Any:
    """Blur a photo past what can be read with confidence.

    The ``hard`` photo difficulty draws its defocus at random and is often
    sharp; a blurry-photo defect must really be blurry. A Gaussian blur of
    σ 3-4.5 px per 4000 px of long side (a 12 MP phone photo) is what the
    quality check's calibration calls too blurry (σ 3 px measures 0.13
    against the 0.22 threshold). The random source is the document's own, so
    the other documents' photos stay as they were.
    """
    from PIL import ImageFilter

    sigma = rng.uniform(3.0, 4.5) * max(photo.size) / 4000
    return photo.filter(ImageFilter.GaussianBlur(radius=sigma))


def _render_facts(doc: DocumentSpec, regions: RegionTable) -> dict[str, Any]:
    fields = doc.fields
    facts: dict[str, Any] = {"seal": doc.seal is not None, "signed": doc.signed}
    if doc.foreign_seal:
        facts["seal_text"] = doc.seal
    for key in ("name", "id_number"):
        if key in fields:
            facts[key] = fields[key]
    for key in ("destination", "address", "work_place"):
        place = regions.find(fields.get(key, ""))
        if place is not None:
            facts["city"] = city_of(place)
            break
    if "valid_until" in fields:
        until = fields["valid_until"]
        facts["valid_until"] = until if until == "长期" else date.fromisoformat(until)
    if "valid_from" in fields:
        facts["issued"] = date.fromisoformat(fields["valid_from"])
    if "date" in fields:
        facts["date"] = date.fromisoformat(fields["date"])
    return facts


def store_scenarios(
    uow_factory: UnitOfWorkFactory,
    scenarios: Sequence[Scenario],
    *,
    owner: str,
    engine_version: str,
    first_at: datetime = datetime(2026, 11, 2, 1, 0, tzinfo=UTC),
) -> list[Filing]:
    """Store each scenario as the service would hold it: a submitted filing, one analysed
    document per scenario document, and its ground-truth reading cached for
    ``engine_version`` (benchmarks and tests that need stored filings without OCR).

    Filings are submitted a second apart from ``first_at``, 500 to a transaction.
    """
    stored: list[Filing] = []
    for start in range(0, len(scenarios), 500):
        with uow_factory() as uow:
            for n, scenario in enumerate(scenarios[start : start + 500], start=start):
                facts = scenario.facts
                at = first_at + timedelta(seconds=n)
                filing = Filing(
                    id=FilingId(uuid.uuid4()),
                    owner=owner,
                    applicant=Applicant(
                        name=facts.applicant_name,
                        id_number=facts.applicant_id_number,
                        phone=_PHONE,
                    ),
                    filing_type=FilingType(facts.filing_type),
                    insured_region=facts.insured_region,
                    treatment_region=facts.treatment_region,
                    scheme=Scheme(facts.scheme),
                    start_date=facts.start_date,
                    filed_on=facts.filed_on,
                    commitment=facts.commitment,
                    evoucher_verified=facts.evoucher_verified,
                    created_at=at,
                    updated_at=at,
                    submitted_at=at,
                    status=FilingStatus.SUBMITTED,
                )
                uow.filings.add(filing)
                for item in ground_truth_evidence(scenario):
                    page = Page(
                        number=1,
                        image_sha256=item.image_sha256,
                        width=1600,
                        height=1200,
                        quality=item.quality,
                        phash=item.phash,
                    )
                    uow.documents.add(
                        Document(
                            id=DocumentId(uuid.uuid4()),
                            filing_id=filing.id,
                            sha256=uuid.uuid4().hex * 2,
                            size=1000,
                            content_type="image/jpeg",
                            page_count=1,
                            created_at=at,
                            status=DocumentStatus.ANALYSED,
                            pages=[page],
                            kind=item.reading.kind,
                            kind_confidence=item.reading.kind_confidence,
                        )
                    )
                    uow.readings.put(
                        StoredReading(
                            image_sha256=item.image_sha256,
                            engine_version=engine_version,
                            reading=PageReading(
                                page=1,
                                documents=(item.reading,),
                                quality=item.quality,
                                engine="ground-truth",
                                engine_version=engine_version,
                            ),
                        )
                    )
                stored.append(filing)
            uow.commit()
    return stored
