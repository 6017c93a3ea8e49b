"""Reading types: what `ocr` returns for one page.

A page holds one or more documents (an A4 photocopy often carries an ID card's
front and back). Geometry is relative to the normalised page image: every box
is ``(x0, y0, x1, y1)`` with coordinates in ``[0, 1]``, so a box can be drawn on
any rendition of the page.

Every type exports itself to plain JSON-ready dicts (``export``) and back
(``from_dict``) so readings can be cached and stored without pickling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DocumentKind(StrEnum):
    """The document kinds the service recognises (DESIGN.md vocabulary)."""

    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    SOCIAL_SECURITY_CARD = "social_security_card"
    HUKOU_FRONT = "hukou_front"
    HUKOU_PERSON = "hukou_person"
    RESIDENCE_PERMIT = "residence_permit"
    PROPERTY_CERTIFICATE = "property_certificate"
    DISPATCH_LETTER = "dispatch_letter"
    LABOR_CONTRACT = "labor_contract"
    REFERRAL_FORM = "referral_form"
    COMMITMENT_LETTER = "commitment_letter"
    UNKNOWN = "unknown"


class FieldName(StrEnum):
    """Field names read from documents.

    The first ten are the CONTRACT names; the rest are extensions the
    verifiers need (sex and birth date to cross-check an ID number, household
    number and head to link the two household-register pages, and so on).
    """

    NAME = "name"
    ID_NUMBER = "id_number"
    ADDRESS = "address"
    ISSUER = "issuer"
    VALID_FROM = "valid_from"
    VALID_UNTIL = "valid_until"
    EMPLOYER = "employer"
    HOSPITAL = "hospital"
    DESTINATION = "destination"
    DATE = "date"
    SEX = "sex"
    BIRTH_DATE = "birth_date"
    ETHNICITY = "ethnicity"
    HOUSEHOLD_NUMBER = "household_number"
    HOUSEHOLD_HEAD = "household_head"
    RELATION = "relation"
    CARD_NUMBER = "card_number"
    WORK_PLACE = "work_place"
    DIAGNOSIS = "diagnosis"
    SIGNATURE = "signature"


Box = tuple[float, float, float, float]
"""``(x0, y0, x1, y1)`` relative to the page, each in ``[0, 1]``."""


def _box(value: Any) -> Box:
    x0, y0, x1, y1 = (float(v) for v in value)
    return (x0, y0, x1, y1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One line of text as the recogniser read it."""

    text: str
    box: Box
    confidence: float

    def export(self) -> dict[str, Any]:
        return {"text": self.text, "box": list(self.box), "confidence": self.confidence}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Line:
        box = _box(data["box"])
        return cls(text=data["text"], box=box, confidence=float(data["confidence"]))


Alternatives = tuple[tuple[tuple[str, float], ...], ...]
"""Per character of a text, the recogniser's likeliest readings ``(character, probability)``."""


