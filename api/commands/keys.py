"""``intake keys``: the keys that seal personal data at rest (see ``storage.crypto``).

Rotation, with keys in the environment:

1. ``intake keys generate --kid k2`` prints a new entry; put it first in
   ``INTAKE_DATA_KEYS`` (keep the old one after it) on every API and worker host;
2. ``intake keys rotate`` seals every value and blob again under ``k2``;
3. when it reports that nothing names ``k1`` any more, remove ``k1``.

With the embedded key file (``DATA_DIR/keys.json``), ``intake keys rotate
--new-key`` does all three.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer

from api.commands.output import exit_with, log_to_stderr, one_line_errors, settings_or_exit
from api.settings import Settings
from api.wiring import prepare_database
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
    source = settings.key_file if settings.uses_key_file else "INTAKE_DATA_KEYS"
    typer.echo(f"active key: {keyring.active} (from {source}); keys: {', '.join(keyring.keys)}")
    for column, counts in usage.items():
        shown = ", ".join(f"{kid} {n}" for kid, n in sorted(counts.items())) or "empty"
        typer.echo(f"  {column:<28} {shown}")


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
    retired = sorted(
        kid for kid in keyring.keys if kid != keyring.active and not _in_use(kid, usage)
    )
    if not retired:
        return
    if settings.uses_key_file:
        save_key_file(settings.key_file, keyring.without_keys_except_active())
        typer.echo(f"retired key(s) {', '.join(retired)} removed from {settings.key_file}")
    else:
        typer.echo(
            f"nothing is sealed with {', '.join(retired)} any more: remove it from INTAKE_DATA_KEYS"
        )


def _in_use(kid: str, usage: dict[str, Counter[str]]) -> bool:
    return any(counts.get(kid) for counts in usage.values())
