"""Errors raised by the ocr package.

    OcrError
    ├── FileError                      the bytes are not a page we can read
    │   ├── UnsupportedFileTypeError   not JPEG, PNG, WebP, HEIC/HEIF or PDF
    │   ├── CorruptFileError           the signature matched but decoding failed
    │   ├── ImageTooLargeError         more pixels than the limit
    │   ├── ImageTooSmallError         a page too small or too narrow to read
    │   ├── TooManyPagesError          a PDF over the page limit
    │   └── EncryptedPdfError          a password-protected PDF
    ├── OcrModelMissingError           the engine's model files are not installed
    └── OcrEngineBusyError             no worker free within the wait timeout

Callers catch ``OcrError`` (or ``FileError`` for upload problems).
"""

from __future__ import annotations


class OcrError(Exception):
    """Base class of the ocr package's errors."""


class FileError(OcrError):
    """The bytes are not a page we can read."""


class UnsupportedFileTypeError(FileError):
    def __init__(self, detected: str | None = None) -> None:
        super().__init__(f"unsupported file type: {detected or 'unknown'}")
        self.detected = detected


class CorruptFileError(FileError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"file could not be decoded: {reason}")
        self.reason = reason


class ImageTooLargeError(FileError):
    def __init__(self, *, pixels: int, limit: int) -> None:
        super().__init__(f"image has {pixels} pixels, limit is {limit}")
        self.pixels = pixels
        self.limit = limit


class ImageTooSmallError(FileError):
    """A page with a side too short to hold anything readable (1x1, a 40x8000 strip)."""

    def __init__(self, *, width: int, height: int, min_side: int) -> None:
        super().__init__(
            f"image is {width}x{height} pixels; its shorter side needs at least {min_side}"
        )
        self.width = width
        self.height = height
        self.min_side = min_side


class TooManyPagesError(FileError):
    """A PDF over the page limit.

    Pages are counted only until the count passes the limit, so ``pages`` is
    how many were counted (``limit + 1`` for a long file), not the file's total.
    """

    def __init__(self, *, pages: int, limit: int) -> None:
        super().__init__(f"PDF has more than {limit} pages")
        self.pages = pages
        self.limit = limit


class EncryptedPdfError(FileError):
    def __init__(self) -> None:
        super().__init__("PDF is encrypted")


class ActiveContentError(FileError):
    """A file that carries something meant to run or unpack: never a photo or a scan.

    A PDF with JavaScript or a Launch action, or an image that is at the same
    time a ZIP archive (a polyglot). The page would be read as pixels only, but
    such a file has no business in a filing, and a reviewer's browser or a
    downstream system might treat it as what it also is.
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"file carries active content: {what}")
        self.what = what


class OcrModelMissingError(OcrError):
    def __init__(self, path: str) -> None:
        super().__init__(f"OCR model file missing: {path}")
        self.path = path


class OcrEngineBusyError(OcrError):
    def __init__(self, *, waited_s: float) -> None:
        super().__init__(f"no OCR worker free after {waited_s:.1f} s")
        self.waited_s = waited_s
