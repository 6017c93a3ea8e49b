"""``intake reverify``: re-verify stored filings in bulk, or preview a candidate pack.

The job runs on the configured engine: the in-process pool (``local://``) or
the Celery workers of ``INTAKE_QUEUE_URL``. The command shows a live progress
bar, ends with a summary of what changed and why, and can write the changed
filings to a CSV or JSON file. It exits 1 when any filing failed.
"""

from __future__ import annotations

import csv
import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.commands.output import (
    EXIT_FAILED,
    EXIT_USAGE,
    exit_with,
    log_to_stderr,
    one_line_errors,
    print_json,
    settings_or_exit,
)
from api.commands.progress import stderr_is_terminal
from api.wiring import build_services
from intake.domain import (
    FilingStatus,
    FilingType,
    JobFilter,
    JobId,
    JobItem,
    JobStatus,
    Principal,
    Role,
)
from intake.errors import InvalidJobError, JobNotFoundError
from intake.reverify import JobProgress, ReverifyService

__all__ = ["reverify"]

_OPERATOR = Principal(role=Role.ADMIN, key_id="intake-cli")


def reverify(
    status: Annotated[
        list[FilingStatus] | None, typer.Option("--status", help="Filing status (repeatable).")
    ] = None,
    filing_type: Annotated[
        list[FilingType] | None, typer.Option("--type", help="Filing type (repeatable).")
    ] = None,
    insured: Annotated[
        str | None, typer.Option(help="Insured region; a city or province holds its parts.")
    ] = None,
    treatment: Annotated[str | None, typer.Option(help="Treatment region.")] = None,
    submitted_from: Annotated[
        str | None, typer.Option(help="First submission day (YYYY-MM-DD, China time).")
    ] = None,
    submitted_until: Annotated[
        str | None, typer.Option(help="Last submission day (YYYY-MM-DD, China time).")
    ] = None,
    failing_check: Annotated[
        str | None, typer.Option(help="Only filings whose latest verdict left this check open.")
    ] = None,
    policy_version: Annotated[
        str | None, typer.Option(help="Only filings last verified with this pack version.")
    ] = None,
    policy_dir: Annotated[
        Path | None,
        typer.Option(
            "--policy-dir",
            "--policy",
            help="A candidate pack directory to judge by (a preview of a change).",
        ),
    ] = None,
    reread: Annotated[bool, typer.Option(help="Read the pages again with the current engine.")] = (
        False
    ),
    dry_run: Annotated[bool, typer.Option(help="Compute and report; change no filing.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write the changed filings here (.csv or .json).")
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(help="Resume a job that stopped, by its id (other options ignored)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-verify stored filings in bulk: what changes, in which direction, and why."""
    log_to_stderr()
    if out is not None and out.suffix.lower() not in (".csv", ".json"):
        exit_with("--out must end in .csv or .json", code=EXIT_USAGE)
    where = JobFilter(
        statuses=tuple(status or ()),
        filing_types=tuple(filing_type or ()),
        insured_region=_region(insured, "--insured"),
        treatment_region=_region(treatment, "--treatment"),
        submitted_from=_day(submitted_from, "--submitted-from"),
        submitted_until=_day(submitted_until, "--submitted-until"),
        failing_check=failing_check,
        policy_version=policy_version,
    )
    with one_line_errors():
        services = build_services(settings_or_exit())
    try:
        service = services.reverify
        if resume is not None:
            job_id = JobId(_uuid(resume))
            service.resume(job_id)
        else:
            try:
                job = service.start(
                    _OPERATOR,
                    where=where,
                    policy_dir=str(policy_dir) if policy_dir else None,
                    reread=reread,
                    dry_run=dry_run,
                )
            except InvalidJobError as error:
                exit_with(f"--policy-dir: {error.reason}", code=EXIT_USAGE)
            job_id = job.id
        try:
            progress = _follow(service, job_id, quiet=as_json)
        except JobNotFoundError:
            exit_with(f"no job {resume}", code=EXIT_USAGE)
        changes = service.changes(job_id)
        failures = service.failures(job_id)
    finally:
        services.close()
    if out is not None:
        _write_changes(out, changes)
    if as_json:
        print_json(_report(progress, changes, failures))
    else:
        _summary(progress, failures)
    if progress.failed:
        raise typer.Exit(EXIT_FAILED)


def _follow(service: ReverifyService, job_id: JobId, *, quiet: bool) -> JobProgress:
    """Poll the job until it leaves ``running``, with a progress bar on stderr (a terminal)."""
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]re-verifying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.0f} filings/s"),
        TimeRemainingColumn(),
    )
    progress = service.progress(job_id, with_reasons=False)
    started = time.monotonic()
    shown = not quiet and stderr_is_terminal()
    with Progress(*columns, console=console, disable=not shown, transient=False) as bar:
        task = bar.add_task("job", total=progress.job.total, rate=0.0)
        while True:
            finished = progress.done + progress.failed + progress.cancelled
            elapsed = max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=finished, rate=finished / elapsed)
            if progress.job.status is not JobStatus.RUNNING:
                return service.progress(job_id)  # now with the reasons, read once
            time.sleep(0.2)
            progress = service.progress(job_id, with_reasons=False)


