"""Lines in page geometry and the document regions they form.

A page often carries more than one document (an ID card's front and back on
one photocopy, cards side by side). Regions are found from the recognised
lines by recursive XY cuts at wide gaps; :mod:`ocr.reader` then keeps a cut
only where the parts read as different documents.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from ocr.domain import Alternatives

__all__ = [
    "PageLine",
    "PixelBox",
    "Region",
    "bounds_of",
    "compact",
    "fold_alternatives",
    "mirror_box",
    "split_columns",
    "split_regions",
    "upright_lines",
]

PixelBox = tuple[float, float, float, float]

_FOLD: Final = str.maketrans({"：": ":", "（": "(", "）": ")", " ": "", "\u3000": ""})


def compact(text: str) -> str:
    """Fold full-width punctuation and drop spaces, for cue and label matching."""
    return text.translate(_FOLD)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageLine:
    """A recognised line with an axis-aligned pixel box on the normalised page.

    ``alternatives`` holds the recogniser's likeliest characters for each
    character of ``text`` (empty when not known).
    """

    text: str
    box: PixelBox
    confidence: float
    flipped: bool = False
    alternatives: Alternatives = ()

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2


def fold_alternatives(
    text: str, alternatives: Alternatives, *, fold: Callable[[str], str]
) -> Alternatives:
    """Fold each alternative character as ``text`` was folded (traditional to simplified).

    Args:
        text: The line's text after folding.
        alternatives: The recogniser's alternatives for the text before folding.
        fold: The folding applied to the text.

    Returns:
        The folded alternatives, a character folded into one already listed
        keeping the higher probability; empty when folding changed the
        number of characters (they no longer line up with ``text``).
    """
    if len(alternatives) != len(text):
        return ()
    folded: list[tuple[tuple[str, float], ...]] = []
    for choices in alternatives:
        best: dict[str, float] = {}
        for char, prob in choices:
            key = fold(char)
            if len(key) != 1:
                return ()
            best[key] = max(prob, best.get(key, 0.0))
        folded.append(tuple(sorted(best.items(), key=lambda item: -item[1])))
    return tuple(folded)


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    """Lines that belong to one document, with the box around them."""

    lines: tuple[PageLine, ...]
    box: PixelBox


def bounds_of(lines: Sequence[PageLine]) -> PixelBox:
    """The smallest box around ``lines`` (zeros when empty)."""
    if not lines:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        min(line.box[0] for line in lines),
        min(line.box[1] for line in lines),
        max(line.box[2] for line in lines),
        max(line.box[3] for line in lines),
    )


def split_regions(lines: Sequence[PageLine], *, gap_lines: float = 2.6) -> list[Region]:
    """Cut the lines into blocks separated by gaps wider than ``gap_lines`` line heights.

    Args:
        lines: The page's lines.
        gap_lines: The smallest gap that separates blocks, in median line heights.

    Returns:
        The blocks, top to bottom then left to right; one block when nothing separates.
    """
    if not lines:
        return []
    unit = statistics.median(max(line.height, 1.0) for line in lines)
    blocks = _cut(list(lines), min_gap=gap_lines * unit)
    return [Region(lines=tuple(block), box=bounds_of(block)) for block in blocks]


def split_columns(lines: Sequence[PageLine], *, gap_lines: float) -> list[Region]:
    """Cut the lines into side-by-side columns only, at gaps over ``gap_lines`` line heights."""
    if not lines:
        return []
    unit = statistics.median(max(line.height, 1.0) for line in lines)
    groups = _split_axis(list(lines), axis=0, min_gap=gap_lines * unit)
    return [Region(lines=tuple(group), box=bounds_of(group)) for group in groups]


def _cut(lines: list[PageLine], *, min_gap: float) -> list[list[PageLine]]:
    for axis in (1, 0):
        groups = _split_axis(lines, axis=axis, min_gap=min_gap)
        if len(groups) > 1:
            return [block for group in groups for block in _cut(group, min_gap=min_gap)]
    return [lines]


def _split_axis(lines: list[PageLine], *, axis: int, min_gap: float) -> list[list[PageLine]]:
    ordered = sorted(lines, key=lambda line: line.box[axis])
    groups: list[list[PageLine]] = [[ordered[0]]]
    reach = ordered[0].box[axis + 2]
    for line in ordered[1:]:
        if line.box[axis] - reach > min_gap:
            groups.append([])
        groups[-1].append(line)
        reach = max(reach, line.box[axis + 2])
    return groups


def upright_lines(region: Region) -> tuple[tuple[PageLine, ...], bool]:
    """Turn a region's lines upright when most of its text was read upside down.

    The angle classifier reads an upside-down line correctly but the geometry
    stays turned; mirroring every box through the region's centre restores the
    reading order that field extraction relies on.

    Returns:
        The lines (boxes mirrored when turned) and whether the region was turned.
    """
    weight = sum(len(line.text) for line in region.lines) or 1
    flipped = sum(len(line.text) for line in region.lines if line.flipped)
    if flipped * 2 <= weight:
        return region.lines, False
    turned = tuple(
        replace(line, box=mirror_box(line.box, region.box), flipped=False) for line in region.lines
    )
    return turned, True


def mirror_box(box: PixelBox, around: PixelBox) -> PixelBox:
    """``box`` turned 180° about the centre of ``around``."""
    x0, y0, x1, y1 = around
    return (x0 + x1 - box[2], y0 + y1 - box[3], x0 + x1 - box[0], y0 + y1 - box[1])
