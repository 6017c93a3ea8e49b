"""The reader: one page image in, one :class:`~ocr.domain.PageReading` out.

Steps: quality (on the page as uploaded), normalisation (border, size, 90°
turns, skew), one OCR pass over the red channel with the angle classifier,
traditional-to-simplified folding, document regions, per-region upside-down
correction, seals from the colour image, classification and fields, then a
second look: an identifying field (name, ID number, sex, relation, household
head, signature) whose label was read alone, or whose value cannot be right
(an ID number failing its check, a one-character name, a relation outside the
code table), is detected and read
again inside the cell beside its label, on the normalised page at full size
(the first detection pass sees it shrunk to 960 px). A PDF page is read from
its pixels like a photo; its text layer, a claim by whoever made the file, is
only held against what the pixels show (:mod:`ocr.provenance`), and the page
records whether it was a photo or scan or born digital.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
import structlog
from opencc import OpenCC

from ocr.classify import Classification, classify_text
from ocr.domain import (
    DocumentKind,
    DocumentReading,
    Field,
    Line,
    PageReading,
    PageSource,
    PdfPageLayer,
    Quality,
    Seal,
    TextLayerFinding,
)
from ocr.engines.base import OcrEngine, TextLine
from ocr.fields import cells_to_read_again, extract_fields
from ocr.fields.labels import reading_order
from ocr.images import load_pages, sniff_file_type
from ocr.layout import (
    PageLine,
    PixelBox,
    Region,
    bounds_of,
    fold_alternatives,
    mirror_box,
    split_columns,
    split_regions,
    upright_lines,
)
from ocr.normalise import normalise_page, orientation_from_quads, rotate_quads, text_channel
from ocr.provenance import compare_text_layer
from ocr.quality import assess_quality
from ocr.seals import SealCandidate, find_seals

__all__ = ["READER_VERSION", "Reader"]

READER_VERSION: Final = "reader-8"
_SEED_CONFIDENCE: Final = 0.35
_COLUMN_SEED_CONFIDENCE: Final = 0.9
_COLUMN_GAP_LINES: Final = 0.8
# A cell narrower or lower than this (pixels) is not worth a second look.
_MIN_CELL_PX: Final = 8
# Share of a page's characters read upside down above which the whole page is turned
# and read again (a page holding an upright card and a turned one stays as it is).
_UPSIDE_DOWN_SHARE: Final = 0.75

_log = structlog.get_logger(__name__)
Image = npt.NDArray[np.uint8]


class Reader:
    """Reads pages with one engine; holds the engine (its models load once).

    Args:
        engine: The OCR engine.
        read_seal_text: Read the text inside seals from a polar unwrap of their
            arc (one recogniser call per seal). The checks need it to tell who
            stamped a document; without it every seal is read as blank, which
            sends each stamped material to a person.
    """

    def __init__(self, engine: OcrEngine, *, read_seal_text: bool = True) -> None:
        self._engine = engine
        self._read_seal_text = read_seal_text
        self._t2s = OpenCC("t2s")

    @property
    def version(self) -> str:
        """Cache key part: the engine's version and this pipeline's version."""
        return f"{self._engine.version}/{READER_VERSION}"

    def read_file(
        self, data: bytes, *, max_pixels: int = 40_000_000, max_pages: int = 20
    ) -> list[PageReading]:
        """Read every page of an image or PDF upload.

        Args:
            data: The file's bytes.
            max_pixels: Largest page image accepted.
            max_pages: Most PDF pages accepted.

        Returns:
            One reading per page.

        Raises:
            FileError: The file is not a readable image or PDF, or breaks a limit.
        """
        file_type = sniff_file_type(data[:32])
        pages = load_pages(data, file_type=file_type, max_pixels=max_pixels, max_pages=max_pages)
        return [
            self.read_page(page.image, page=page.number, text_layer=page.text_layer)
            for page in pages
        ]

    def read_page(
        self,
        image: Image,
        *,
        page: int = 1,
        text_layer: PdfPageLayer | None = None,
        quality: Quality | None = None,
    ) -> PageReading:
        """Read one page: its documents with kinds, fields and seals.

        Args:
            image: BGR page pixels, EXIF orientation applied.
            page: The 1-based page number.
            text_layer: A PDF page's layer (:func:`~ocr.images.pdf_text_layers`):
                its source is recorded and its text compared with what the
                pixels show, never read in their place.
            quality: The page's quality as already measured by
                :func:`~ocr.quality.assess_quality` on this same image (at
                upload); measured here when not given.

        Returns:
            The page's reading.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if quality is None:
            quality = assess_quality(image)
        timings["quality"] = _since(started)
        documents, quality = self._read_pixels(image, quality, timings)
        finding = self._compare_layer(text_layer, documents, image) if text_layer else None
        timings["total"] = _since(started)
        _log.info("ocr.page.read", page=page, documents=len(documents), seconds=timings["total"])
        return PageReading(
            page=page,
            documents=tuple(documents),
            quality=quality,
            engine=self._engine.name,
            engine_version=self.version,
            models=self._engine.models,
            timings={k: round(v, 4) for k, v in timings.items()},
            source=text_layer.source if text_layer else PageSource.RASTER,
            text_layer=finding,
        )

    def _compare_layer(
        self, layer: PdfPageLayer, documents: Sequence[DocumentReading], image: Image
    ) -> TextLayerFinding | None:
        return compare_text_layer(
            layer,
            read=[line.text for document in documents for line in document.lines],
            image=image,
            fold=lambda text: str(self._t2s.convert(text)),
        )

    def _read_pixels(
        self, image: Image, quality: Quality, timings: dict[str, float]
    ) -> tuple[list[DocumentReading], Quality]:
        mark = time.perf_counter()
        page = normalise_page(image).image
        grey = text_channel(page)
        timings["normalise"] = _since(mark)
        mark = time.perf_counter()
        quads = self._engine.detect(grey)
        rotation, skew = orientation_from_quads(quads)
        if rotation:
            # The detector's boxes turn with the page: no second detection pass.
            quads = _turn_quads(quads, height=grey.shape[0])
            page = np.ascontiguousarray(cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE))
            grey = text_channel(page)
            skew = orientation_from_quads(quads, turned=True)[1]
        timings["detect"] = _since(mark)
        mark = time.perf_counter()
        raw = self._engine.read_quads(grey, quads, orientation_known=False)
        if _mostly_upside_down(raw):
            page, raw, skew = self._read_turned(page)
            grey = text_channel(page)
            rotation = (rotation + 180) % 360
        timings["recognise"] = _since(mark)
        height, width = page.shape[:2]
        upright = rotate_quads(
            [line.quad for line in raw], degrees=skew, centre=(width / 2, height / 2)
        )
        lines = [self._page_line(line, quad) for line, quad in zip(raw, upright, strict=True)]
        quality = replace(quality, rotation=rotation, skew=skew)
        mark = time.perf_counter()
        reader = self._read_seal_strip if self._read_seal_text else None
        seals = find_seals(page, read=reader)
        timings["seals"] = _since(mark)
        mark = time.perf_counter()
        documents = self._documents(lines, seals, width=width, height=height, look=(grey, skew))
        timings["documents"] = _since(mark)
        return documents, quality

    def _read_turned(self, page: Image) -> tuple[Image, list[TextLine], float]:
        """Detect and read the page again turned 180°.

        A page whose text is nearly all upside down (the common photocopy of an
        ID card's two sides, put on the scanner the wrong way) is read again
        upright: the detector misses small labels that are upside down.

        Returns:
            The turned page, its lines and their skew.
        """
        turned = np.ascontiguousarray(cv2.rotate(page, cv2.ROTATE_180), dtype=np.uint8)
        grey = text_channel(turned)
        quads = self._engine.detect(grey)
        skew = orientation_from_quads(quads, turned=True)[1]
        return turned, self._engine.read_quads(grey, quads, orientation_known=False), skew

    def _page_line(self, line: TextLine, quad: tuple[tuple[float, float], ...]) -> PageLine:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        text = str(self._t2s.convert(line.text))
        return PageLine(
            text=text,
            box=(min(xs), min(ys), max(xs), max(ys)),
            confidence=line.confidence,
            flipped=line.flipped,
            alternatives=fold_alternatives(
                text, line.alternatives, fold=lambda c: str(self._t2s.convert(c))
            ),
        )

    def _read_seal_strip(self, strip: Image) -> str:
        # The unwrapped arc is one line: recognise it whole, without detection.
        height, width = strip.shape[:2]
        whole = (
            (0.0, 0.0),
            (float(width), 0.0),
            (float(width), float(height)),
            (0.0, float(height)),
        )
        lines = self._engine.read_quads(strip, [whole], orientation_known=True)
        return str(self._t2s.convert("".join(line.text for line in lines)))

    def _documents(
        self,
        lines: Sequence[PageLine],
        seals: Sequence[SealCandidate],
        *,
        width: int,
        height: int,
        look: tuple[Image, float] | None = None,
    ) -> list[DocumentReading]:
        """Split the page's lines into documents and read each.

        ``look`` (the grey page the lines were read from, and its skew) lets
        an identifying field that was missed or misread get a second look
        (:func:`~ocr.fields.cells_to_read_again`): the cell beside its label
        is detected and read again on the full-size page, and the fields are
        extracted anew with what it holds.
        """
        regions = _group_regions(lines)
        if not regions:
            # A page with no text is still a document: one of no known kind.
            regions = [Region(lines=(), box=(0.0, 0.0, float(width), float(height)))]
        documents = []
        for index, region in enumerate(regions):
            turned, mirrored = upright_lines(region)
            original = {id(u): o for u, o in zip(turned, region.lines, strict=True)}
            upright = tuple(reading_order(turned))
            own = [s for s in seals if _owner(s, regions) is region]
            x0, y0, x1, y1 = region.box
            aspect = (x1 - x0) / max(y1 - y0, 1.0)
            texts = [line.text for line in upright] + [s.text for s in own]
            decided = classify_text(texts, aspect=aspect, seal_count=len(own))
            fields = (
                {}
                if decided.kind is DocumentKind.UNKNOWN
                else extract_fields(decided.kind, upright, width=width, height=height)
            )
            cells = cells_to_read_again(decided.kind, upright, fields) if look else []
            if look and cells:
                mirror = region.box if mirrored else None
                upright, added = self._read_again(upright, cells, look, mirror=mirror)
                if added:
                    original.update((id(u), o) for u, o in added)
                    fields = extract_fields(decided.kind, upright, width=width, height=height)
            # Lines are listed in upright reading order, with their boxes on the page.
            ordered = Region(lines=tuple(original[id(u)] for u in upright), box=region.box)
            documents.append(
                _document(index, ordered, decided, fields, own, width=width, height=height)
            )
        return documents

    def _read_again(
        self,
        lines: Sequence[PageLine],
        cells: Sequence[PixelBox],
        look: tuple[Image, float],
        *,
        mirror: PixelBox | None,
    ) -> tuple[tuple[PageLine, ...], list[tuple[PageLine, PageLine]]]:
        """Read ``cells`` again; what is found there replaces the first pass's lines.

        Args:
            lines: The region's lines (upright geometry).
            cells: Boxes in the same geometry.
            look: The grey page the first pass read (before deskew) and its skew.
            mirror: The region's box when its lines were mirrored upright.

        Returns:
            The region's lines in reading order, and the ``(upright, on_page)``
            pairs of the lines added.
        """
        current = list(lines)
        added: list[tuple[PageLine, PageLine]] = []
        for cell in cells:
            found = self._look_in(cell, look, mirror=mirror)
            if found:
                current = [line for line in current if not _centre_inside(line.box, cell)]
                current.extend(u for u, _ in found)
                added.extend(found)
        return tuple(reading_order(current)), added

    def _look_in(
        self, cell: PixelBox, look: tuple[Image, float], *, mirror: PixelBox | None
    ) -> list[tuple[PageLine, PageLine]]:
        """Detect and read the lines inside one cell of the grey page.

        Returns:
            ``(upright, on_page)`` pairs for each line found: the same line in
            the region's upright geometry and in the page's.
        """
        grey, skew = look
        height, width = grey.shape[:2]
        centre = (width / 2, height / 2)
        x0, y0, x1, y1 = mirror_box(cell, mirror) if mirror else cell
        corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
        raw = rotate_quads([corners], degrees=-skew, centre=centre)[0]
        left, top = max(int(min(p[0] for p in raw)), 0), max(int(min(p[1] for p in raw)), 0)
        right = min(int(max(p[0] for p in raw)) + 1, width)
        bottom = min(int(max(p[1] for p in raw)) + 1, height)
        if right - left < _MIN_CELL_PX or bottom - top < _MIN_CELL_PX:
            return []
        crop = grey[top:bottom, left:right]
        if mirror:
            crop = crop[::-1, ::-1]
        found: list[tuple[PageLine, PageLine]] = []
        for line in self._engine.recognise(np.ascontiguousarray(crop), orientation_known=True):
            if mirror:
                quad = tuple((right - x, bottom - y) for x, y in line.quad)
            else:
                quad = tuple((left + x, top + y) for x, y in line.quad)
            upright_quad = rotate_quads([quad], degrees=skew, centre=centre)[0]
            on_page = self._page_line(line, upright_quad)
            box = mirror_box(on_page.box, mirror) if mirror else on_page.box
            found.append((replace(on_page, box=box, flipped=False), on_page))
        return found


