"""Chinese fonts for the sample renderers, found through fontconfig.

Each family the renderers draw with (``sans``, ``serif``, ``hei``, ``kai``,
``mono`` and the bold ones) names the faces it prefers, by fontconfig family
and style; then fontconfig's own choice for a generic family (``serif``,
``monospace``...) in simplified Chinese; then any face that covers simplified
Chinese. So the generator runs wherever one CJK font is installed, wherever
its files live, and looks as intended with the Debian packages the Makefile
installs (``fonts-noto-cjk``, ``fonts-wqy-zenhei``, ``fonts-arphic-ukai``).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from samples.errors import FontNotFoundError

__all__ = ["FAMILIES", "FontFace", "find_face", "installed_cjk_faces"]

_LANG: Final = "zh-cn"
_FORMAT: Final = r"%{file}\t%{index}\t%{family[0]}\t%{style[0]}\n"
_TIMEOUT_S: Final = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class FontFace:
    """One face of an installed font file (``index`` within a TrueType collection)."""

    path: Path
    index: int
    family: str
    style: str


@dataclass(frozen=True, slots=True)
class _Wanted:
    faces: tuple[tuple[str, str], ...]
    """``(fontconfig family, style)`` in order of preference."""
    generic: str
    """The fontconfig pattern to ask for when none of ``faces`` is installed."""


_FAMILIES: Final[dict[str, _Wanted]] = {
    "sans": _Wanted(
        (
            ("Noto Sans CJK SC", "Regular"),
            ("Source Han Sans SC", "Regular"),
            ("WenQuanYi Zen Hei", "Regular"),
        ),
        "sans-serif",
    ),
    "sans_bold": _Wanted(
        (
            ("Noto Sans CJK SC", "Bold"),
            ("Source Han Sans SC", "Bold"),
            ("WenQuanYi Zen Hei", "Regular"),
        ),
        "sans-serif:weight=bold",
    ),
    "serif": _Wanted(
        (
            ("Noto Serif CJK SC", "Regular"),
            ("Source Han Serif SC", "Regular"),
            ("Noto Sans CJK SC", "Regular"),
        ),
        "serif",
    ),
    "serif_bold": _Wanted(
        (
            ("Noto Serif CJK SC", "Bold"),
            ("Source Han Serif SC", "Bold"),
            ("Noto Sans CJK SC", "Bold"),
        ),
        "serif:weight=bold",
    ),
    "hei": _Wanted(
        (("WenQuanYi Zen Hei", "Regular"), ("Noto Sans CJK SC", "Regular")), "sans-serif"
    ),
    # Handwriting: a kaishu face where one is installed.
    "kai": _Wanted(
        (
            ("AR PL UKai CN", "Book"),
            ("AR PL KaitiM GB", "Regular"),
            ("LXGW WenKai", "Regular"),
            ("WenQuanYi Zen Hei", "Regular"),
        ),
        "serif",
    ),
    "mono": _Wanted(
        (("Noto Sans Mono CJK SC", "Regular"), ("WenQuanYi Zen Hei Mono", "Regular")),
        "monospace",
    ),
}

FAMILIES: Final = tuple(_FAMILIES)
"""The family names the renderers draw with."""


def _fontconfig(*args: str) -> str | None:
    """Run a fontconfig tool; ``None`` when it is not installed."""
    tool = shutil.which(args[0])
    if tool is None:
        return None
    # A fixed tool and our own arguments, never shell-interpreted.
    done = subprocess.run(  # noqa: S603
        [tool, *args[1:]], capture_output=True, text=True, check=False, timeout=_TIMEOUT_S
    )
    return done.stdout if done.returncode == 0 else ""


def _parse(listing: str) -> list[FontFace]:
    faces = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) == 4 and parts[0] and parts[1].isdigit():
            faces.append(
                FontFace(path=Path(parts[0]), index=int(parts[1]), family=parts[2], style=parts[3])
            )
    return faces


@lru_cache(maxsize=1)
def installed_cjk_faces() -> tuple[FontFace, ...]:
    """Every installed face fontconfig says covers simplified Chinese, by file and index.

    Raises:
        FontNotFoundError: fontconfig is missing, or lists no such face.
    """
    listing = _fontconfig("fc-list", "--format", _FORMAT, f":lang={_LANG}")
    if listing is None:
        raise FontNotFoundError(fontconfig=False)
    faces = sorted(set(_parse(listing)), key=lambda f: (str(f.path), f.index))
    if not faces:
        raise FontNotFoundError(fontconfig=True)
    return tuple(faces)


@cache
def find_face(family: str) -> FontFace:
    """The face to draw ``family`` with on this machine.

    Args:
        family: One of :data:`FAMILIES`.

    Raises:
        KeyError: ``family`` is not one the renderers use.
        FontNotFoundError: No installed face covers simplified Chinese.
    """
    wanted = _FAMILIES[family]
    faces = installed_cjk_faces()
    for name, style in wanted.faces:
        for face in faces:
            if face.family.casefold() == name.casefold() and face.style == style:
                return face
    matched = _parse(
        _fontconfig("fc-match", "--format", _FORMAT, f"{wanted.generic}:lang={_LANG}") or ""
    )
    # fc-match always answers, with a Latin font if it must: keep it only if it covers Chinese.
    if matched and matched[0] in faces:
        return matched[0]
    return faces[0]
