"""Pages drawn with Pillow and an installed Chinese font, for engine tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from samples.fonts import find_face


def render_lines(
    lines: list[str], *, size: tuple[int, int] = (1600, 1000), font_px: int = 48
) -> npt.NDArray[np.uint8]:
    """Draw ``lines`` top to bottom in black on white; returns BGR pixels."""
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    # The first face of the sans file fontconfig finds (Noto Sans CJK's first is JP).
    font = ImageFont.truetype(str(find_face("sans").path), font_px)
    for row, text in enumerate(lines):
        draw.text((80, 80 + row * int(font_px * 1.8)), text, fill="black", font=font)
    rgb = np.asarray(page, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])
