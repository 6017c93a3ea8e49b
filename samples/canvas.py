"""Drawing primitives shared by every document renderer.

A :class:`Sheet` is one clean document being drawn: it remembers every line
of text in the order it was printed, the field values, and where each seal
went, so the ground truth is produced by the same calls that draw the pixels
and cannot drift from them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr.domain import DocumentKind
from samples.fonts import find_face

__all__ = [
    "CARD_PX_PER_MM",
    "INK",
    "PAPER_PX_PER_MM",
    "RenderedDocument",
    "SealMark",
    "Sheet",
    "load_font",
]

Rgb = tuple[int, int, int]
PixelBox = tuple[float, float, float, float]

CARD_PX_PER_MM: Final = 16
PAPER_PX_PER_MM: Final = 7
INK: Final[Rgb] = (28, 28, 30)
SEAL_RED: Final[Rgb] = (214, 32, 42)
_PEN_COLOURS: Final[tuple[Rgb, ...]] = ((22, 32, 96), (30, 30, 40), (18, 40, 120))


@dataclass(frozen=True, slots=True, kw_only=True)
class SealMark:
    """Where a seal was stamped on the clean document, in its pixels."""

    box: PixelBox
    text: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RenderedDocument:
    """One clean document image with its ground truth, before any photo effects.

    ``fields`` hold exactly what the document prints, normalised (ISO dates);
    ``text`` every printed line in reading order; ``material`` is ``card`` or
    ``paper`` (cards get rounded corners, glossy glare and a thickness shadow).
    """

    kind: DocumentKind
    template: str
    image: Image.Image
    fields: Mapping[str, str]
    seals: tuple[SealMark, ...]
    text: tuple[str, ...]
    material: str = "paper"
    corner_radius: int = 0


@lru_cache(maxsize=512)
def load_font(family: str, size: int) -> ImageFont.FreeTypeFont:
    """A CJK font of ``family`` (``sans``, ``serif``, ``hei``, ``kai``, ...) at ``size`` px.

    Raises:
        FontNotFoundError: No installed font covers simplified Chinese.
    """
    face = find_face(family)
    return ImageFont.truetype(str(face.path), max(size, 4), index=face.index)


class Sheet:
    """A document being drawn, recording its text lines, fields and seals."""

    def __init__(
        self, width: int, height: int, *, rng: random.Random, paper: Rgb = (250, 249, 244)
    ) -> None:
        self.rng = rng
        self.image = Image.new("RGB", (width, height), paper)
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[str] = []
        self.fields: dict[str, str] = {}
        self.seals: list[SealMark] = []

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    def refresh(self) -> None:
        """Re-attach the drawing context after :attr:`image` was replaced."""
        self.draw = ImageDraw.Draw(self.image)

    def record(self, line: str) -> None:
        """Add a printed line to the ground truth (lines drawn piecewise are recorded once)."""
        if line.strip():
            self.lines.append(" ".join(line.split()))

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        size: int,
        family: str = "sans",
        fill: Rgb = INK,
        anchor: str = "la",
        tracking: float = 0.0,
        record: bool = True,
    ) -> PixelBox:
        """Draw one line of printed text; ``tracking`` adds space between characters (in em).

        Returns:
            The drawn text's bounding box in sheet pixels.
        """
        font = load_font(family, size)
        if tracking:
            box = self._tracked(xy, text, font=font, fill=fill, anchor=anchor, tracking=tracking)
        else:
            self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)
            box = self.draw.textbbox(xy, text, font=font, anchor=anchor)
        if record:
            self.record(text)
        return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))

    def text_width(self, text: str, *, size: int, family: str = "sans") -> float:
        return float(load_font(family, size).getlength(text))

    def _tracked(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        font: ImageFont.FreeTypeFont,
        fill: Rgb,
        anchor: str,
        tracking: float,
    ) -> tuple[float, float, float, float]:
        gap = tracking * font.size
        total = sum(font.getlength(c) for c in text) + gap * (len(text) - 1)
        x, y = xy
        if anchor[0] == "m":
            x -= total / 2
        elif anchor[0] == "r":
            x -= total
        vertical = "l" + anchor[1]
        start = x
        for char in text:
            self.draw.text((x, y), char, font=font, fill=fill, anchor=vertical)
            x += font.getlength(char) + gap
        top = self.draw.textbbox((start, y), text, font=font, anchor=vertical)
        return (start, float(top[1]), start + total, float(top[3]))

    def wrap(self, text: str, *, width: float, size: int, family: str = "sans") -> list[str]:
        """Break ``text`` into lines no wider than ``width`` pixels (CJK breaks anywhere)."""
        font = load_font(family, size)
        lines: list[str] = []
        current = ""
        for char in text:
            if font.getlength(current + char) > width and current:
                # Closing punctuation never starts a line (禁则).
                if char in "，。、；：）》”！？":
                    current += char
                    continue
                lines.append(current)
                current = char
            else:
                current += char
        if current:
            lines.append(current)
        return lines

    def paragraph(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        width: float,
        size: int,
        family: str = "sans",
        leading: float = 1.7,
        indent: int = 2,
        fill: Rgb = INK,
    ) -> float:
        """Draw wrapped text with a first-line indent of ``indent`` characters.

        Returns:
            The y coordinate below the last line.
        """
        x, y = xy
        pad = "\u3000" * indent
        lines = self.wrap(pad + text, width=width, size=size, family=family)
        for line in lines:
            self.draw.text((x, y), line, font=load_font(family, size), fill=fill)
            self.record(line.replace("\u3000", " "))
            y += size * leading
        return y

    def hand(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        size: int,
        fill: Rgb | None = None,
        record: bool = True,
    ) -> PixelBox:
        """Write ``text`` as if by hand: brush-script glyphs, each a little off.

        Returns:
            The bounding box of the writing in sheet pixels (``xy`` is its left baseline).
        """
        rng = self.rng
        colour = fill or rng.choice(_PEN_COLOURS)
        x, baseline = xy
        x0, y0, x1, y1 = x, baseline, x, baseline
        for char in text:
            glyph_size = max(6, round(size * rng.uniform(0.9, 1.12)))
            font = load_font("kai", glyph_size)
            if char == " ":
                x += glyph_size * 0.4
                continue
            glyph = Image.new("L", (glyph_size * 2, glyph_size * 2), 0)
            ImageDraw.Draw(glyph).text(
                (glyph_size, glyph_size), char, font=font, fill=255, anchor="ms"
            )
            glyph = glyph.rotate(rng.uniform(-6, 6), resample=Image.Resampling.BICUBIC)
            advance = font.getlength(char)
            # The glyph is drawn centred in its tile; centre it on its own advance.
            px = round(x + advance / 2 - glyph_size)
            py = round(baseline + rng.uniform(-0.06, 0.06) * size - glyph_size)
            self.image.paste(Image.new("RGB", glyph.size, colour), (px, py), glyph)
            x0, x1 = min(x0, x), max(x1, x + advance)
            y0, y1 = min(y0, baseline - glyph_size * 0.9), max(y1, baseline + glyph_size * 0.2)
            x += advance * rng.uniform(0.92, 1.12)
        self.refresh()
        if record:
            self.record(text)
        return (x0, y0, x1, y1)

    def signature(self, xy: tuple[float, float], name: str, *, size: int) -> PixelBox:
        """A quick signature: the name in slanted running hand, not recorded as text."""
        return self.hand(xy, name, size=round(size * 1.15), record=False)

    def seal(
        self,
        centre: tuple[float, float],
        radius: float,
        *,
        arc_text: str,
        centre_text: str = "",
        star: bool = True,
    ) -> None:
        """Stamp a red round seal, ink multiplied over what is already printed."""
        mask = _seal_mask(radius, arc_text=arc_text, centre_text=centre_text, star=star)
        mask = _ink_texture(mask, rng=self.rng)
        mask = mask.rotate(self.rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC)
        left = round(centre[0] - mask.width / 2)
        top = round(centre[1] - mask.height / 2)
        _multiply(self.image, mask, (left, top), colour=SEAL_RED, strength=0.88)
        self.refresh()
        ring = radius * 1.03
        box = (centre[0] - ring, centre[1] - ring, centre[0] + ring, centre[1] + ring)
        self.seals.append(
            SealMark(box=_clip(box, self.width, self.height), text=arc_text + centre_text)
        )

    def portrait(
        self, box: tuple[int, int, int, int], *, background: Rgb = (236, 240, 245)
    ) -> None:
        """A photo placeholder: a head-and-shoulders silhouette on a plain ground."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        rng = self.rng
        photo = Image.new("RGB", (w, h), background)
        draw = ImageDraw.Draw(photo)
        tone = rng.randint(60, 110)
        hair = (tone // 3, tone // 3, tone // 3 + 5)
        skin = (min(255, tone + 120), min(255, tone + 95), min(255, tone + 75))
        cloth = rng.choice(((40, 45, 60), (70, 70, 75), (235, 235, 235), (30, 50, 90)))
        cx = w / 2 + rng.uniform(-0.03, 0.03) * w
        draw.ellipse((cx - w * 0.48, h * 0.72, cx + w * 0.48, h * 1.3), fill=cloth)
        draw.rectangle((cx - w * 0.1, h * 0.52, cx + w * 0.1, h * 0.8), fill=skin)
        draw.ellipse((cx - w * 0.25, h * 0.12, cx + w * 0.25, h * 0.64), fill=skin)
        draw.chord((cx - w * 0.27, h * 0.08, cx + w * 0.27, h * 0.5), 180, 360, fill=hair)
        for dx in (-0.1, 0.1):
            ex, ey = cx + dx * w, h * 0.38
            draw.ellipse((ex - w * 0.03, ey - h * 0.01, ex + w * 0.03, ey + h * 0.015), fill=hair)
        mouth = h * 0.53
        draw.line(
            (cx - w * 0.07, mouth, cx + w * 0.07, mouth), fill=(150, 80, 80), width=max(1, w // 60)
        )
        self.image.paste(photo.filter(ImageFilter.GaussianBlur(w / 300)), (x0, y0))
        self.refresh()

    def grid(
        self,
        origin: tuple[float, float],
        widths: list[float],
        heights: list[float],
        *,
        width: int = 2,
    ) -> list[list[tuple[float, float, float, float]]]:
        """Rule a table; returns the cell boxes row by row."""
        x0, y0 = origin
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + w)
        ys = [y0]
        for h in heights:
            ys.append(ys[-1] + h)
        for x in xs:
            self.draw.line((x, ys[0], x, ys[-1]), fill=INK, width=width)
        for y in ys:
            self.draw.line((xs[0], y, xs[-1], y), fill=INK, width=width)
        return [
            [(xs[c], ys[r], xs[c + 1], ys[r + 1]) for c in range(len(widths))]
            for r in range(len(heights))
        ]

    def erase_rule(self, cell: tuple[float, float, float, float], *, side: str, paper: Rgb) -> None:
        """Remove one rule of a cell so two cells read as one (merged cells)."""
        x0, y0, x1, y1 = cell
        if side == "right":
            self.draw.line((x1, y0 + 2, x1, y1 - 2), fill=paper, width=3)
        else:
            self.draw.line((x0 + 2, y1, x1 - 2, y1), fill=paper, width=3)

    def cell(
        self,
        box: tuple[float, float, float, float],
        text: str,
        *,
        size: int,
        family: str = "sans",
        align: str = "centre",
        hand: bool = False,
        record: bool = True,
    ) -> None:
        """Write ``text`` inside a table cell, centred or left-aligned, printed or by hand."""
        x0, y0, x1, y1 = box
        if not text:
            return
        # Shrink to fit, as a clerk or a form designer would.
        room = (x1 - x0) - size * 0.6
        natural = load_font("kai" if hand else family, size).getlength(text)
        if natural > room > 0:
            size = max(8, int(size * room / natural))
        if hand:
            width = sum(load_font("kai", size).getlength(c) for c in text)
            x = x0 + size * 0.4 if align == "left" else (x0 + x1 - width) / 2
            self.hand((x, (y0 + y1) / 2 + size * 0.35), text, size=size, record=record)
            return
        if align == "left":
            self.text(
                (x0 + size * 0.4, (y0 + y1) / 2),
                text,
                size=size,
                family=family,
                anchor="lm",
                record=record,
            )
        else:
            self.text(
                ((x0 + x1) / 2, (y0 + y1) / 2),
                text,
                size=size,
                family=family,
                anchor="mm",
                record=record,
            )

    def finish(
        self,
        *,
        kind: DocumentKind,
        template: str,
        material: str = "paper",
        corner_radius: int = 0,
    ) -> RenderedDocument:
        """Freeze the drawing into a :class:`RenderedDocument`."""
        return RenderedDocument(
            kind=kind,
            template=template,
            image=self.image,
            fields=dict(self.fields),
            seals=tuple(self.seals),
            text=tuple(self.lines),
            material=material,
            corner_radius=corner_radius,
        )


def _clip(box: PixelBox, width: int, height: int) -> PixelBox:
    return (
        max(0.0, box[0]),
        max(0.0, box[1]),
        min(float(width), box[2]),
        min(float(height), box[3]),
    )


def _seal_mask(radius: float, *, arc_text: str, centre_text: str, star: bool) -> Image.Image:
    size = math.ceil(radius * 2.3)
    c = size / 2
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, round(radius * 0.055))
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=ring)
    if star:
        _star(draw, (c, c - radius * 0.02), radius * 0.27)
    _arc_text(mask, arc_text, centre=(c, c), radius=radius, centre_text=centre_text)
    if centre_text:
        font = load_font("serif_bold", max(6, round(radius * 0.19)))
        draw.text((c, c + radius * 0.5), centre_text, font=font, fill=255, anchor="mm")
    return mask


