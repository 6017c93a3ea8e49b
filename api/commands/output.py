"""What every command prints: JSON lines on stdout, log events and errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, NoReturn

import structlog
import typer

from api.errors import problem_for
from api.settings import Settings
from intake.analysis import UploadLimits
from intake.errors import EmptyUploadError, UploadError, UploadTooLargeError
from ocr.errors import FileError, OcrModelMissingError
from storage.errors import StorageError
from verifiers import VerifierConfigError

__all__ = [
    "EXIT_FAILED",
    "EXIT_USAGE",
    "FILE_ERRORS",
    "exit_with",
    "file_error_record",
    "json_text",
    "log_to_stderr",
    "one_line_errors",
    "print_json",
    "read_upload",
    "settings_or_exit",
]

EXIT_FAILED: Final = 1
"""Some of the work could not be done (a bad file, a bad policy pack)."""
EXIT_USAGE: Final = 2
"""The command line itself is wrong (click uses 2 for usage errors too)."""


def log_to_stderr() -> None:
    """Send structlog events to stderr, so stdout carries only the command's output.

    The logger resolves ``sys.stderr`` on every event rather than once, so a
    test runner that swaps the stream per invocation keeps working.
    """
    structlog.configure(logger_factory=lambda *_: structlog.PrintLogger(sys.stderr))


def json_text(value: Any, *, indent: int | None = None) -> str:
    """One JSON value as the commands print it (Chinese text left readable)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def print_json(value: Any, *, indent: int | None = None) -> None:
    """Print one JSON value on its own line (Chinese text left readable)."""
    typer.echo(json_text(value, indent=indent))


def exit_with(message: str, *, code: int) -> NoReturn:
    """Print a one-line error to stderr and end the command with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def read_upload(path: Path, *, limits: UploadLimits) -> bytes:
    """Read a file as an upload, refusing what the API would refuse before decoding.

    Raises:
        OSError: The file cannot be opened (missing, a directory, no permission).
        EmptyUploadError: The file is empty.
        UploadTooLargeError: More bytes than the upload limit.
    """
    data = path.read_bytes()
    if not data:
        raise EmptyUploadError
    if len(data) > limits.max_bytes:
        raise UploadTooLargeError(limit=limits.max_bytes)
    return data


FILE_ERRORS: Final = (OSError, UploadError, FileError)
"""What one bad file raises; commands report it and go on with the other files."""


def file_error_record(file: str, error: Exception) -> dict[str, Any]:
    """The ``{file, error: {code, detail}}`` line for a file that cannot be read.

    The codes are the API's problem codes (``upload.corrupt``, ``upload.encrypted_pdf``...),
    plus ``file.unreadable`` when the file cannot even be opened.
    """
    if isinstance(error, OSError):
        detail = f"{error.strerror or type(error).__name__}: {file}"
        return {"file": file, "error": {"code": "file.unreadable", "detail": detail}}
    return {"file": file, "error": {"code": problem_for(error)[1], "detail": str(error)}}


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn an operational error (database, blob store, packs, models) into one line and exit 1.

    An operator running a command needs what went wrong and what to do, not a
    traceback: ``the database at var/intake.db has no schema; ... run `intake db upgrade```.
    """
    try:
        yield
    except (StorageError, VerifierConfigError, OcrModelMissingError) as error:
        exit_with(str(error), code=EXIT_FAILED)
    except OSError as error:
        exit_with(f"{error.strerror or error}: {error.filename or ''}", code=EXIT_FAILED)


def settings_or_exit() -> Settings:
    """Build the settings from the environment, or end with a one-line error."""
    try:
        return Settings()
    except ValueError as error:
        exit_with(f"configuration: {error}", code=EXIT_USAGE)