def _mostly_upside_down(lines: Sequence[TextLine]) -> bool:
    """Whether at least :data:`_UPSIDE_DOWN_SHARE` of the page's text was read upside down."""
    total = sum(len(line.text) for line in lines)
    flipped = sum(len(line.text) for line in lines if line.flipped)
    return total > 0 and flipped >= _UPSIDE_DOWN_SHARE * total


def _centre_inside(box: PixelBox, cell: PixelBox) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return cell[0] <= cx <= cell[2] and cell[1] <= cy <= cell[3]


def _group_regions(lines: Sequence[PageLine]) -> list[Region]:
    """Keep the cuts between blocks that read as different documents; merge the rest.

    Wide gaps are tried first; then narrow column gaps only (two pages of a
    register side by side touch), which must give confidently different kinds.
    """
    if not lines:
        return []
    attempts = (
        (split_regions(lines), _SEED_CONFIDENCE),
        (split_columns(lines, gap_lines=_COLUMN_GAP_LINES), _COLUMN_SEED_CONFIDENCE),
    )
    for blocks, confidence in attempts:
        grouped = _seeded_groups(blocks, min_confidence=confidence)
        if grouped:
            return grouped
    return [Region(lines=tuple(lines), box=bounds_of(lines))]


def _seeded_groups(blocks: Sequence[Region], *, min_confidence: float) -> list[Region] | None:
    if len(blocks) <= 1:
        return None
    decided = [
        classify_text([line.text for line in reading_order(upright_lines(block)[0])])
        for block in blocks
    ]
    seeds: dict[DocumentKind, list[Region]] = {}
    for block, verdict in zip(blocks, decided, strict=True):
        if verdict.kind is not DocumentKind.UNKNOWN and verdict.confidence >= min_confidence:
            seeds.setdefault(verdict.kind, []).append(block)
    if len(seeds) <= 1:
        return None
    groups = [list(members) for members in seeds.values()]
    anchors = [bounds_of([line for block in group for line in block.lines]) for group in groups]
    for block in blocks:
        if any(block in group for group in groups):
            continue
        nearest = min(range(len(groups)), key=lambda i: _distance(block.box, anchors[i]))
        groups[nearest].append(block)
    merged = []
    for group in groups:
        members = [line for block in group for line in block.lines]
        merged.append(Region(lines=tuple(members), box=bounds_of(members)))
    return sorted(merged, key=lambda region: (region.box[1], region.box[0]))


