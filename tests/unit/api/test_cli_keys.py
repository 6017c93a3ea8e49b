"""``intake keys``: generating, inspecting and rotating the keys that seal personal data."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from storage.blobs import LocalBlobStore
from storage.blobs.envelope import MAGIC
from storage.blobs.keys import key_of
from storage.crypto import Keyring, load_key_file
from storage.sql import sql_unit_of_work_factory
from storage.sql.engine import create_database_engine
from tests.integration.storage.factories import full_filing

runner = CliRunner()


def _add_filing(data_dir: Path, keyring: Keyring) -> str:
    engine = create_database_engine(f"sqlite:///{data_dir / 'intake.db'}")
    filing = full_filing()
    try:
        with sql_unit_of_work_factory(engine, keyring)() as uow:
            uow.filings.add(filing)
            uow.commit()
    finally:
        engine.dispose()
    return filing.applicant.id_number


def _read_back(data_dir: Path, keyring: Keyring, id_number: str) -> str:
    engine = create_database_engine(f"sqlite:///{data_dir / 'intake.db'}")
    try:
        with sql_unit_of_work_factory(engine, keyring)() as uow:
            (found,) = uow.filings.list(applicant_id_number=id_number)
            return found.applicant.id_number
    finally:
        engine.dispose()


def test_generate_prints_a_pair_that_parses() -> None:
    result = runner.invoke(app, ["keys", "generate"])
    assert result.exit_code == 0
    values = dict(line.split("=", 1) for line in result.stdout.splitlines())
    keyring = Keyring.from_strings(values["INTAKE_DATA_KEYS"], values["INTAKE_LOOKUP_KEY"])
    assert keyring.active == "k1"
    entry = runner.invoke(app, ["keys", "generate", "--kid", "k7"]).stdout.strip()
    assert entry.startswith("k7:")
    assert runner.invoke(app, ["keys", "generate", "--kid", "no way"]).exit_code == 1


@pytest.mark.usefixtures("structlog_defaults")
def test_the_embedded_key_file_is_made_with_the_database_and_rotated(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    key_file = data_dir / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = load_key_file(key_file, create=False)
    id_number = _add_filing(data_dir, first)

    status = runner.invoke(app, ["keys", "status"])
    assert status.exit_code == 0, status.output
    assert "active key: k1" in status.stdout
    assert "filing.applicant_id_sealed" in status.stdout

    rotated = runner.invoke(app, ["keys", "rotate", "--new-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "new active key k2" in rotated.stdout
    assert "3 value(s) sealed again under k2" in rotated.stdout  # id, contact, proxy
    assert "retired key(s) k1 removed" in rotated.stdout
    second = load_key_file(key_file, create=False)
    assert list(second.keys) == ["k2"]
    assert second.lookup_key == first.lookup_key
    assert _read_back(data_dir, second, id_number) == id_number
    assert json.loads(key_file.read_text())["data_keys"].startswith("k2:")


@pytest.mark.usefixtures("structlog_defaults")
def test_rotation_with_keys_in_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = Keyring.generated()
    monkeypatch.setenv("INTAKE_DATA_KEYS", old.data_keys_string())
    monkeypatch.setenv("INTAKE_LOOKUP_KEY", old.lookup_key_string())
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert not (data_dir / "keys.json").exists()
    id_number = _add_filing(data_dir, old)

    refused = runner.invoke(app, ["keys", "rotate", "--new-key"])
    assert refused.exit_code == 2
    assert "INTAKE_DATA_KEYS" in refused.output

    new = old.with_new_key()
    monkeypatch.setenv("INTAKE_DATA_KEYS", new.data_keys_string())
    result = runner.invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "nothing is sealed with k1 any more" in result.stdout
    assert _read_back(data_dir, new.without_keys_except_active(in_use=()), id_number) == id_number


@pytest.mark.usefixtures("structlog_defaults")
def test_a_lost_key_file_is_one_line_and_never_replaced(data_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    _add_filing(data_dir, load_key_file(data_dir / "keys.json", create=False))
    (data_dir / "keys.json").unlink()
    result = runner.invoke(app, ["keys", "status"])
    assert result.exit_code == 1
    assert "restore the key file" in result.output
    assert "Traceback" not in result.output
    assert not (data_dir / "keys.json").exists()


def test_a_server_database_needs_keys_in_the_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "INTAKE_DATA_KEYS and INTAKE_LOOKUP_KEY must be set" in result.output


def _blob_store(data_dir: Path, keyring: Keyring) -> LocalBlobStore:
    return LocalBlobStore(data_dir / "blobs", keyring=keyring)


def _write_plaintext_blob(store: LocalBlobStore, data: bytes) -> str:
    """A blob as stores wrote them before encryption."""
    path = store.path_of(key_of(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key_of(data)


@pytest.mark.usefixtures("structlog_defaults")
def test_rotation_reseals_the_blobs_and_status_counts_them(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTAKE_BLOB_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = load_key_file(data_dir / "keys.json", create=False)
    store = _blob_store(data_dir, first)
    contents = [b"page one", b"page two", b"an upload from before encryption"]
    keys = [store.put(contents[0]), store.put(contents[1])]
    keys.append(_write_plaintext_blob(store, contents[2]))

    status = runner.invoke(app, ["keys", "status"])
    assert status.exit_code == 0, status.output
    assert re.search(r"blobs\s+\(plaintext\) 1, k1 2", status.stdout)

    rotated = runner.invoke(app, ["keys", "rotate", "--new-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "3 blob(s) sealed again under k2 (2 re-wrapped, 1 encrypted" in rotated.stdout
    assert "retired key(s) k1 removed" in rotated.stdout
    second = load_key_file(data_dir / "keys.json", create=False)
    assert list(second.keys) == ["k2"]
    assert [_blob_store(data_dir, second).get(k) for k in keys] == contents
    assert re.search(r"blobs\s+k2 3", runner.invoke(app, ["keys", "status"]).stdout)


@pytest.mark.usefixtures("structlog_defaults")
def test_a_key_still_wrapping_a_blob_is_kept(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTAKE_BLOB_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    store = _blob_store(data_dir, load_key_file(data_dir / "keys.json", create=False))
    store.put(b"fine")
    damaged = store.put(b"damaged")
    path = store.path_of(damaged)
    raw = bytearray(path.read_bytes())
    raw[len(MAGIC) + 2 + 2 + 12] ^= 0x01  # inside the wrapped data key: it no longer opens
    path.write_bytes(bytes(raw))

    rotated = runner.invoke(app, ["keys", "rotate", "--new-key"])

    assert rotated.exit_code == 0, rotated.output
    assert "1 blob(s) sealed again under k2" in rotated.stdout
    assert f"blob {damaged} is damaged" in rotated.stderr
    assert "key k1 is still in use (blobs): it stays" in rotated.stdout
    assert "retired" not in rotated.stdout
    assert list(load_key_file(data_dir / "keys.json", create=False).keys) == ["k2", "k1"]


@pytest.mark.usefixtures("structlog_defaults")
def test_an_unused_old_key_is_retired_beside_one_still_in_use(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTAKE_BLOB_URL", raising=False)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    store = _blob_store(data_dir, load_key_file(data_dir / "keys.json", create=False))
    damaged = store.put(b"damaged")
    path = store.path_of(damaged)
    raw = bytearray(path.read_bytes())
    raw[len(MAGIC) + 2 + 2 + 12] ^= 0x01  # k1 can never be re-wrapped away from this blob
    path.write_bytes(bytes(raw))
    assert runner.invoke(app, ["keys", "rotate", "--new-key"]).exit_code == 0  # k2, k1 kept

    rotated = runner.invoke(app, ["keys", "rotate", "--new-key"])  # k3: k2 is free

    assert rotated.exit_code == 0, rotated.output
    assert "key k1 is still in use (blobs): it stays" in rotated.stdout
    assert "retired key(s) k2 removed" in rotated.stdout
    assert list(load_key_file(data_dir / "keys.json", create=False).keys) == ["k3", "k1"]