def _star(draw: ImageDraw.ImageDraw, centre: tuple[float, float], r: float) -> None:
    points = []
    for i in range(10):
        angle = -math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.38
        points.append((centre[0] + rr * math.cos(angle), centre[1] + rr * math.sin(angle)))
    draw.polygon(points, fill=255)


def _arc_text(
    mask: Image.Image, text: str, *, centre: tuple[float, float], radius: float, centre_text: str
) -> None:
    if not text:
        return
    n = len(text)
    font_size = max(6, round(radius * (0.3 if n <= 10 else 0.26 if n <= 16 else 0.22)))
    # Leave the bottom of the ring free for the horizontal text (户口专用章, 医保办).
    max_span = math.radians(235 if centre_text else 285)
    r = radius * 0.8 - font_size * 0.35
    if font_size * 1.08 * n / r > max_span:
        font_size = max(6, int(max_span * radius * 0.8 / (n * 1.08 + max_span * 0.35)))
        r = radius * 0.8 - font_size * 0.35
    font = load_font("serif_bold", font_size)
    per_char = font_size * 1.08 / r
    span = min(max_span, per_char * n)
    for i, char in enumerate(text):
        theta = -math.pi / 2 - span / 2 + (i + 0.5) * span / n
        glyph = Image.new("L", (font_size * 2, font_size * 2), 0)
        ImageDraw.Draw(glyph).text((font_size, font_size), char, font=font, fill=255, anchor="mm")
        # Squeeze the glyph horizontally the way seal engravers do.
        glyph = glyph.resize((round(font_size * 1.6), font_size * 2), Image.Resampling.BICUBIC)
        glyph = glyph.rotate(
            -math.degrees(theta + math.pi / 2), resample=Image.Resampling.BICUBIC, expand=True
        )
        gx = centre[0] + r * math.cos(theta) - glyph.width / 2
        gy = centre[1] + r * math.sin(theta) - glyph.height / 2
        mask.paste(255, (round(gx), round(gy)), glyph)


