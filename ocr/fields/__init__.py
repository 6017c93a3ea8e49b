"""Field extraction: per-kind rules over line geometry, value normalisation."""

from ocr.fields.kinds import empty_value_cells, extract_fields
from ocr.fields.values import find_id_numbers, normalise_date, repair_id_number

__all__ = [
    "empty_value_cells",
    "extract_fields",
    "find_id_numbers",
    "normalise_date",
    "repair_id_number",
]
