"""Encryption at rest: sealing, opening, rotation and the lookup hash."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from storage.crypto import Keyring, SealError, load_key_file, new_key, save_key_file
from storage.errors import StorageConfigError

KEY_A = "q69HXXhZzHRr67ceislRBZiQUfvWPJ86HgCA_AW_jCA"
KEY_B = "JTe069L0JenlzTgyjno4OT8ZSp-I-hzcVuVvzB4meD8"


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generated()


def test_sealed_bytes_open_with_the_same_associated_data(keyring: Keyring) -> None:
    sealed = keyring.seal(b"page bytes", aad=b"blob:abc")
    assert b"page bytes" not in sealed
    assert keyring.open(sealed, aad=b"blob:abc") == b"page bytes"
    assert Keyring.kid_of(sealed) == "k1"


def test_unframed_encryption_opens_under_the_named_key_only(keyring: Keyring) -> None:
    sealed = keyring.encrypt(b"data key", aad=b"header")
    nonce, body = sealed[:12], sealed[12:]
    assert keyring.decrypt("k1", nonce, body, aad=b"header") == b"data key"
    with pytest.raises(SealError, match="integrity check"):
        keyring.decrypt("k1", nonce, body, aad=b"another header")
    with pytest.raises(SealError, match="'k9', which is not configured"):
        keyring.decrypt("k9", nonce, body, aad=b"header")


def test_a_value_moved_to_another_row_does_not_open(keyring: Keyring) -> None:
    token = keyring.seal_text("110101199003070011", aad="filing.applicant_id:1")
    with pytest.raises(SealError):
        keyring.open_text(token, aad="filing.applicant_id:2")


def test_a_tampered_value_does_not_open(keyring: Keyring) -> None:
    sealed = bytearray(keyring.seal(b"x" * 40, aad=b""))
    sealed[-1] ^= 1
    with pytest.raises(SealError):
        keyring.open(bytes(sealed), aad=b"")
    with pytest.raises(SealError):
        keyring.open(b"plain bytes", aad=b"")
    with pytest.raises(SealError):
        keyring.open_text("v1:k1:!!", aad="")


def test_the_same_text_seals_differently_each_time(keyring: Keyring) -> None:
    assert keyring.seal_text("a", aad="") != keyring.seal_text("a", aad="")


def test_rotation_keeps_old_values_readable_and_seals_under_the_new_key(keyring: Keyring) -> None:
    old = keyring.seal_json({"name": "张三"}, aad="reading:1")
    rotated = keyring.with_new_key()
    assert rotated.active == "k2"
    assert rotated.open_json(old, aad="reading:1") == {"name": "张三"}
    assert Keyring.json_kid(rotated.seal_json({}, aad="")) == "k2"
    with pytest.raises(SealError, match="not configured"):
        rotated.without_keys_except_active(in_use=()).open_json(old, aad="reading:1")


def test_an_old_key_still_in_use_is_not_retired(keyring: Keyring) -> None:
    rotated = keyring.with_new_key("k2")
    with pytest.raises(StorageConfigError, match="k1 still seal stored data"):
        rotated.without_keys_except_active(in_use={"k1", "k2"})
    assert list(rotated.without_keys_except_active(in_use={"k2", "gone"}).keys) == ["k2"]


def test_the_lookup_hash_is_stable_keyed_and_normalised(keyring: Keyring) -> None:
    other = Keyring.generated()
    assert keyring.lookup("11010119900307001x") == keyring.lookup("11010119900307001X ")
    assert keyring.lookup("110101199003070011") != other.lookup("110101199003070011")
    assert keyring.with_new_key().lookup("1") == keyring.lookup("1")


def test_keys_parse_from_the_environment_form() -> None:
    parsed = Keyring.from_strings(f"k2:{new_key()}, k1:{new_key()}", new_key())
    assert parsed.active == "k2"
    assert set(parsed.keys) == {"k1", "k2"}
    again = Keyring.from_strings(parsed.data_keys_string(), parsed.lookup_key_string())
    assert again.keys == parsed.keys


@pytest.mark.parametrize(
    ("data_keys", "message"),
    [
        ("", "names no key"),
        ("k1", "kid:base64key"),
        ("k1:abc", "32 bytes"),
        (f"k1:{KEY_A},k1:{KEY_B}", "repeats"),
        (f"bad id:{KEY_A}", "key id"),
    ],
)
def test_malformed_keys_are_refused(data_keys: str, message: str) -> None:
    with pytest.raises(StorageConfigError, match=message):
        Keyring.from_strings(data_keys, KEY_B)


def test_the_embedded_key_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    with pytest.raises(StorageConfigError, match="no key file"):
        load_key_file(path, create=False)
    created = load_key_file(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key_file(path, create=False).keys == created.keys
    save_key_file(path, created.with_new_key())
    assert load_key_file(path, create=False).active == "k2"


def test_the_keyring_never_shows_its_keys(keyring: Keyring) -> None:
    assert keyring.lookup_key_string() not in repr(keyring)
    assert keyring.data_keys_string().split(":")[1] not in repr(keyring)
