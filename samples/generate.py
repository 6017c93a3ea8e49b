"""The corpus generator: documents rendered, photographed and written with ground truth.

``render_document`` draws one clean document for a chosen person and facts;
``photograph`` turns one or more of them into a phone photo with exact
ground truth; ``generate_corpus`` does both many times, deterministically
for a seed, writing ``0001.jpg`` beside ``0001.json``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Final

import structlog

from ocr.domain import DocumentKind
from samples.canvas import RenderedDocument
from samples.cards import id_card_back, id_card_front, residence_permit_card, social_security_card
from samples.facts import REFERENCE_DATE, Facts, resolve_facts
from samples.forms import referral_form
from samples.letters import commitment_letter, dispatch_letter, labor_contract
from samples.people import Person, make_person
from samples.photo import encode_photo, photograph
from samples.registers import hukou_front, hukou_person, property_certificate
from samples.unknowns import UNKNOWN_TEMPLATES

__all__ = [
    "DOCUMENT_KINDS",
    "EXAMPLES",
    "generate_corpus",
    "photograph",
    "render_document",
    "write_examples",
]

log = structlog.get_logger(__name__)

Renderer = Callable[[Facts, random.Random], RenderedDocument]

_RENDERERS: Final[dict[DocumentKind, Renderer]] = {
    DocumentKind.ID_CARD_FRONT: id_card_front,
    DocumentKind.ID_CARD_BACK: id_card_back,
    DocumentKind.SOCIAL_SECURITY_CARD: social_security_card,
    DocumentKind.HUKOU_FRONT: hukou_front,
    DocumentKind.HUKOU_PERSON: hukou_person,
    DocumentKind.RESIDENCE_PERMIT: residence_permit_card,
    DocumentKind.PROPERTY_CERTIFICATE: property_certificate,
    DocumentKind.DISPATCH_LETTER: dispatch_letter,
    DocumentKind.LABOR_CONTRACT: labor_contract,
    DocumentKind.REFERRAL_FORM: referral_form,
    DocumentKind.COMMITMENT_LETTER: commitment_letter,
}

DOCUMENT_KINDS: Final[tuple[DocumentKind, ...]] = tuple(_RENDERERS)
"""Every kind the generator draws, ``unknown`` aside."""

_UNKNOWN_SHARE: Final = 0.10
_MULTI_SHARE: Final = 0.08
# Documents photographed together: the pairs applicants really put on one page.
_PAIRS: Final[tuple[tuple[DocumentKind, DocumentKind], ...]] = (
    (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK),
    (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK),
    (DocumentKind.HUKOU_FRONT, DocumentKind.HUKOU_PERSON),
    (DocumentKind.ID_CARD_FRONT, DocumentKind.SOCIAL_SECURITY_CARD),
)


def render_document(
    kind: DocumentKind | str,
    person: Person,
    rng: random.Random,
    *,
    name: str | None = None,
    id_number: str | None = None,
    city: str | None = None,
    destination: str | None = None,
    issued: date | None = None,
    valid_until: date | str | None = None,
    date: date | None = None,
    seal: bool = True,
    signed: bool = True,
    template: str | None = None,
    today: date = REFERENCE_DATE,
    seal_text: str | None = None,
) -> RenderedDocument:
    """Draw one clean document of ``kind`` for ``person``, before any photo effects.

    Every fact left out gets a default that is valid on ``today``; choose
    facts to build defects (``name`` of someone else, an expired
    ``valid_until``, ``seal=False``, an old ``date``, a wrong ``city``).

    Args:
        kind: The document kind; ``unknown`` draws a random negative
            (``template`` picks which: ``receipt``, ``menu``, ``driving_licence``,
            ``bank_card``, ``blank``, ``texture``, ``diploma``, ``train_ticket``).
        person: Whose document it is.
        rng: The random source; the same state draws the same document.
        name: The printed name (default the person's).
        id_number: The printed ID number (default the person's).
        city: Where the proof points: the residence permit's or property's
            city, the household's registration, the dispatch or work city (a
            GB/T 2260 code or a name such as ``厦门市``).
        destination: The referral's destination city (same as ``city``).
        issued: The issue / start date (ID cards, permits, contracts, registers).
        valid_until: The end of validity, or ``"长期"``.
        date: The document's own date (letters, forms, contracts).
        seal: Whether it carries its red seal.
        signed: Whether it is signed by hand (contracts, commitments, referrals).
        template: For ``unknown``, which negative to draw.
        today: The reference day for defaults.
        seal_text: Stamp another unit's seal, with this text, instead of the issuer's.

    Returns:
        The document image and its ground truth.

    Raises:
        KeyError: ``city`` or ``template`` is not known.
    """
    kind = DocumentKind(kind)
    facts = resolve_facts(
        person,
        rng,
        kind=kind.value,
        name=name,
        id_number=id_number,
        city=city,
        destination=destination,
        issued=issued,
        valid_until=valid_until,
        on=date,
        seal=seal,
        signed=signed,
        today=today,
        seal_text=seal_text,
    )
    if kind is DocumentKind.UNKNOWN:
        chosen = template or rng.choice(sorted(UNKNOWN_TEMPLATES))
        return UNKNOWN_TEMPLATES[chosen](facts, rng)
    return _RENDERERS[kind](facts, rng)


def _plan(
    count: int, kinds: Sequence[DocumentKind], rng: random.Random
) -> list[tuple[DocumentKind, ...]]:
    """Which documents go on each page: balanced over kinds, some unknowns and pairs."""
    real = [k for k in kinds if k is not DocumentKind.UNKNOWN]
    unknowns = round(count * _UNKNOWN_SHARE) if DocumentKind.UNKNOWN in kinds else 0
    if not real:
        return [(DocumentKind.UNKNOWN,)] * count
    pairs = [p for p in _PAIRS if p[0] in real and p[1] in real]
    multi = min(round(count * _MULTI_SHARE), count - unknowns) if pairs else 0
    singles = count - unknowns - multi
    pages: list[tuple[DocumentKind, ...]] = []
    while len(pages) < singles:
        batch = list(real)
        rng.shuffle(batch)
        pages.extend((k,) for k in batch[: singles - len(pages)])
    pages.extend(rng.choice(pairs) for _ in range(multi))
    pages.extend((DocumentKind.UNKNOWN,) for _ in range(unknowns))
    rng.shuffle(pages)
    return pages


def generate_corpus(
    out_dir: Path,
    *,
    count: int,
    seed: int,
    kinds: Sequence[DocumentKind] | None = None,
    difficulty: str = "normal",
    long_side: tuple[int, int] = (1000, 4000),
    max_bytes: int | None = None,
    on_page: Callable[[], None] | None = None,
) -> list[Path]:
    """Write ``count`` synthetic photos with ground truth into ``out_dir``.

    The same arguments give byte-identical files. About 10% of the pages are
    ``unknown`` negatives (when ``kinds`` allows them) and about 8% carry two
    documents (an ID card's both sides on a photocopy, two cards side by side,
    the two household-register pages).

    Args:
        out_dir: Where ``0001.jpg`` and ``0001.json`` go (created if missing).
        count: How many photos.
        seed: The random seed.
        kinds: Restrict to these kinds (default: all, ``unknown`` included).
        difficulty: ``easy``, ``normal`` or ``hard`` photo effects.
        long_side: The range of the photos' long side in pixels.
        max_bytes: Lower the JPEG quality until each file fits (for committed examples).
        on_page: Called after each photo is written (a progress bar's step).

    Returns:
        The image paths written, in order.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = list(kinds) if kinds is not None else [*DOCUMENT_KINDS, DocumentKind.UNKNOWN]
    plan = _plan(count, chosen, random.Random(f"plan:{seed}"))
    written: list[Path] = []
    for index, page in enumerate(plan, start=1):
        rng = random.Random(f"page:{seed}:{index}")
        image_path = out_dir / f"{index:04d}.jpg"
        _write_page(
            image_path,
            page,
            rng,
            seed=seed,
            difficulty=difficulty,
            long_side=long_side,
            max_bytes=max_bytes,
        )
        written.append(image_path)
        if on_page is not None:
            on_page()
    log.info("samples.corpus.generated", count=count, seed=seed, out_dir=str(out_dir))
    return written


def _write_page(
    image_path: Path,
    page: tuple[DocumentKind, ...],
    rng: random.Random,
    *,
    seed: int,
    difficulty: str,
    long_side: tuple[int, int],
    max_bytes: int | None,
) -> None:
    person = make_person(rng)
    shared_city = None if len(page) == 1 else person.city.code
    docs = [render_document(kind, person, rng, city=shared_city) for kind in page]
    image, truth = photograph(docs, rng, difficulty=difficulty, long_side=rng.randint(*long_side))
    quality = rng.randint(70, 95)
    orientation = rng.choice((3, 6, 8)) if rng.random() < 0.08 else 1
    data = encode_photo(image, quality=quality, exif_orientation=orientation)
    while max_bytes is not None and len(data) > max_bytes and quality > 40:
        quality -= 8
        data = encode_photo(image, quality=quality, exif_orientation=orientation)
    image_path.write_bytes(data)
    record: dict[str, Any] = {"image": image_path.name, "seed": seed, **truth}
    image_path.with_suffix(".json").write_text(
        json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


EXAMPLES: Final[tuple[tuple[str, tuple[str, ...], str], ...]] = (
    *((k.value, (k.value,), "single") for k in _RENDERERS),
    ("dispatch_letter_2", ("dispatch_letter",), "single"),
    ("referral_form_2", ("referral_form",), "single"),
    ("residence_permit_2", ("residence_permit",), "single"),
    ("id_card_photocopy", ("id_card_front", "id_card_back"), "photocopy"),
    ("id_card_side_by_side", ("id_card_front", "id_card_back"), "side_by_side"),
    ("hukou_pages", ("hukou_front", "hukou_person"), "side_by_side"),
    ("unknown_receipt", ("unknown:receipt",), "single"),
    ("unknown_driving_licence", ("unknown:driving_licence",), "single"),
    ("unknown_train_ticket", ("unknown:train_ticket",), "single"),
    ("unknown_blank", ("unknown:blank",), "single"),
)
"""The committed examples: ``(file stem, documents, layout)``."""


def write_examples(
    out_dir: Path, *, seed: int = 2025, long_side: int = 1600, max_bytes: int = 350_000
) -> list[Path]:
    """Write the small example set (one or two per kind, pairs, negatives) named by content.

    Args:
        out_dir: Where ``id_card_front.jpg`` / ``.json`` and the others go.
        seed: The random seed.
        long_side: The photos' long side in pixels.
        max_bytes: The JPEG quality is lowered until each file fits.

    Returns:
        The image paths written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, kinds, layout in EXAMPLES:
        rng = random.Random(f"example:{seed}:{stem}")
        person = make_person(rng)
        city = person.city.code if len(kinds) > 1 else None
        docs = []
        for spec in kinds:
            kind, _, template = spec.partition(":")
            docs.append(render_document(kind, person, rng, city=city, template=template or None))
        image, truth = photograph(docs, rng, layout=layout, long_side=long_side, rotation=0)
        quality = 88
        data = encode_photo(image, quality=quality)
        while len(data) > max_bytes and quality > 40:
            quality -= 6
            data = encode_photo(image, quality=quality)
        path = out_dir / f"{stem}.jpg"
        path.write_bytes(data)
        record: dict[str, Any] = {"image": path.name, "seed": seed, **truth}
        text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
        path.with_suffix(".json").write_text(text, encoding="utf-8")
        written.append(path)
    return written
