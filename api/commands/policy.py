"""``intake policy show`` and ``intake policy validate``: the policy packs an operator deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from api.commands.output import EXIT_FAILED, EXIT_USAGE, exit_with, print_json, settings_or_exit
from intake.errors import InvalidRegionCodeError
from intake.identity import validate_region_code
from verifiers import PolicyBook, VerifierConfigError, load_packs

__all__ = ["app"]

app = typer.Typer(
    help="Policy packs: which one applies to a region, and whether all load.", no_args_is_help=True
)

_DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Directory of *.yaml packs [default: INTAKE_POLICY_DIR or the bundled packs].",
        exists=True,
        file_okay=False,
    ),
]


def _load(directory: Path | None) -> PolicyBook:
    try:
        return load_packs(directory or settings_or_exit().policy_dir)
    except VerifierConfigError as error:
        exit_with(str(error), code=EXIT_FAILED)


@app.command("show")
def show(
    region: Annotated[str, typer.Argument(help="Insured region code, e.g. 321000 (Yangzhou).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of YAML.")] = False,
    directory: _DirOption = None,
) -> None:
    """Print the pack that applies to a region (district, city, province, then national)."""
    try:
        code = validate_region_code(region)
    except InvalidRegionCodeError as error:
        exit_with(f"region {region!r} is not valid ({error.reason})", code=EXIT_USAGE)
    summary = _load(directory).for_region(code).summary()
    if as_json:
        print_json(summary)
        return
    # id and version lead, as they are what an operator compares.
    typer.echo(yaml.safe_dump(summary, allow_unicode=True, sort_keys=False), nl=False)


@app.command("validate")
def validate(directory: _DirOption = None) -> None:
    """Load and check every pack; print each id and version (exit 1 on a bad pack)."""
    book = _load(directory)
    for pack in book.packs.values():
        regions = ",".join(pack.regions) or "(fallback)"
        typer.echo(f"{pack.id:<28} {pack.version:<12} {regions:<24} {pack.name}")
    typer.echo(f"{len(book.packs)} pack(s) valid", err=True)
