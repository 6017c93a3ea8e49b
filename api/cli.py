"""The ``intake`` command for operators.

Service commands (serve, worker, db upgrade, gc, expire) live here; the
offline tools are command groups in ``api.commands`` registered below.
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.commands import bench, export, keys, policy, reading, reverify, verification
from api.commands.output import (
    EXIT_USAGE,
    exit_with,
    log_to_stderr,
    one_line_errors,
    settings_or_exit,
)
from api.metrics import Metrics
from api.tasks.celery import DEFAULT_QUEUE, create_celery_app
from api.wiring import build_services, open_keyring, prepare_database
from api.worker_metrics import (
    WorkerMetricsConfigError,
    prepare_multiprocess_dir,
    serve_worker_metrics,
)
from intake.maintenance import delete_orphan_blobs, find_orphan_blobs
from intake.retention import RetentionService
from storage.sql.migrate import upgrade_database

app = typer.Typer(help="Document intake and material verification.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    print_dev_keys: Annotated[
        bool, typer.Option("--print-dev-keys", help="Show the dev API keys when no keys are set.")
    ] = False,
) -> None:
    """Run the HTTP API (with the in-process task pool unless a queue URL is set).

    The embedded SQLite database migrates itself; a PostgreSQL database whose
    schema is behind the code stops start-up with one line naming `intake db upgrade`.
    """
    settings = settings_or_exit()
    with one_line_errors():
        prepare_database(settings, migrate_embedded=True)
    application = create_app(settings)
    if print_dev_keys and settings.uses_dev_keys:
        typer.echo("INTAKE_API_KEYS is not set; development keys:")
        for key, principal in settings.principals().items():
            typer.echo(f"  {principal.role.value:<9} Authorization: Bearer {key}")
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104  # a wildcard is not a URL to open
    typer.echo(f"API docs: http://{shown_host}:{port}/docs")
    if settings.demo_enabled:
        typer.echo(f"Applicant demo: http://{shown_host}:{port}/demo")
    # uvicorn's loggers go through ours (log_config=None), which mask ID numbers.
    uvicorn.run(application, host=host, port=port, log_level="info", log_config=None)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (creates the SQLite file on first run)."""
    settings = settings_or_exit()
    with one_line_errors():
        upgrade_database(settings.database_url_resolved, keyring=open_keyring(settings))
    typer.echo("database is up to date")


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    beat: Annotated[
        bool,
        typer.Option(
            "--beat",
            help="Also send the periodic sweeps: expiry, due webhooks (run on one worker).",
        ),
    ] = False,
) -> None:
    """Run a Celery worker for INTAKE_QUEUE_URL (redis:// or amqp://).

    With INTAKE_WORKER_METRICS_PORT set, it serves its Prometheus metrics there
    (PROMETHEUS_MULTIPROC_DIR must name a directory for the worker processes' files).
    """
    settings = settings_or_exit()
    if settings.is_local_queue:
        typer.echo(
            "INTAKE_QUEUE_URL is local://: documents are analysed inside `intake serve`, "
            "no worker is needed. Set INTAKE_QUEUE_URL=redis://... or amqp://... to run one.",
            err=True,
        )
        raise typer.Exit(code=2)
    metrics_dir = None
    if settings.worker_metrics_port is not None:
        try:
            metrics_dir = prepare_multiprocess_dir()
        except WorkerMetricsConfigError as error:
            exit_with(str(error), code=EXIT_USAGE)
    metrics = Metrics()
    with one_line_errors():
        services = build_services(settings, migrate_embedded=True, metrics=metrics)
        if metrics_dir is not None and settings.worker_metrics_port is not None:
            serve_worker_metrics(
                metrics,
                folder=metrics_dir,
                host=settings.worker_metrics_host,
                port=settings.worker_metrics_port,
            )
    celery = create_celery_app(
        settings.queue_url,
        handlers=services.handlers,
        expiry_interval_s=settings.expiry_interval_s,
        visibility_timeout_s=settings.queue_visibility_timeout_s,
        webhooks=services.webhook_sender,
        webhook_sweep_interval_s=settings.webhook_sweep_interval_s,
    )
    argv = ["worker", "--loglevel=INFO", "-Q", DEFAULT_QUEUE]
    if beat:
        argv.append("--beat")
    argv.append(f"--concurrency={concurrency or settings.task_workers}")
    try:
        celery.worker_main(argv)
    finally:
        services.close()


@app.command()
def gc(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list the orphans.")] = False,
) -> None:
    """List blobs no document references, and delete them unless --dry-run.

    Uploads write their blobs a moment before their rows: run it when no upload
    is in flight, or a blob of an upload in progress may be taken for an orphan.
    """
    with one_line_errors():
        services = build_services(settings_or_exit())
    try:
        orphans = find_orphan_blobs(blobs=services.blobs, uow_factory=services.uow_factory)
        for key in orphans:
            typer.echo(key)
        if dry_run:
            typer.echo(f"{len(orphans)} orphan blob(s); nothing deleted (--dry-run)", err=True)
            return
        deleted = delete_orphan_blobs(
            blobs=services.blobs, uow_factory=services.uow_factory, candidates=orphans
        )
        typer.echo(f"{len(deleted)} orphan blob(s) deleted", err=True)
    finally:
        services.close()


@app.command()
def purge(
    older_than: Annotated[
        int, typer.Option("--older-than", help="Days a filing has been closed.", min=1)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count the filings.")] = False,
) -> None:
    """Delete the documents, blobs and personal fields of filings closed (rejected,
    cancelled, expired) for longer than --older-than days; anonymous statistics stay."""
    log_to_stderr()
    with one_line_errors():
        services = build_services(settings_or_exit())
    try:
        report = RetentionService(
            services.uow_factory, blobs=services.blobs, clock=services.clock
        ).purge(older_than_days=older_than, dry_run=dry_run)
    finally:
        services.close()
    if dry_run:
        typer.echo(f"{len(report.filings)} filing(s) would be purged (--dry-run)")
        return
    typer.echo(
        f"{len(report.filings)} filing(s) purged: {report.documents} document(s), "
        f"{report.blobs_deleted} blob(s) deleted"
    )


@app.command()
def expire() -> None:
    """Expire approved and provisional filings whose validity has ended (run daily)."""
    log_to_stderr()
    with one_line_errors():
        services = build_services(settings_or_exit())
    try:
        expired = services.verification.expire_filings()
    finally:
        services.close()
    typer.echo(f"{len(expired)} filing(s) expired")


# The offline tools, listed after the service commands in `intake --help`.
app.command("read")(reading.read)
app.command("verify")(verification.verify)
app.command("reverify")(reverify.reverify)
app.command("samples")(reading.samples)
app.command("eval")(reading.evaluate)
app.add_typer(policy.app, name="policy")
app.add_typer(bench.app, name="bench")
app.add_typer(export.app, name="export")
app.add_typer(keys.app, name="keys")


def main() -> None:
    """Entry point of the ``intake`` script (and of ``python -m api.cli``)."""
    app()


if __name__ == "__main__":
    main()
