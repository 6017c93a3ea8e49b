"""``intake keys``: the keys that seal personal data at rest (see ``storage.crypto``).

Rotation, with keys in the environment:

1. ``intake keys generate --kid k2`` prints a new entry; put it first in
   ``INTAKE_DATA_KEYS`` (keep the old one after it) on every API and worker host;
2. ``intake keys rotate`` seals every value again under ``k2``, then wraps
   every local blob's data key with ``k2`` (and encrypts blobs written before
   encryption);
3. when it reports that nothing names ``k1`` any more, remove ``k1``.

Blobs on S3/MinIO are encrypted by the server (SSE-S3 or SSE-KMS) and do not
use these keys.

With the embedded key file (``DATA_DIR/keys.json``), ``intake keys rotate
--new-key`` does all three.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer

from api.commands.output import exit_with, log_to_stderr, one_line_errors, settings_or_exit
from api.settings import Settings
from api.wiring import open_blobs, prepare_database
from intake.ports import BlobStore
from storage.blobs import LocalBlobStore, MinioBlobStore
from storage.crypto import Keyring, new_key, save_key_file
from storage.sql.engine import create_database_engine
from storage.sql.rekey import key_usage, reseal_database

__all__ = ["app"]

app = typer.Typer(help="Keys sealing personal data at rest.", no_args_is_help=True)


@app.command("generate")
def generate(
    kid: Annotated[
        str | None, typer.Option(help="Print only a new data-key entry with this id.")
    ] = None,
) -> None:
    """Print new keys: a whole setting pair, or (with --kid) one entry to add for rotation."""
    if kid is not None:
        with one_line_errors():
            Keyring.from_strings(f"{kid}:{new_key()}", new_key())  # checks the id
        typer.echo(f"{kid}:{new_key()}")
        return
    typer.echo(f"INTAKE_DATA_KEYS=k1:{new_key()}")
    typer.echo(f"INTAKE_LOOKUP_KEY={new_key()}")


def _open(settings: Settings) -> Keyring:
    return prepare_database(settings, migrate_embedded=False)


@app.command("status")
def status() -> None:
    """Show the active key and how many stored values each key sealed."""
    settings = settings_or_exit()
    with one_line_errors():
        keyring = _open(settings)
        engine = create_database_engine(settings.database_url_resolved)
        try:
            usage = key_usage(engine)
        finally:
            engine.dispose()
        blobs = open_blobs(settings, keyring)
        blob_usage = _blob_usage(blobs)
    source = settings.key_file if settings.uses_key_file else "INTAKE_DATA_KEYS"
    typer.echo(f"active key: {keyring.active} (from {source}); keys: {', '.join(keyring.keys)}")
    for column, counts in usage.items():
        typer.echo(f"  {column:<28} {_shown(counts)}")
    typer.echo(f"  {'blobs':<28} {_shown(blob_usage)}")
    if isinstance(blobs, MinioBlobStore):
        typer.echo(f"  (blobs are encrypted by the S3 server; new objects: {blobs.encryption})")


def _shown(counts: Counter[str]) -> str:
    return ", ".join(f"{kid} {n}" for kid, n in sorted(counts.items())) or "empty"


def _blob_usage(blobs: BlobStore) -> Counter[str]:
    """Local blobs by the key wrapping their data key; S3 objects by their encryption."""
    if isinstance(blobs, LocalBlobStore | MinioBlobStore):
        return blobs.key_usage()
    return Counter()


def _reseal_blobs(blobs: BlobStore, keyring: Keyring) -> None:
    """Local blobs: wrap their data keys with the active key; S3: encrypt what is not."""
    if isinstance(blobs, LocalBlobStore):
        target = keyring.active
    elif isinstance(blobs, MinioBlobStore):
        target = blobs.encryption
    else:
        return
    report = blobs.reseal()
    typer.echo(
        f"{report.changed} blob(s) sealed again under {target} "
        f"({report.rewrapped} re-wrapped, {report.encrypted} encrypted for the first time)"
    )
    for key in report.damaged:
        typer.echo(f"blob {key} is damaged and was left as it is", err=True)


@app.command("rotate")
def rotate(
    new_key_option: Annotated[
        bool,
        typer.Option(
            "--new-key", help="Embedded key file: add a fresh key and make it active first."
        ),
    ] = False,
) -> None:
    """Seal every stored value again under the active key; then old keys can go."""
    log_to_stderr()
    settings = settings_or_exit()
    if new_key_option and not settings.uses_key_file:
        exit_with(
            "--new-key works on the embedded key file only; with INTAKE_DATA_KEYS put a key "
            "from `intake keys generate --kid ID` first in the list and run rotate again",
            code=2,
        )
    with one_line_errors():
        keyring = _open(settings)
        if new_key_option:
            keyring = keyring.with_new_key()
            save_key_file(settings.key_file, keyring)
            typer.echo(f"new active key {keyring.active} written to {settings.key_file}")
        engine = create_database_engine(settings.database_url_resolved)
        try:
            resealed = reseal_database(engine, keyring)
            usage = key_usage(engine)
        finally:
            engine.dispose()
        typer.echo(f"{resealed} value(s) sealed again under {keyring.active}")
        # Blobs after the database: a rotation stopped in between leaves blobs
        # under the old key, which stays in the keyring until they are done.
        blobs = open_blobs(settings, keyring)
        _reseal_blobs(blobs, keyring)
        usage["blobs"] = _blob_usage(blobs)
        _retire(settings, keyring, usage)


def _retire(settings: Settings, keyring: Keyring, usage: dict[str, Counter[str]]) -> None:
    """Drop (key file) or name (environment) the old keys nothing uses any more."""
    in_use = {kid for counts in usage.values() for kid, n in counts.items() if n}
    old = [kid for kid in keyring.keys if kid != keyring.active]
    for kid in sorted(set(old) & in_use):
        where = ", ".join(name for name, counts in usage.items() if counts.get(kid))
        typer.echo(f"key {kid} is still in use ({where}): it stays")
    retired = sorted(set(old) - in_use)
    if not retired:
        return
    if not settings.uses_key_file:
        typer.echo(
            f"nothing is sealed with {', '.join(retired)} any more: remove it from INTAKE_DATA_KEYS"
        )
    else:
        save_key_file(settings.key_file, keyring.keeping(in_use))
        typer.echo(f"retired key(s) {', '.join(retired)} removed from {settings.key_file}")
