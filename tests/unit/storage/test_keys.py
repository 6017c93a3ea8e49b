from __future__ import annotations

import hashlib

import pytest

from storage.blobs.keys import checked_key, is_blob_key, key_of, sharded_parts
from storage.blobs.minio import MinioBlobStore
from storage.errors import BlobError, InvalidBlobKeyError, StorageError

KEY = hashlib.sha256(b"x").hexdigest()


class TestBlobKeys:
    def test_key_is_the_lowercase_hex_sha256(self) -> None:
        assert key_of(b"x") == KEY
        assert is_blob_key(KEY)

    @pytest.mark.parametrize("bad", [KEY.upper(), KEY[:-1], KEY + "0", "../" + KEY[3:], ""])
    def test_refuses_anything_else(self, bad: str) -> None:
        assert not is_blob_key(bad)
        with pytest.raises(InvalidBlobKeyError) as raised:
            checked_key(bad)
        assert raised.value.sha256 == bad
        assert isinstance(raised.value, BlobError)
        assert isinstance(raised.value, StorageError)

    def test_shards_by_the_first_two_byte_pairs(self) -> None:
        assert sharded_parts(KEY) == (KEY[:2], KEY[2:4], KEY)

    def test_names_objects_under_the_sha256_prefix(self) -> None:
        assert MinioBlobStore.object_name(KEY) == f"sha256/{KEY[:2]}/{KEY[2:4]}/{KEY}"
