"""OCR engines behind the :class:`~ocr.engines.base.OcrEngine` protocol."""

from ocr.engines.base import OcrEngine, TextLine

__all__ = ["OcrEngine", "TextLine"]