def _alternatives(value: Any) -> Alternatives:
    return tuple(tuple((str(c), float(p)) for c, p in choices) for choices in value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """A field value read from a document, normalised (dates as ISO).

    Attributes:
        value: The value.
        confidence: The recogniser's score of the line it was read from.
        box: Where it was read.
        alternatives: One tuple per character of ``value``: the recogniser's
            likeliest characters at that place with their probabilities. Only
            for a value that is a contiguous slice of one line's text; empty
            otherwise.
    """

    value: str
    confidence: float
    box: Box | None = None
    alternatives: Alternatives = ()

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = {
            "value": self.value,
            "confidence": self.confidence,
            "box": list(self.box) if self.box else None,
        }
        if self.alternatives:
            exported["alternatives"] = [
                [[char, prob] for char, prob in choices] for choices in self.alternatives
            ]
        return exported

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Field:
        return cls(
            value=str(data["value"]),
            confidence=float(data["confidence"]),
            box=_box(data["box"]) if data.get("box") is not None else None,
            alternatives=_alternatives(data.get("alternatives") or ()),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Seal:
    """A stamp found on the page (round or oval, usually red)."""

    box: Box
    colour: str
    confidence: float
    text: str = ""

    def export(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "colour": self.colour,
            "confidence": self.confidence,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Seal:
        box = _box(data["box"])
        return cls(
            box=box,
            colour=data["colour"],
            confidence=float(data["confidence"]),
            text=data.get("text", ""),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityProblem:
    """Why a page is not good enough to read; ``message`` is shown to the applicant."""

    code: str
    message: str

    def export(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class Quality:
    """Image-quality measurements of one page and the problems they reveal."""

    problems: tuple[QualityProblem, ...] = ()
    sharpness: float = 0.0
    exposure: float = 0.0
    glare: float = 0.0
    width: int = 0
    height: int = 0
    document_area: float = 0.0
    skew: float = 0.0
    rotation: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def export(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [p.export() for p in self.problems],
            "sharpness": self.sharpness,
            "exposure": self.exposure,
            "glare": self.glare,
            "width": self.width,
            "height": self.height,
            "document_area": self.document_area,
            "skew": self.skew,
            "rotation": self.rotation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quality:
        return cls(
            problems=tuple(
                QualityProblem(code=p["code"], message=p["message"])
                for p in data.get("problems", ())
            ),
            sharpness=float(data.get("sharpness", 0.0)),
            exposure=float(data.get("exposure", 0.0)),
            glare=float(data.get("glare", 0.0)),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
            document_area=float(data.get("document_area", 0.0)),
            skew=float(data.get("skew", 0.0)),
            rotation=int(data.get("rotation", 0)),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class KindScore:
    kind: DocumentKind
    confidence: float

    def export(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "confidence": self.confidence}


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentReading:
    """One document found on a page: its kind, fields and seals."""

    index: int
    box: Box
    kind: DocumentKind
    kind_confidence: float
    runners_up: tuple[KindScore, ...] = ()
    cues: tuple[str, ...] = ()
    fields: dict[str, Field] = field(default_factory=dict)
    seals: tuple[Seal, ...] = ()
    lines: tuple[Line, ...] = ()

    def field_value(self, name: str) -> str | None:
        found = self.fields.get(name)
        return found.value if found else None

    def export(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "box": list(self.box),
            "kind": self.kind.value,
            "kind_confidence": self.kind_confidence,
            "runners_up": [r.export() for r in self.runners_up],
            "cues": list(self.cues),
            "fields": {name: f.export() for name, f in self.fields.items()},
            "seals": [s.export() for s in self.seals],
            "lines": [line.export() for line in self.lines],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentReading:
        box = _box(data["box"])
        return cls(
            index=int(data["index"]),
            box=box,
            kind=DocumentKind(data["kind"]),
            kind_confidence=float(data["kind_confidence"]),
            runners_up=tuple(
                KindScore(kind=DocumentKind(r["kind"]), confidence=float(r["confidence"]))
                for r in data.get("runners_up", ())
            ),
            cues=tuple(data.get("cues", ())),
            fields={k: Field.from_dict(v) for k, v in data.get("fields", {}).items()},
            seals=tuple(Seal.from_dict(s) for s in data.get("seals", ())),
            lines=tuple(Line.from_dict(x) for x in data.get("lines", ())),
        )


class PageSource(StrEnum):
    """What a page's pixels came from."""

    RASTER = "raster"
    """A photo or a scan: a camera or scanner image is the page (an image
    upload, or a PDF page that is one covering image with at most an
    invisible text layer over it)."""
    BORN_DIGITAL = "born_digital"
    """A PDF page drawn from text and vector graphics, or with them drawn over its image."""


class LayerMismatch(StrEnum):
    """Why a line of a PDF text layer is not what the page shows."""

    OFF_PAGE = "off_page"
    """The line lies (mostly) outside the page."""
    INVISIBLE = "invisible"
    """Drawn with an invisible render mode (3 or 7) or a fully transparent colour."""
    BACKGROUND = "background_colour"
    """Drawn in the colour of the pixels under it (white on white)."""
    NOT_IN_IMAGE = "not_in_image"
    """Drawn visibly, yet the recogniser does not read it in the page image."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerLine:
    """A line of a PDF text layer that the page image does not show."""

    text: str
    box: Box
    """Relative to the PDF page; may reach outside ``[0, 1]`` for text off the page."""
    mismatch: LayerMismatch

    def export(self) -> dict[str, Any]:
        return {"text": self.text, "box": list(self.box), "mismatch": self.mismatch.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerLine:
        return cls(
            text=str(data["text"]),
            box=_box(data["box"]),
            mismatch=LayerMismatch(data["mismatch"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLayerFinding:
    """How far a PDF page's text layer agrees with what was read from its pixels.

    The layer is a claim made by whoever made the file; the reading never
    takes text from it. A layer that says what the pixels do not is a
    forgery signal.
    """

    characters: int
    """Letters, digits and CJK characters in the layer lines that were judged."""
    agreement: float
    """Share of those characters in lines the page image shows (1.0 when none were judged)."""
    disagreements: tuple[LayerLine, ...] = ()

    @property
    def agrees(self) -> bool:
        return not self.disagreements

    def export(self) -> dict[str, Any]:
        return {
            "characters": self.characters,
            "agreement": self.agreement,
            "disagreements": [line.export() for line in self.disagreements],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextLayerFinding:
        return cls(
            characters=int(data["characters"]),
            agreement=float(data["agreement"]),
            disagreements=tuple(LayerLine.from_dict(x) for x in data.get("disagreements", ())),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfTextLine:
    """One line of a PDF page's text layer, as the file draws it (reader input)."""

    text: str
    box: Box
    """Relative to the PDF page, y downwards; may reach outside ``[0, 1]``."""
    invisible: bool = False
    """Render mode 3 or 7, or a fully transparent colour: nothing is painted."""
    colour: tuple[int, int, int] = (0, 0, 0)
    """The RGB colour the text is painted in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfPageLayer:
    """What a PDF page says about itself besides its pixels (reader input)."""

    source: PageSource
    lines: tuple[PdfTextLine, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PageReading:
    """Everything read from one page image."""

    page: int
    documents: tuple[DocumentReading, ...]
    quality: Quality
    engine: str
    engine_version: str
    models: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    source: PageSource = PageSource.RASTER
    text_layer: TextLayerFinding | None = None
    """The PDF text layer compared with the pixels; ``None`` when the page has none."""

    def export(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "documents": [d.export() for d in self.documents],
            "quality": self.quality.export(),
            "engine": self.engine,
            "engine_version": self.engine_version,
            "models": list(self.models),
            "timings": dict(self.timings),
            "source": self.source.value,
            "text_layer": self.text_layer.export() if self.text_layer else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageReading:
        layer = data.get("text_layer")
        return cls(
            page=int(data["page"]),
            documents=tuple(DocumentReading.from_dict(d) for d in data["documents"]),
            quality=Quality.from_dict(data["quality"]),
            engine=data["engine"],
            engine_version=data["engine_version"],
            models=tuple(data.get("models", ())),
            timings={k: float(v) for k, v in data.get("timings", {}).items()},
            source=PageSource(data.get("source", PageSource.RASTER.value)),
            text_layer=TextLayerFinding.from_dict(layer) if layer is not None else None,
        )