def _ink_texture(mask: Image.Image, *, rng: random.Random) -> Image.Image:
    """Uneven stamp ink: blotchy density, a paler side, a few dropouts."""
    gen = np.random.default_rng(rng.getrandbits(64))
    w, h = mask.size
    coarse = gen.uniform(0.55, 1.0, size=(6, 6)).astype(np.float32)
    field = (
        np.asarray(
            Image.fromarray((coarse * 255).astype(np.uint8)).resize(
                (w, h), Image.Resampling.BICUBIC
            ),
            dtype=np.float32,
        )
        / 255.0
    )
    angle = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    side = (
        0.75 + 0.25 * np.cos(angle) * (xx / w - 0.5) * 2 + 0.25 * np.sin(angle) * (yy / h - 0.5) * 2
    )
    speck = gen.random((h, w)) > 0.06
    ink = np.asarray(mask, dtype=np.float32) / 255.0 * field * np.clip(side, 0.4, 1.0) * speck
    img = Image.fromarray(np.clip(ink * 255, 0, 255).astype(np.uint8))
    return img.filter(ImageFilter.GaussianBlur(0.7))


def _multiply(
    image: Image.Image, mask: Image.Image, origin: tuple[int, int], *, colour: Rgb, strength: float
) -> None:
    """Multiply ``colour`` into ``image`` through ``mask`` (ink over ink darkens, as stamps do)."""
    left, top = origin
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(image.width, left + mask.width), min(image.height, top + mask.height)
    if x1 <= x0 or y1 <= y0:
        return
    region = np.asarray(image.crop((x0, y0, x1, y1)), dtype=np.float32)
    alpha = np.asarray(mask.crop((x0 - left, y0 - top, x1 - left, y1 - top)), dtype=np.float32)
    alpha = alpha[..., None] / 255.0 * strength
    tint = np.array(colour, dtype=np.float32) / 255.0
    out = region * (1 - alpha * (1 - tint))
    image.paste(Image.fromarray(out.astype(np.uint8)), (x0, y0))


