"""``intake export corrections OUT.jsonl``: what reviewers taught, as labelled data;
``intake export blob SHA256 OUT``: one stored blob, decrypted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.commands.output import log_to_stderr, one_line_errors, settings_or_exit
from api.wiring import build_services, open_blobs, prepare_database

__all__ = ["app"]

app = typer.Typer(help="Export data for other tools.", no_args_is_help=True)


@app.command("corrections")
def export_corrections(
    out: Annotated[Path, typer.Argument(help="The JSON Lines file to write.", dir_okay=False)],
) -> None:
    """Every document a reviewer corrected: page image key, machine reading, reviewer values.

    One JSON object per line (see the README); the page image is the blob named
    by `image_sha256`. Ready to evaluate the reader against, or to train on.
    """
    log_to_stderr()
    with one_line_errors():
        services = build_services(settings_or_exit())
    try:
        records = services.review.export_corrections()
    finally:
        services.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(out)
    typer.echo(f"{len(records)} corrected document(s) written to {out}", err=True)


@app.command("blob")
def export_blob(
    sha256: Annotated[str, typer.Argument(help="The blob's key (an upload or page image).")],
    out: Annotated[Path, typer.Argument(help="The file to write.", dir_okay=False)],
) -> None:
    """One stored blob, decrypted and checked against its SHA-256, written to OUT.

    Blob files are encrypted at rest: this is how a page image named by an
    export is read outside the service.
    """
    settings = settings_or_exit()
    with one_line_errors():
        keyring = prepare_database(settings, migrate_embedded=False)
        data = open_blobs(settings, keyring).get(sha256)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"{len(data)} bytes written to {out}", err=True)
