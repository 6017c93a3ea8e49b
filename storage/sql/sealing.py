"""Which columns hold personal data, and how they are sealed (see ``storage.crypto``).

Sealed at rest:
- ``filing.applicant_id_sealed``: the applicant's ID number, beside its lookup
  hash ``filing.applicant_id_hash`` (HMAC), which the queries use;
- ``filing.contact`` and ``filing.on_behalf_of``: JSON documents;
- ``reading.reading``: everything the reader found on a page;
- ``verification.verdict``: the checks with the values they read;
- ``correction.machine_value`` and ``correction.reviewer_value``;
- ``webhook_endpoint.secret_sealed``: a webhook's signing secret;
- ``webhook_delivery.body_sealed``: the body sent (a filing's public view).

Each value's associated data names its column and row, so a ciphertext copied
into another row does not open.
"""

from __future__ import annotations

from typing import Any, Final

from storage.crypto import Keyring

SEALED_DOCUMENTS: Final = (
    ("filing", "contact"),
    ("filing", "on_behalf_of"),
    ("reading", "reading"),
    ("verification", "verdict"),
)
SEALED_TEXTS: Final = (
    ("filing", "applicant_id_sealed"),
    ("correction", "machine_value"),
    ("correction", "reviewer_value"),
    ("webhook_endpoint", "secret_sealed"),
    ("webhook_delivery", "body_sealed"),
)


def aad(table: str, column: str, row_key: object) -> str:
    """The associated data of one sealed cell."""
    return f"{table}.{column}:{row_key}"


def reading_key(image_sha256: str, engine_version: str) -> str:
    return f"{image_sha256}/{engine_version}"


class Sealer:
    """Seals and opens the personal columns of rows with one keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def text(self, table: str, column: str, row_key: object, value: str | None) -> str | None:
        """A sealed string (``None`` and ``""`` stay as they are: nothing to hide)."""
        if not value:
            return value
        return self.keyring.seal_text(value, aad=aad(table, column, row_key))

    def open_text(self, table: str, column: str, row_key: object, stored: str | None) -> str | None:
        if not stored:
            return stored
        return self.keyring.open_text(stored, aad=aad(table, column, row_key))

    def document(self, table: str, column: str, row_key: object, value: Any) -> Any:
        """A sealed JSON document (``None`` stays ``None``)."""
        if value is None:
            return None
        return self.keyring.seal_json(value, aad=aad(table, column, row_key))

    def open_document(self, table: str, column: str, row_key: object, stored: Any) -> Any:
        if stored is None:
            return None
        return self.keyring.open_json(stored, aad=aad(table, column, row_key))

    def lookup(self, id_number: str) -> str:
        """The lookup hash of an ID number."""
        return self.keyring.lookup(id_number)
