"""Quality check on synthesised pages: clean versions pass, each degradation is flagged.

The page generator and the degradations here are also what the thresholds in
``ocr.quality.QualityThresholds`` were calibrated on.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.quality import PROBLEM_MESSAGES, QualityThresholds, assess_quality
from samples.fonts import find_face

TEXT = (
    "兹证明我单位职工因工作需要派往外地工作期间在当地就医申请办理异地就医备案"
    "本人承诺所提供的材料真实有效如有虚假愿承担相应责任居住地址联系电话签发机关"
    "有效期限公民身份号码出生民族住址户口簿常住人口登记卡转诊转院申请表医院"
)

Bgr = npt.NDArray[np.uint8]


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_face("hei").path), size)


@functools.cache
def _rendered_page(width: int, height: int, lines: int, seed: int) -> bytes:
    rng = random.Random(seed)
    page = Image.new("RGB", (width, height), (252, 252, 250))
    draw = ImageDraw.Draw(page)
    unit = width / 1240
    margin = int(100 * unit)
    draw.text(
        (width // 2, int(110 * unit)),
        "个人承诺书",
        font=_font(int(64 * unit)),
        fill=(10, 10, 10),
        anchor="mm",
    )
    body = _font(int(30 * unit))
    y = int(220 * unit)
    per_line = int((width - 2 * margin) / (31 * unit))
    for _ in range(lines):
        start = rng.randrange(len(TEXT) - per_line)
        draw.text((margin, y), TEXT[start : start + per_line], font=body, fill=(25, 25, 25))
        y += int(52 * unit)
    if lines >= 10:
        top = y + int(30 * unit)
        for row in range(5):
            draw.line(
                (margin, top + row * int(60 * unit), width - margin, top + row * int(60 * unit)),
                fill=(30, 30, 30),
                width=2,
            )
        for col in range(4):
            x = margin + col * (width - 2 * margin) // 3
            draw.line((x, top, x, top + 4 * int(60 * unit)), fill=(30, 30, 30), width=2)
        centre = (width - margin - int(140 * unit), top + int(120 * unit))
        radius = int(110 * unit)
        draw.ellipse(
            (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
            outline=(200, 30, 30),
            width=max(3, int(6 * unit)),
        )
    return np.ascontiguousarray(np.asarray(page)[:, :, ::-1]).tobytes()


def document_page(width: int = 1240, height: int = 1754, *, lines: int = 24, seed: int = 0) -> Bgr:
    """A document-like A4 page with Chinese text, a table and a red seal outline (BGR)."""
    raw = _rendered_page(width, height, lines, seed)
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3).copy()


def flat_scan(*, seed: int = 0) -> Bgr:
    """A clean 150 dpi scan: the page fills the frame, light sensor noise."""
    page = document_page(seed=seed).astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 2.0, page.shape)
    return np.clip(page + noise, 0, 255).astype(np.uint8)


def pdf_render(*, sparse: bool = False) -> Bgr:
    """A 200 dpi render of a PDF page: pure white, crisp, no noise."""
    return document_page(1654, 2339, lines=2 if sparse else 30, seed=3)


def _table_texture(size: tuple[int, int], rng: np.random.Generator) -> Bgr:
    height, width = size
    coarse = cv2.resize(rng.normal(0, 18, (12, 9)).astype(np.float32), (width, height))
    grain = cv2.resize(rng.normal(0, 14, (height // 8, 6)).astype(np.float32), (width, height))
    shade = cv2.add(coarse, grain)
    # A mid-brown wooden table, BGR.
    channels = [shade + np.float32(level) for level in (70, 105, 140)]
    return np.asarray(cv2.merge(channels).clip(0, 255).astype(np.uint8), dtype=np.uint8)


def _sensor_noise(image: Bgr, *, sigma: float, seed: int) -> Bgr:
    noise = np.zeros(image.shape, dtype=np.int16)
    cv2.setRNGSeed(seed)
    cv2.randn(noise, np.zeros(3), np.full(3, sigma))
    noisy = cv2.add(image.astype(np.int16), noise)
    return np.asarray(noisy.clip(0, 255).astype(np.uint8), dtype=np.uint8)


def phone_photo(
    page: Bgr | None = None,
    *,
    fill: float = 0.55,
    angle: float = 6.0,
    size: tuple[int, int] = (4032, 3024),
    seed: int = 0,
) -> Bgr:
    """A phone photo (12 MP portrait by default) of ``page`` lying on a wooden table.

    ``fill`` is the share of the frame the page covers; the page is turned by
    ``angle`` degrees clockwise with a little perspective, lit unevenly, with
    sensor noise and a slight optical softness.
    """
    return photo_with_corners(page, fill=fill, angle=angle, size=size, seed=seed)[0]


def photo_with_corners(
    page: Bgr | None = None,
    *,
    fill: float = 0.55,
    angle: float = 6.0,
    size: tuple[int, int] = (4032, 3024),
    seed: int = 0,
) -> tuple[Bgr, npt.NDArray[np.float32]]:
    """:func:`phone_photo` and the true page corners in it (tl, tr, br, bl)."""
    page = document_page(seed=seed) if page is None else page
    rng = np.random.default_rng(seed)
    height, width = size
    ph, pw = page.shape[:2]
    doc_w = float(np.sqrt(fill * width * height * pw / ph))
    doc_h = doc_w * ph / pw
    half = np.array([[-doc_w, -doc_h], [doc_w, -doc_h], [doc_w, doc_h], [-doc_w, doc_h]]) / 2
    theta = np.radians(angle)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    corners = half @ rotation.T + [width / 2, height / 2]
    corners += rng.normal(0, 0.012 * doc_w, corners.shape)  # perspective
    corners = corners.astype(np.float32)
    source = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    warped = cv2.warpPerspective(page, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ph, pw), 1.0, np.float32), matrix, (width, height))
    paper = cv2.convertScaleAbs(warped, alpha=0.87)  # paper photographs as light grey
    scene = cv2.blendLinear(paper, _table_texture(size, rng), mask, 1.0 - mask)
    # Uneven light: full at the top, 85 % at the bottom.
    light = np.repeat(np.linspace(1.0, 0.85, height, dtype=np.float32)[:, None], width, axis=1)
    lit = np.asarray(
        cv2.multiply(scene, cv2.merge([light, light, light]), dtype=cv2.CV_8U), np.uint8
    )
    noisy = _sensor_noise(lit, sigma=3.0, seed=seed)
    return np.asarray(cv2.GaussianBlur(noisy, (0, 0), 1.0), dtype=np.uint8), corners


def gaussian_blur(image: Bgr, sigma: float) -> Bgr:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)


def motion_blur(image: Bgr, length: int) -> Bgr:
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    return np.asarray(cv2.filter2D(image, -1, kernel), dtype=np.uint8)


def _apply_curve(image: Bgr, curve: npt.NDArray[np.floating[Any]]) -> Bgr:
    table = np.clip(curve, 0, 255).astype(np.uint8)
    return np.asarray(cv2.LUT(image, table), dtype=np.uint8)


def darken(image: Bgr, *, gain: float, gamma: float) -> Bgr:
    """Under-exposure: ``255 · (x/255 · gain)^gamma``."""
    return _apply_curve(image, (np.arange(256) / 255.0 * gain) ** gamma * 255.0)


def overexpose(image: Bgr, *, gain: float, offset: float) -> Bgr:
    """Over-exposure: ``x · gain + offset``, clipped."""
    return _apply_curve(image, np.arange(256) * gain + offset)


def add_glare(image: Bgr, *, radius: float, centre: tuple[float, float] = (0.45, 0.4)) -> Bgr:
    """A specular highlight: a white Gaussian spot, ``radius`` a fraction of the long side."""
    height, width = image.shape[:2]
    step = 8  # the spot is smooth: compute it coarse and scale it up
    sigma = radius * max(height, width) / step
    ys, xs = np.ogrid[: height // step, : width // step]
    cx, cy = centre[0] * width / step, centre[1] * height / step
    spot = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2)) * 2.2 * 255.0
    lift = cv2.resize(spot.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    lifted = cv2.add(image.astype(np.float32), cv2.merge([lift, lift, lift]))
    return np.asarray(lifted.clip(0, 255).astype(np.uint8), dtype=np.uint8)


def downscale(image: Bgr, long_side: int) -> Bgr:
    scale = long_side / max(image.shape[:2])
    return np.asarray(
        cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), dtype=np.uint8
    )


# Print blurred past reading may leave no text marks at all: then the page reads as blank.
_UNREADABLE = ({"blurry"}, {"blank"})


def codes(image: Bgr) -> set[str]:
    return {problem.code for problem in assess_quality(image).problems}


def table_only() -> Bgr:
    """The wooden table with no document on it."""
    return _sensor_noise(_table_texture((4032, 3024), np.random.default_rng(9)), sigma=3.0, seed=9)


@pytest.fixture(scope="module")
def photo() -> Bgr:
    return phone_photo()


@pytest.fixture(scope="module")
def scan() -> Bgr:
    return flat_scan()


@pytest.fixture(scope="module")
def pdf() -> Bgr:
    return pdf_render()


class TestCleanPagesPass:
    def test_flat_scan(self, scan: Bgr) -> None:
        quality = assess_quality(scan)
        assert quality.ok, quality.problems
        assert quality.document_area == 1.0
        assert (quality.width, quality.height) == (1240, 1754)

    def test_pdf_render(self, pdf: Bgr) -> None:
        assert assess_quality(pdf).ok

    def test_sparse_pdf_render(self) -> None:
        quality = assess_quality(pdf_render(sparse=True))
        assert quality.ok, quality.problems

    def test_phone_photo(self, photo: Bgr) -> None:
        quality = assess_quality(photo)
        assert quality.ok, quality.problems
        assert quality.document_area == pytest.approx(0.55, abs=0.05)
        assert quality.skew == pytest.approx(6.0, abs=1.5)
        assert quality.glare == 0.0
        assert (quality.width, quality.height) == (3024, 4032)

    @pytest.mark.parametrize(
        ("size", "angle", "fill", "seed"),
        [((3024, 4032), -4.0, 0.55, 1), ((4032, 3024), 2.0, 0.8, 2), ((4032, 3024), 0.0, 0.35, 5)],
    )
    def test_other_photos(
        self, size: tuple[int, int], angle: float, fill: float, seed: int
    ) -> None:
        quality = assess_quality(phone_photo(size=size, angle=angle, fill=fill, seed=seed))
        assert quality.ok, quality.problems

    def test_mild_degradations_pass(self, photo: Bgr, scan: Bgr, pdf: Bgr) -> None:
        for image in (
            gaussian_blur(photo, 1),
            gaussian_blur(scan, 1),
            gaussian_blur(pdf, 1),
            darken(scan, gain=0.6, gamma=1.2),
            downscale(scan, 1200),
            phone_photo(fill=0.2, seed=4),
        ):
            quality = assess_quality(image)
            assert quality.ok, quality.problems

    def test_grey_input(self, scan: Bgr) -> None:
        grey = np.asarray(cv2.cvtColor(scan, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        assert assess_quality(grey).ok


class TestBlurry:
    @pytest.mark.parametrize("sigma", [4, 6, 8])
    def test_gaussian_blurred_photo(self, photo: Bgr, sigma: float) -> None:
        assert codes(gaussian_blur(photo, sigma)) in _UNREADABLE

    @pytest.mark.parametrize("sigma", [3, 4, 6])
    def test_gaussian_blurred_scan(self, scan: Bgr, sigma: float) -> None:
        assert codes(gaussian_blur(scan, sigma)) in _UNREADABLE

    def test_blurred_pdf_render(self, pdf: Bgr) -> None:
        assert codes(gaussian_blur(pdf, 4)) in _UNREADABLE

    def test_softness_that_large_print_survives_passes(self, scan: Bgr, pdf: Bgr) -> None:
        # 30 px body text (the scan) stays legible under σ = 2 px; so does the PDF render at 3.
        assert codes(gaussian_blur(scan, 2)) == set()
        assert codes(gaussian_blur(pdf, 3)) == set()

    @pytest.mark.parametrize("length", [25, 40])
    def test_motion_blurred_photo(self, photo: Bgr, length: int) -> None:
        assert codes(motion_blur(photo, length)) in _UNREADABLE

    @pytest.mark.parametrize("length", [15, 25])
    def test_motion_blurred_scan(self, scan: Bgr, length: int) -> None:
        assert codes(motion_blur(scan, length)) in _UNREADABLE

    def test_sharpness_falls_with_blur(self, scan: Bgr) -> None:
        values = [assess_quality(gaussian_blur(scan, s)).sharpness for s in (0.5, 1, 2, 3)]
        assert values == sorted(values, reverse=True)


class TestExposure:
    @pytest.mark.parametrize(("gain", "gamma"), [(0.45, 1.4), (0.35, 1.5), (0.25, 1.6)])
    def test_dark_photo_and_scan(self, photo: Bgr, scan: Bgr, gain: float, gamma: float) -> None:
        assert "too_dark" in codes(darken(photo, gain=gain, gamma=gamma))
        assert "too_dark" in codes(darken(scan, gain=gain, gamma=gamma))

    def test_dark_is_not_called_not_a_document(self, photo: Bgr) -> None:
        assert codes(darken(photo, gain=0.25, gamma=1.6)) == {"too_dark"}

    @pytest.mark.parametrize(("gain", "offset"), [(1.6, 80), (2.0, 100), (1.2, 140)])
    def test_overexposed_photo(self, photo: Bgr, gain: float, offset: float) -> None:
        assert codes(overexpose(photo, gain=gain, offset=offset)) == {"overexposed"}

    @pytest.mark.parametrize(("gain", "offset"), [(2.0, 100)])
    def test_overexposed_scan(self, scan: Bgr, gain: float, offset: float) -> None:
        assert codes(overexpose(scan, gain=gain, offset=offset)) == {"overexposed"}


class TestGlare:
    @pytest.mark.parametrize("radius", [0.04, 0.06])
    def test_highlight_on_photo(self, photo: Bgr, radius: float) -> None:
        quality = assess_quality(add_glare(photo, radius=radius))
        assert {p.code for p in quality.problems} == {"glare"}
        assert quality.glare > 0.03

    def test_white_paper_of_a_bright_card_is_not_glare(self) -> None:
        # A bright page on a dark table: its white paper reaches the page's edge.
        page = document_page(seed=3)
        photo = phone_photo(page=overexpose(page, gain=1.0, offset=10), fill=0.4, seed=3)
        assert "glare" not in codes(photo)

    def test_a_highlight_beside_the_page_hides_no_print(self) -> None:
        # A page on a plain light desk (no border to find) and a lamp's spot on the desk.
        frame = np.full((1500, 2000, 3), 215, np.uint8)
        page = cv2.resize(document_page(seed=3), (900, 1273)) * 0.9  # off-white paper
        frame[100:1373, 1000:1900] = page.astype(np.uint8)
        photo = add_glare(frame, radius=0.06, centre=(0.25, 0.5))
        assert "glare" not in codes(photo)
        # Everything else alike, the spot on the page's print is glare.
        assert "glare" in codes(add_glare(frame, radius=0.06, centre=(0.72, 0.45)))

    def test_white_paper_of_a_scan_is_not_glare(self, scan: Bgr) -> None:
        assert assess_quality(scan).glare == 0.0


class TestResolution:
    """Resolution is judged by the size of the print, not by the frame's pixel count."""

    @pytest.mark.parametrize("long_side", [900, 600, 450])
    def test_small_frame_with_legible_print_passes(self, scan: Bgr, long_side: int) -> None:
        assert codes(downscale(scan, long_side)) == set()

    def test_print_too_small_to_read(self, scan: Bgr) -> None:
        assert codes(downscale(scan, 300)) == {"low_resolution"}

    def test_wide_strip_of_large_print_passes(self) -> None:
        assert codes(document_page(1400, 500, lines=4)) == set()


