"""Phone-photo effects: a clean document becomes a photo taken on a desk.

Every geometric step is a homography, so the exact quad of each document
(and of each of its seals) in the final photo is known: ground-truth boxes
are computed, never guessed. Layouts: one document on a surface; several
side by side; an A4 photocopy carrying an ID card's front and back.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from samples.canvas import RenderedDocument

__all__ = ["BACKGROUNDS", "Difficulty", "encode_photo", "photograph"]

Difficulty = str
Matrix = npt.NDArray[np.float64]
FloatImage = npt.NDArray[np.float32]

_ROTATIONS: Final = (0, 90, 180, 270)
_ROTATION_WEIGHTS: Final = (0.66, 0.14, 0.08, 0.12)
_STRENGTH: Final[dict[str, float]] = {"easy": 0.4, "normal": 1.0, "hard": 1.6}
_A4_COPY: Final = (1470, 2079)


@dataclass(slots=True)
class _Placed:
    """A document and the homography from its pixels to the current canvas."""

    doc: RenderedDocument
    matrix: Matrix


def _corners(w: float, h: float) -> npt.NDArray[np.float32]:
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)


def _apply(matrix: Matrix, points: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    pts = cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), matrix)
    return pts.reshape(-1, 2).astype(np.float32)


def _doc_mask(doc: RenderedDocument) -> Image.Image:
    mask = Image.new("L", doc.image.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, doc.image.width - 1, doc.image.height - 1), radius=doc.corner_radius, fill=255
    )
    return mask


def _target_quad(
    size: tuple[float, float],
    scene: tuple[int, int],
    *,
    fill: float,
    rng: random.Random,
    skew: float,
) -> npt.NDArray[np.float32]:
    """Where a document of ``size`` lands in the scene: scaled, tilted, keystoned, inside."""
    w, h = size
    sw, sh = scene
    scale = fill * min(sw / w, sh / h)
    angle = math.radians(rng.uniform(-skew, skew))
    cw, ch = w * scale, h * scale
    base = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    quad = base @ rot.T
    keystone = 0.035 * skew / 6
    quad += np.array(
        [
            [rng.uniform(-keystone, keystone) * cw, rng.uniform(-keystone, keystone) * ch]
            for _ in range(4)
        ]
    )
    span = quad.max(axis=0) - quad.min(axis=0)
    if span[0] > sw * 0.98 or span[1] > sh * 0.98:
        quad *= min(sw * 0.98 / span[0], sh * 0.98 / span[1])
    lo, hi = -quad.min(axis=0), np.array([sw, sh]) - quad.max(axis=0)
    centre = np.array([rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])])
    return np.asarray(quad + centre, dtype=np.float32)


def _paste(
    canvas: FloatImage,
    doc_image: Image.Image,
    mask: Image.Image,
    quad: npt.NDArray[np.float32],
    *,
    shadow: float,
) -> Matrix:
    """Warp ``doc_image`` onto ``canvas`` at ``quad`` with a drop shadow; returns the homography."""
    ch, cw = canvas.shape[:2]
    qw = float(np.linalg.norm(quad[1] - quad[0]))
    # Pre-shrink with a proper filter: warpPerspective alone aliases fine print.
    factor = min(1.0, qw / doc_image.width * 1.15)
    if factor < 1.0:
        size = (max(8, round(doc_image.width * factor)), max(8, round(doc_image.height * factor)))
        src_img, src_mask = (
            doc_image.resize(size, Image.Resampling.LANCZOS),
            mask.resize(size, Image.Resampling.BILINEAR),
        )
    else:
        src_img, src_mask = doc_image, mask
    src = _corners(src_img.width, src_img.height)
    matrix = cv2.getPerspectiveTransform(src, quad)
    warped = cv2.warpPerspective(
        np.asarray(src_img, dtype=np.uint8), matrix, (cw, ch), flags=cv2.INTER_LINEAR
    )
    alpha = cv2.warpPerspective(
        np.asarray(src_mask, dtype=np.uint8), matrix, (cw, ch), flags=cv2.INTER_LINEAR
    )
    a = alpha.astype(np.float32)[..., None] / 255.0
    if shadow > 0:
        blur = max(3, int(qw * 0.02) | 1)
        shifted = np.roll(a[..., 0], (int(qw * 0.008), int(qw * 0.01)), axis=(0, 1))
        soft = cv2.GaussianBlur(shifted, (blur, blur), 0)[..., None]
        canvas *= 1 - shadow * soft
    canvas *= 1 - a
    canvas += warped.astype(np.float32) * a
    # The homography from the original document pixels, for ground truth.
    to_src = np.diag([src_img.width / doc_image.width, src_img.height / doc_image.height, 1.0])
    return np.asarray(matrix @ to_src, dtype=np.float64)


BACKGROUNDS: Final = ("wood", "cloth", "desk", "paper", "dark")


def _wear(doc: RenderedDocument, rng: random.Random, *, strength: float) -> Image.Image:
    """Paper is never flat white: uneven tone, print density, and often a fold line."""
    if doc.material != "paper" or doc.template == "photocopy":
        return doc.image
    gen = np.random.default_rng(rng.getrandbits(64))
    w, h = doc.image.size
    coarse = gen.uniform(1 - 0.05 * strength, 1.0, size=(5, 4)).astype(np.float32)
    tone = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
    img = np.asarray(doc.image, dtype=np.float32) * tone
    if rng.random() < 0.5 * strength:
        # Letters are folded in three: a crease with a light and a dark side.
        y = int(h * rng.choice((1 / 3, 2 / 3, 1 / 2)) + rng.uniform(-0.02, 0.02) * h)
        band = max(2, h // 400)
        img[max(0, y - band) : y] *= 0.9
        img[y : y + band] = np.minimum(img[y : y + band] * 1.04, 255)
    img += gen.normal(0, 2.0, (h, w, 1)).astype(np.float32)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _background(size: tuple[int, int], rng: random.Random, *, kind: str | None) -> FloatImage:
    """A desk, a wooden table, a cloth or a sheet of paper, at low detail and upscaled."""
    w, h = size
    gen = np.random.default_rng(rng.getrandbits(64))
    kind = kind or rng.choice(("wood", "wood", "cloth", "desk", "desk", "paper", "dark"))
    sw, sh = max(8, w // 4), max(8, h // 4)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    if kind == "wood":
        base = np.array(
            rng.choice(((150, 105, 70), (120, 80, 50), (185, 145, 100))), dtype=np.float32
        )
        grain = np.sin(
            (yy + np.sin(xx * 0.02) * 12 + gen.normal(0, 2, (sh, sw))) * rng.uniform(0.15, 0.35)
        )
        tex = base * (0.88 + 0.08 * grain)[..., None]
    elif kind == "cloth":
        base = np.array(
            rng.choice(((60, 70, 110), (140, 40, 45), (90, 110, 90), (170, 170, 165))),
            dtype=np.float32,
        )
        weave = (np.sin(xx * 1.3) * np.sin(yy * 1.3)) * 0.06
        tex = base * (0.95 + weave)[..., None]
    elif kind == "paper":
        tex = np.full((sh, sw, 3), rng.uniform(215, 240), dtype=np.float32)
    elif kind == "dark":
        tex = np.full((sh, sw, 3), rng.uniform(25, 60), dtype=np.float32)
    else:
        base = np.array(
            rng.choice(((200, 200, 196), (172, 178, 184), (225, 220, 205))), dtype=np.float32
        )
        tex = np.broadcast_to(base, (sh, sw, 3)).copy()
    tex += gen.normal(0, 4, (sh, sw, 1)).astype(np.float32)
    big = cv2.resize(tex, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(big, dtype=np.float32)


def _lighting(img: FloatImage, rng: random.Random, *, strength: float, glossy: bool) -> FloatImage:
    """Uneven light: a gradient, sometimes a hand/phone shadow, sometimes a glare spot."""
    h, w = img.shape[:2]
    gen = np.random.default_rng(rng.getrandbits(64))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (math.cos(angle) * (xx / w - 0.5) + math.sin(angle) * (yy / h - 0.5)) * 2
    light = 1.0 + ramp * 0.12 * strength
    if rng.random() < 0.35 * strength:
        cx, cy = rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h
        r = rng.uniform(0.3, 0.7) * max(w, h)
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        light *= 1 - 0.35 * min(strength, 1.3) * np.clip((r - d) / (r * 0.25), 0, 1)
    img = img * light[..., None]
    if rng.random() < (0.5 if glossy else 0.2) * strength:
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        sigma = rng.uniform(0.03, 0.09) * max(w, h)
        spot = np.exp(-((xx - cx) ** 2 + ((yy - cy) * rng.uniform(0.6, 1.6)) ** 2) / (2 * sigma**2))
        img = img + spot[..., None] * rng.uniform(90, 200)
    cast = np.array([rng.uniform(0.94, 1.05), 1.0, rng.uniform(0.9, 1.04)], dtype=np.float32)
    img = img * cast
    img += gen.normal(0, rng.uniform(1.5, 4.5) * strength, img.shape).astype(np.float32)
    return img


def _defocus(img: FloatImage, rng: random.Random, *, strength: float) -> FloatImage:
    sigma = rng.uniform(0.2, 1.1) * strength * max(img.shape[:2]) / 2000
    if sigma > 0.35:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), dtype=np.float32)
    if rng.random() < 0.12 * strength:
        # A steadier hand on easy photos: shorter shakes (normal and hard keep 2-7 px).
        length = max(3, int(rng.uniform(2, 7) * min(strength, 1.0) * max(img.shape[:2]) / 2000))
        kernel = np.zeros((length, length), dtype=np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2, length / 2), rng.uniform(0, 180), 1.0)
        kernel = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), dtype=np.float32)
        kernel /= max(float(kernel.sum()), 1e-6)
        img = np.asarray(cv2.filter2D(img, -1, kernel), dtype=np.float32)
    return img


def _photocopy(
    docs: Sequence[RenderedDocument], rng: random.Random
) -> tuple[RenderedDocument, list[_Placed]]:
    """An A4 grey photocopy with the cards one above the other, one often upside down."""
    w, h = _A4_COPY
    page = np.full((h, w, 3), rng.uniform(238, 250), dtype=np.float32)
    placed: list[_Placed] = []
    slot_h = h / (len(docs) + 0.3)
    for i, doc in enumerate(docs):
        scale = rng.uniform(0.5, 0.68) * w / doc.image.width
        dw, dh = doc.image.width * scale, doc.image.height * scale
        cx = w / 2 + rng.uniform(-0.05, 0.05) * w
        cy = slot_h * (i + 0.65) + rng.uniform(-0.04, 0.04) * h
        quad = np.array(
            [
                [cx - dw / 2, cy - dh / 2],
                [cx + dw / 2, cy - dh / 2],
                [cx + dw / 2, cy + dh / 2],
                [cx - dw / 2, cy + dh / 2],
            ],
            dtype=np.float32,
        )
        if rng.random() < 0.4:
            quad = np.roll(quad, 2, axis=0)  # upside down
        tilt = math.radians(rng.uniform(-2.5, 2.5))
        c = np.array([cx, cy], dtype=np.float32)
        rot = np.array(
            [[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]], dtype=np.float32
        )
        quad = ((quad - c) @ rot.T + c).astype(np.float32)
        matrix = _paste(page, doc.image, _doc_mask(doc), quad, shadow=0.25)
        # Copiers see a card as a grey plate with a dark rim.
        outline = _apply(matrix, _corners(doc.image.width, doc.image.height)).astype(np.int32)
        cv2.polylines(page, [outline], isClosed=True, color=(90.0, 90.0, 90.0), thickness=2)
        placed.append(_Placed(doc=doc, matrix=matrix))
    grey = page @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    grey = np.clip((grey - 150) * rng.uniform(1.05, 1.35) + 150 - rng.uniform(0, 25), 0, 255)
    gen = np.random.default_rng(rng.getrandbits(64))
    toner = gen.random(grey.shape) < 0.0015
    grey[toner] *= 0.3
    grey = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.8)
    img = Image.fromarray(np.repeat(grey[..., None], 3, axis=2).astype(np.uint8))
    sheet = RenderedDocument(
        kind=docs[0].kind, template="photocopy", image=img, fields={}, seals=(), text=()
    )
    return sheet, placed


def photograph(
    rendered: Sequence[RenderedDocument],
    rng: random.Random,
    *,
    layout: str = "auto",
    difficulty: Difficulty = "normal",
    long_side: int | None = None,
    background: str | None = None,
    rotation: int | None = None,
) -> tuple[Image.Image, dict[str, Any]]:
    """Photograph one or more clean documents with a phone, as applicants do.

    Args:
        rendered: The documents on the page (one, or several side by side /
            on a photocopy).
        rng: The random source; the same state gives the same photo.
        layout: ``auto``, ``single``, ``side_by_side`` or ``photocopy``.
        difficulty: ``easy``, ``normal`` or ``hard``: how strong the effects are.
        long_side: The final long side in pixels; random in 1000..4000 when omitted.
        background: One of :data:`BACKGROUNDS`; random when omitted.
        rotation: The clockwise turn of the whole photo (0, 90, 180, 270); random
            (mostly 0) when omitted.

    Returns:
        The upright-as-shown photo (RGB) and its ground truth: ``width``,
        ``height``, ``rotation`` and ``documents`` (as written to JSON, without
        ``image`` and ``seed``).
    """
    strength = _STRENGTH.get(difficulty, 1.0)
    if layout == "auto":
        cards = all(d.material == "card" for d in rendered)
        layout = (
            "single"
            if len(rendered) == 1
            else ("photocopy" if cards and rng.random() < 0.6 else "side_by_side")
        )
    side = long_side or rng.randint(1000, 4000)
    drawn = rng.choices(_ROTATIONS, weights=_ROTATION_WEIGHTS)[0]
    rotation = drawn if rotation is None else rotation
    items: list[tuple[RenderedDocument, list[_Placed]]] = []
    if layout == "photocopy":
        items.append(_photocopy(rendered, rng))
    else:
        items.extend((d, [_Placed(doc=d, matrix=np.eye(3))]) for d in rendered)
    total_w = sum(d.image.width for d, _ in items) * 1.08
    total_h = max(d.image.height for d, _ in items)
    portrait = total_h >= total_w * 0.8
    scene = (round(side * 0.75), side) if portrait else (side, round(side * 0.75))
    canvas = _background(scene, rng, kind=background)
    placed: list[_Placed] = []
    slot_w = scene[0] / len(items)
    for i, (doc, inner) in enumerate(items):
        fill = rng.uniform(0.55, 0.9) if doc.material == "paper" else rng.uniform(0.45, 0.8)
        if len(items) > 1:
            fill = rng.uniform(0.8, 0.92)
        slot = (round(slot_w), scene[1])
        quad = _target_quad(doc.image.size, slot, fill=fill, rng=rng, skew=6 * strength)
        quad[:, 0] += i * slot_w
        shadow = 0.35 if doc.material == "card" else 0.2
        matrix = _paste(
            canvas, _wear(doc, rng, strength=strength), _doc_mask(doc), quad, shadow=shadow
        )
        placed.extend(_Placed(doc=p.doc, matrix=matrix @ p.matrix) for p in inner)
    glossy = any(p.doc.material == "card" for p in placed)
    canvas = _lighting(canvas, rng, strength=strength, glossy=glossy)
    canvas = _defocus(canvas, rng, strength=strength)
    pixels = np.clip(canvas, 0, 255).astype(np.uint8)
    truth_docs = [_truth(p, scene) for p in placed]
    pixels, truth_docs = _rotate(pixels, truth_docs, rotation)
    image = Image.fromarray(pixels)
    truth: dict[str, Any] = {
        "width": image.width,
        "height": image.height,
        "rotation": rotation,
        "documents": truth_docs,
    }
    return image, truth


def _box(points: npt.NDArray[np.float32], scene: tuple[int, int]) -> list[float]:
    w, h = scene
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return [
        round(float(np.clip(x0 / w, 0, 1)), 4),
        round(float(np.clip(y0 / h, 0, 1)), 4),
        round(float(np.clip(x1 / w, 0, 1)), 4),
        round(float(np.clip(y1 / h, 0, 1)), 4),
    ]


def _truth(placed: _Placed, scene: tuple[int, int]) -> dict[str, Any]:
    doc = placed.doc
    quad = _apply(placed.matrix, _corners(doc.image.width, doc.image.height))
    seals = []
    for seal in doc.seals:
        x0, y0, x1, y1 = seal.box
        ring = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
        seals.append({"box": _box(_apply(placed.matrix, ring), scene), "text": seal.text})
    return {
        "kind": doc.kind.value,
        "box": _box(quad, scene),
        "template": doc.template,
        "fields": dict(doc.fields),
        "seals": seals,
        "text": list(doc.text),
    }


def _rotate_box(box: list[float], rotation: int) -> list[float]:
    x0, y0, x1, y1 = box
    if rotation == 90:
        return [round(1 - y1, 4), x0, round(1 - y0, 4), x1]
    if rotation == 180:
        return [round(1 - x1, 4), round(1 - y1, 4), round(1 - x0, 4), round(1 - y0, 4)]
    if rotation == 270:
        return [y0, round(1 - x1, 4), y1, round(1 - x0, 4)]
    return box


def _rotate(
    pixels: npt.NDArray[np.uint8], docs: list[dict[str, Any]], rotation: int
) -> tuple[npt.NDArray[np.uint8], list[dict[str, Any]]]:
    """Turn the photo ``rotation`` degrees clockwise, boxes with it."""
    if rotation:
        # np.rot90 turns counter-clockwise for positive k.
        pixels = np.ascontiguousarray(np.rot90(pixels, k=-(rotation // 90)))
        for doc in docs:
            doc["box"] = _rotate_box(doc["box"], rotation)
            for seal in doc["seals"]:
                seal["box"] = _rotate_box(seal["box"], rotation)
    return pixels, docs


_EXIF_ORIENTATION_TAG: Final = 0x0112
# EXIF orientation value -> the transpose that turns shown pixels into stored ones.
_STORED: Final[dict[int, Image.Transpose]] = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,  # stored turned 90° anticlockwise; viewers turn it back
    8: Image.Transpose.ROTATE_270,
}


def encode_photo(image: Image.Image, *, quality: int, exif_orientation: int = 1) -> bytes:
    """JPEG-encode the photo; with an EXIF orientation, store the pixels the way a phone does.

    The image a viewer shows (after applying the orientation tag) is always
    ``image``, so the ground truth describes what a reader sees after EXIF
    transposition.
    """
    out = io.BytesIO()
    if exif_orientation in _STORED:
        stored = image.transpose(_STORED[exif_orientation])
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION_TAG] = exif_orientation
        stored.save(out, format="JPEG", quality=quality, exif=exif.tobytes(), optimize=True)
    else:
        image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()
