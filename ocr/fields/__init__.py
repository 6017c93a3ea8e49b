"""Field extraction: per-kind rules over line geometry, value normalisation."""

from ocr.fields.kinds import cells_to_read_again, extract_fields
from ocr.fields.values import find_id_numbers, normalise_date, repair_id_number

__all__ = [
    "cells_to_read_again",
    "extract_fields",
    "find_id_numbers",
    "normalise_date",
    "repair_id_number",
]