def _distance(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return float(np.hypot(dx, dy))


def _owner(seal: SealCandidate, regions: Sequence[Region]) -> Region | None:
    if not regions:
        return None
    return min(regions, key=lambda region: _distance(seal.box, region.box))


def _document(
    index: int,
    region: Region,
    decided: Classification,
    fields: dict[str, Field],
    seals: Sequence[SealCandidate],
    *,
    width: int,
    height: int,
) -> DocumentReading:
    def rel(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = box
        return (
            round(max(x0, 0) / width, 4),
            round(max(y0, 0) / height, 4),
            round(min(x1, width) / width, 4),
            round(min(y1, height) / height, 4),
        )

    return DocumentReading(
        index=index,
        box=rel(region.box),
        kind=decided.kind,
        kind_confidence=decided.confidence,
        runners_up=decided.runners_up,
        cues=decided.cues,
        fields=fields,
        seals=tuple(
            Seal(box=rel(s.box), colour="red", confidence=s.confidence, text=s.text) for s in seals
        ),
        lines=tuple(
            Line(text=line.text, box=rel(line.box), confidence=round(line.confidence, 4))
            for line in region.lines
        ),
    )


def _turn_quads(
    quads: Sequence[tuple[tuple[float, float], ...]], *, height: int
) -> list[tuple[tuple[float, float], ...]]:
    """Quads on an image of ``height`` rows, as on that image turned 90° clockwise.

    The corners are put back in the detector's order (top-left, top-right,
    bottom-right, bottom-left in the turned image).
    """
    turned: list[tuple[tuple[float, float], ...]] = []
    for quad in quads:
        points = sorted(((float(height) - y, x) for x, y in quad), key=lambda p: p[0])
        left = sorted(points[:2], key=lambda p: p[1])
        right = sorted(points[2:], key=lambda p: p[1])
        turned.append((left[0], right[0], right[1], left[1]))
    return turned


def _since(mark: float) -> float:
    return time.perf_counter() - mark