class TestDocumentArea:
    @pytest.mark.parametrize("fill", [0.12, 0.06])
    def test_small_in_a_12_mp_frame_but_legible_passes(self, fill: float) -> None:
        quality = assess_quality(phone_photo(fill=fill, seed=4))
        assert quality.ok, quality.problems
        assert quality.document_area == pytest.approx(fill, abs=0.03)


class TestNothingToRead:
    def test_bare_table(self) -> None:
        assert codes(table_only()) == {"blank"}

    @pytest.mark.parametrize("level", [128, 235])
    def test_blank_frame(self, level: int) -> None:
        assert codes(np.full((3000, 4000, 3), level, np.uint8)) == {"blank"}

    def test_black_frame_is_too_dark(self) -> None:
        assert codes(np.full((3000, 4000, 3), 0, np.uint8)) == {"too_dark"}

    def test_blank_sheet_on_a_table(self) -> None:
        sheet = np.full((1754, 1240, 3), 250, np.uint8)
        assert codes(phone_photo(page=sheet, fill=0.55, seed=6)) == {"blank"}

    def test_blank_message(self) -> None:
        assert PROBLEM_MESSAGES["blank"] == "照片中没有可辨认的文字，请拍摄有内容的材料"


class TestProblemsAndThresholds:
    def test_messages_are_the_applicant_texts(self, photo: Bgr) -> None:
        quality = assess_quality(gaussian_blur(add_glare(photo, radius=0.06), 4))
        assert {p.code for p in quality.problems} == {"blurry", "glare"}
        for problem in quality.problems:
            assert problem.message == PROBLEM_MESSAGES[problem.code]
        assert PROBLEM_MESSAGES["blurry"] == "照片模糊，请对焦后重新拍摄"
        assert PROBLEM_MESSAGES["too_dark"] == "光线太暗，请在明亮处重新拍摄"
        assert PROBLEM_MESSAGES["glare"] == "有反光，请避开灯光重新拍摄"
        assert PROBLEM_MESSAGES["document_too_small"] == "证件占画面太小，请靠近拍摄"

    def test_thresholds_are_honoured(self, scan: Bgr) -> None:
        strict = QualityThresholds(min_sharpness=5.0, min_mark_px_full=50.0)
        assert codes_with(scan, strict) == {"blurry", "low_resolution"}

    def test_export_round_trip(self, photo: Bgr) -> None:
        from ocr.domain import Quality

        quality = assess_quality(add_glare(photo, radius=0.06))
        assert Quality.from_dict(quality.export()) == quality


def codes_with(image: Bgr, thresholds: QualityThresholds) -> set[str]:
    return {problem.code for problem in assess_quality(image, thresholds=thresholds).problems}
