"""``intake export blob``: a stored blob, decrypted with the configured keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from storage.blobs import LocalBlobStore
from storage.blobs.keys import key_of
from storage.crypto import load_key_file

runner = CliRunner()


@pytest.fixture
def blobs(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> LocalBlobStore:
    monkeypatch.delenv("INTAKE_BLOB_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return LocalBlobStore(
        data_dir / "blobs", keyring=load_key_file(data_dir / "keys.json", create=False)
    )


@pytest.mark.usefixtures("structlog_defaults")
def test_writes_the_decrypted_blob(blobs: LocalBlobStore, tmp_path: Path) -> None:
    key = blobs.put(b"\xff\xd8 a page image")
    assert b"a page image" not in blobs.path_of(key).read_bytes()
    result = runner.invoke(app, ["export", "blob", key, str(tmp_path / "page.jpg")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "page.jpg").read_bytes() == b"\xff\xd8 a page image"


@pytest.mark.usefixtures("structlog_defaults")
@pytest.mark.parametrize(
    ("key", "reason"), [(key_of(b"never stored"), "not found"), ("../etc/passwd", "not a SHA-256")]
)
def test_a_missing_or_malformed_key_is_one_line(
    blobs: LocalBlobStore, tmp_path: Path, key: str, reason: str
) -> None:
    result = runner.invoke(app, ["export", "blob", key, str(tmp_path / "out")])
    assert result.exit_code == 1
    assert reason in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
