"""Errors raised by the samples package.

    SamplesError
    └── FontNotFoundError   no installed font covers Chinese (or fontconfig is missing)

Callers catch ``SamplesError``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FONT_PACKAGES", "FontNotFoundError", "SamplesError"]

FONT_PACKAGES: Final = ("fonts-noto-cjk", "fonts-wqy-zenhei", "fonts-arphic-ukai")
"""The Debian packages whose faces the renderers prefer (any one CJK font is enough)."""


class SamplesError(Exception):
    """Base class of the samples package's errors."""


class FontNotFoundError(SamplesError):
    """No font covering simplified Chinese was found through fontconfig.

    Attributes:
        fontconfig: Whether fontconfig's ``fc-list`` could be run at all.
    """

    def __init__(self, *, fontconfig: bool) -> None:
        packages = " ".join(FONT_PACKAGES if fontconfig else ("fontconfig", *FONT_PACKAGES))
        found = "found no Chinese font" if fontconfig else "is not installed (fc-list)"
        super().__init__(
            f"fontconfig {found}; the sample documents need one: "
            f"apt-get install {packages} (or `make fonts`)"
        )
        self.fontconfig = fontconfig
