"""Envelope encryption of one blob: sealing, opening, tamper detection, re-wrapping."""

from __future__ import annotations

import pytest

from storage.blobs.envelope import (
    HEADER_MAX,
    MAGIC,
    envelope_kid,
    is_envelope,
    open_envelope,
    rewrap_envelope,
    seal_envelope,
)
from storage.blobs.keys import key_of
from storage.crypto import Keyring
from storage.errors import BlobChecksumMismatchError, BlobKeyUnavailableError

CONTENT = "姓名 测试 公民身份号码 110101199003070011".encode()
SHA = key_of(CONTENT)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generated("k1")


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


class TestSealEnvelope:
    def test_opens_back_to_the_content(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        assert open_envelope(envelope, sha256=SHA, keyring=keyring) == CONTENT

    def test_holds_no_plaintext_and_names_the_active_key(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        assert envelope.startswith(MAGIC)
        assert is_envelope(envelope)
        assert CONTENT not in envelope
        assert b"110101199003070011" not in envelope
        assert envelope_kid(envelope[:HEADER_MAX]) == "k1"

    def test_each_blob_gets_its_own_data_key(self, keyring: Keyring) -> None:
        first = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        second = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        assert first != second
        assert open_envelope(second, sha256=SHA, keyring=keyring) == CONTENT

    def test_seals_an_empty_blob(self, keyring: Keyring) -> None:
        empty = key_of(b"")
        envelope = seal_envelope(b"", sha256=empty, keyring=keyring)
        assert open_envelope(envelope, sha256=empty, keyring=keyring) == b""


class TestOpenEnvelope:
    def test_refuses_an_envelope_of_another_blob(self, keyring: Keyring) -> None:
        other = seal_envelope(b"another blob", sha256=key_of(b"another blob"), keyring=keyring)
        with pytest.raises(BlobChecksumMismatchError) as raised:
            open_envelope(other, sha256=SHA, keyring=keyring)
        assert raised.value.sha256 == SHA
        assert raised.value.actual is None

    @pytest.mark.parametrize("where", ["wrapped key", "body", "last byte"])
    def test_detects_a_flipped_bit(self, keyring: Keyring, where: str) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        header = len(MAGIC) + 2 + len("k1")
        at = {"wrapped key": header + 12 + 5, "body": header + 12 + 48 + 12 + 3}.get(
            where, len(envelope) - 1
        )
        with pytest.raises(BlobChecksumMismatchError, match="integrity check"):
            open_envelope(_flip(envelope, at), sha256=SHA, keyring=keyring)

    def test_detects_an_edited_key_id(self) -> None:
        keyring = Keyring.generated("k1").with_new_key("k2")
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        edited = envelope.replace(b"k2", b"k1", 1)
        assert envelope_kid(edited) == "k1"
        with pytest.raises(BlobChecksumMismatchError):
            open_envelope(edited, sha256=SHA, keyring=keyring)

    @pytest.mark.parametrize("length", [0, 3, 7, 40, 80])
    def test_refuses_a_truncated_envelope(self, keyring: Keyring, length: int) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        with pytest.raises(BlobChecksumMismatchError):
            open_envelope(envelope[:length], sha256=SHA, keyring=keyring)

    def test_refuses_an_unknown_version(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        future = envelope[: len(MAGIC)] + bytes([2]) + envelope[len(MAGIC) + 1 :]
        with pytest.raises(BlobChecksumMismatchError):
            open_envelope(future, sha256=SHA, keyring=keyring)

    def test_names_a_missing_key(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        other = Keyring.generated("k9")
        with pytest.raises(BlobKeyUnavailableError, match="'k1', which is not configured") as e:
            open_envelope(envelope, sha256=SHA, keyring=other)
        assert e.value.kid == "k1"

    def test_a_different_key_under_the_same_id_fails(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        with pytest.raises(BlobChecksumMismatchError):
            open_envelope(envelope, sha256=SHA, keyring=Keyring.generated("k1"))


class TestRewrapEnvelope:
    def test_wraps_the_data_key_with_the_active_key_and_keeps_the_body(
        self, keyring: Keyring
    ) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        rotated = keyring.with_new_key("k2")
        rewrapped = rewrap_envelope(envelope, sha256=SHA, keyring=rotated)
        assert envelope_kid(rewrapped) == "k2"
        body = len(CONTENT) + 16
        assert rewrapped[-body:] == envelope[-body:]  # content not re-encrypted
        only_new = rotated.without_keys_except_active(in_use=())
        assert open_envelope(rewrapped, sha256=SHA, keyring=only_new) == CONTENT
        with pytest.raises(BlobKeyUnavailableError):
            open_envelope(rewrapped, sha256=SHA, keyring=keyring)

    def test_needs_the_old_key(self, keyring: Keyring) -> None:
        envelope = seal_envelope(CONTENT, sha256=SHA, keyring=keyring)
        with pytest.raises(BlobKeyUnavailableError):
            rewrap_envelope(envelope, sha256=SHA, keyring=Keyring.generated("k2"))
