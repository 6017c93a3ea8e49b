"""Errors raised by the ocr package.

    OcrError
    ├── FileError                      the bytes are not a page we can read
    │   ├── UnsupportedFileTypeError   not JPEG, PNG, WebP, HEIC/HEIF or PDF
    │   ├── CorruptFileError           the signature matched but decoding failed
    │   ├── ImageTooLargeError         more pixels than the limit
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


class TooManyPagesError(FileError):
    def __init__(self, *, pages: int, limit: int) -> None:
        super().__init__(f"PDF has {pages} pages, limit is {limit}")
        self.pages = pages
        self.limit = limit


class EncryptedPdfError(FileError):
    def __init__(self) -> None:
        super().__init__("PDF is encrypted")


class OcrModelMissingError(OcrError):
    def __init__(self, path: str) -> None:
        super().__init__(f"OCR model file missing: {path}")
        self.path = path


class OcrEngineBusyError(OcrError):
    def __init__(self, *, waited_s: float) -> None:
        super().__init__(f"no OCR worker free after {waited_s:.1f} s")
        self.waited_s = waited_s