def guilloche(
    size: tuple[int, int],
    *,
    rng: random.Random,
    base: Rgb,
    line: Rgb,
    density: float = 1.0,
) -> Image.Image:
    """A security-print background: a soft colour wash crossed by fine wavy lines."""
    w, h = size
    gen = np.random.default_rng(rng.getrandbits(64))
    # Drawn at half resolution: the lines are faint and soft anyway, and it halves the cost.
    hw, hh = (w + 1) // 2, (h + 1) // 2
    yy, xx = np.mgrid[0:hh, 0:hw].astype(np.float32) * 2
    f1, f2 = gen.uniform(0.02, 0.05) * density, gen.uniform(0.006, 0.014)
    phase = np.sin(yy * f2 + gen.uniform(0, 6)) * gen.uniform(20, 40)
    waves = _sharpen_peaks(np.abs(np.sin((xx + phase) * f1)))
    waves2 = _sharpen_peaks(np.abs(np.sin((yy + np.sin(xx * f2) * 30) * f1 * 0.8)))
    strength = np.clip(waves + waves2 * 0.6, 0, 1)[..., None] * 0.55
    wash = 1 - 0.06 * (xx / w)[..., None]
    b = np.array(base, dtype=np.float32) * wash
    out = b * (1 - strength) + np.array(line, dtype=np.float32) * strength
    small = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _sharpen_peaks(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``x ** 24`` by repeated squaring (thin bright ridges where ``x`` is near 1)."""
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    return np.asarray(x8 * x8 * x8, dtype=np.float32)


def as_array(image: Image.Image) -> npt.NDArray[np.uint8]:
    return np.asarray(image.convert("RGB"), dtype=np.uint8)