def _summary(progress: JobProgress, failures: list[JobItem]) -> None:
    console = Console()
    job = progress.job
    mode = "dry run (no filing changed)" if job.dry_run else "applied"
    verb = "would change" if job.dry_run else "changed"
    console.print(
        f"job {job.id}: {job.status.value}, {mode}; {job.total} filing(s), "
        f"{progress.done} done, {progress.failed} failed, {progress.changed} {verb}"
    )
    table = Table(title="decisions (old → new)")
    table.add_column("change")
    table.add_column("filings", justify="right")
    for move, count in sorted(progress.transitions.items(), key=lambda kv: -kv[1]):
        table.add_row(move, str(count))
    console.print(table)
    if progress.reasons:
        reasons = Table(title="why (checks that changed, over changed filings)")
        reasons.add_column("check")
        reasons.add_column("filings", justify="right")
        for code, count in progress.reasons.items():
            reasons.add_row(code, str(count))
        console.print(reasons)
    for item in failures[:20]:
        console.print(f"[red]failed[/red] {item.filing_id}: {item.note}")


def _report(
    progress: JobProgress, changes: list[JobItem], failures: list[JobItem]
) -> dict[str, Any]:
    job = progress.job
    return {
        "job_id": str(job.id),
        "status": job.status.value,
        "dry_run": job.dry_run,
        "policy_dir": job.policy_dir,
        "total": job.total,
        "done": progress.done,
        "failed": progress.failed,
        "changed": progress.changed,
        "transitions": progress.transitions,
        "by_region": progress.by_region,
        "by_type": progress.by_type,
        "reasons": progress.reasons,
        "changes": [_change(i) for i in changes],
        "failures": [{"filing_id": str(i.filing_id), "reason": i.note} for i in failures],
    }


def _change(item: JobItem) -> dict[str, Any]:
    return {
        "filing_id": str(item.filing_id),
        "insured_region": item.insured_region,
        "filing_type": item.filing_type,
        "old_decision": item.old_decision,
        "new_decision": item.new_decision,
        "old_status": item.old_status,
        "new_status": item.new_status,
        "note": item.note,
        "checks": list(item.changes),
    }


def _write_changes(out: Path, changes: list[JobItem]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(
            json.dumps([_change(i) for i in changes], ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "filing_id",
                "insured_region",
                "filing_type",
                "old_decision",
                "new_decision",
                "new_status",
                "checks",
                "note",
            ]
        )
        for item in changes:
            checks = "; ".join(f"{c['code']}: {c['old']} → {c['new']}" for c in item.changes)
            writer.writerow(
                [
                    str(item.filing_id),
                    item.insured_region,
                    item.filing_type,
                    item.old_decision,
                    item.new_decision,
                    item.new_status,
                    checks,
                    item.note,
                ]
            )


def _region(value: str | None, option: str) -> str | None:
    if value is not None and (len(value) != 6 or not value.isdigit()):
        exit_with(f"{option} must be a 6-digit region code", code=EXIT_USAGE)
    return value


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        exit_with(f"{option} must be a date (YYYY-MM-DD)", code=EXIT_USAGE)


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        exit_with(f"--resume: {value!r} is not a job id", code=EXIT_USAGE)
