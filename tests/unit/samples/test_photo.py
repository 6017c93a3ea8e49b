from __future__ import annotations

import io
import random

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageOps

from samples.generate import render_document
from samples.people import make_person
from samples.photo import encode_photo, photograph


def pixel_box(
    box: list[float], size: tuple[int, int], *, margin: int = 2
) -> tuple[int, int, int, int]:
    w, h = size
    return (
        max(0, int(box[0] * w) - margin),
        max(0, int(box[1] * h) - margin),
        min(w, int(box[2] * w + 0.999) + margin),
        min(h, int(box[3] * h + 0.999) + margin),
    )


def inside(mask: npt.NDArray[np.bool_], box: tuple[int, int, int, int]) -> int:
    x0, y0, x1, y1 = box
    return int(mask[y0:y1, x0:x1].sum())


class TestPhotograph:
    @pytest.mark.parametrize("rotation", [0, 90, 180, 270])
    def test_red_seal_pixels_fall_inside_the_seal_box(self, rotation: int) -> None:
        rng = random.Random(rotation)
        doc = render_document("referral_form", make_person(rng), rng)
        image, truth = photograph(
            [doc], rng, long_side=700, background="desk", rotation=rotation, difficulty="easy"
        )

        px = np.asarray(image, dtype=np.int16)
        red = (px[..., 0] - np.maximum(px[..., 1], px[..., 2])) > 40
        seal = truth["documents"][0]["seals"][0]
        assert red.sum() > 100
        assert inside(red, pixel_box(seal["box"], image.size)) / red.sum() > 0.97

    @pytest.mark.parametrize("rotation", [0, 90, 180, 270])
    def test_document_box_holds_the_document(self, rotation: int) -> None:
        rng = random.Random(10 + rotation)
        doc = render_document("dispatch_letter", make_person(rng), rng)
        image, truth = photograph(
            [doc], rng, long_side=600, background="dark", rotation=rotation, difficulty="easy"
        )

        bright = np.asarray(image.convert("L")) > 150
        box = pixel_box(truth["documents"][0]["box"], image.size)
        assert inside(bright, box) / bright.sum() > 0.99
        x0, y0, x1, y1 = box
        assert bright[y0:y1, x0:x1].mean() > 0.6

    def test_rotation_turns_the_photo_clockwise(self) -> None:
        rng = random.Random(1)
        doc = render_document("id_card_front", make_person(rng), rng)
        upright, _ = photograph([doc], random.Random(7), long_side=500, rotation=0)
        turned, truth = photograph([doc], random.Random(7), long_side=500, rotation=90)

        assert truth["rotation"] == 90
        expected = np.asarray(upright.transpose(Image.Transpose.ROTATE_270), dtype=np.int16)
        assert np.abs(np.asarray(turned, dtype=np.int16) - expected).mean() < 1.0

    def test_photocopy_carries_both_sides(self) -> None:
        rng = random.Random(2)
        person = make_person(rng)
        docs = [render_document(k, person, rng) for k in ("id_card_front", "id_card_back")]
        image, truth = photograph(docs, rng, layout="photocopy", long_side=800)

        assert [d["kind"] for d in truth["documents"]] == ["id_card_front", "id_card_back"]
        a, b = (d["box"] for d in truth["documents"])
        overlap_h = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        overlap_v = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        assert overlap_h * overlap_v < 0.02
        px = np.asarray(image, dtype=np.int16)
        x0, y0, x1, y1 = pixel_box(a, image.size)
        chroma = np.abs(px[y0:y1, x0:x1, 0] - px[y0:y1, x0:x1, 2])
        assert np.median(chroma) < 25  # a grey copy, whatever the light's colour cast


class TestEncodePhoto:
    @pytest.mark.parametrize("orientation", [1, 3, 6, 8])
    def test_exif_orientation_shows_the_same_picture(self, orientation: int) -> None:
        rng = random.Random(3)
        doc = render_document("id_card_back", make_person(rng), rng)
        image, _ = photograph([doc], rng, long_side=400, rotation=0)

        data = encode_photo(image, quality=95, exif_orientation=orientation)
        with Image.open(io.BytesIO(data)) as raw:
            shown = ImageOps.exif_transpose(raw).convert("RGB")
            stored_size = raw.size

        assert shown.size == image.size
        assert (stored_size == image.size) == (orientation in {1, 3})
        diff = np.abs(np.asarray(shown, dtype=np.int16) - np.asarray(image, dtype=np.int16))
        assert diff.mean() < 4
