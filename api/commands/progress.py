"""Progress bars for long commands: on stderr, and only when stderr is a terminal.

stdout carries a command's output (JSON lines, tables) and stays byte-for-byte
the same with or without a bar; a CI log or a file that stderr is sent to gets
no bar either. While a bar is shown, log events written to stderr are printed
above it, and so are the output lines a command prints through :meth:`Steps.echo`
when stdout is a terminal too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["SilentSteps", "Steps", "progress_bar", "stderr_is_terminal"]


class Steps(Protocol):
    """What a long command reports its work through."""

    def start(self, label: str, *, total: int | None, unit: str | None = None) -> None:
        """Begin a stage of ``total`` steps (``None``: unknown), replacing the last one.

        ``unit`` names a step of this stage; the bar's own unit when ``None``.
        """

    def advance(self, steps: int = 1) -> None:
        """Count steps done in the current stage."""

    def echo(self, line: str) -> None:
        """Print one line of the command's output (stdout), clear of the bar."""


def stderr_is_terminal() -> bool:
    """Whether a person is watching stderr (tests and pseudo-terminals decide it here)."""
    return sys.stderr.isatty()


class SilentSteps:
    """Steps nobody watches: stderr is a file, a pipe or a CI log."""

    def start(self, label: str, *, total: int | None, unit: str | None = None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass

    def echo(self, line: str) -> None:
        typer.echo(line)


class _Bar:
    def __init__(self, progress: Progress, *, unit: str) -> None:
        self._progress = progress
        self._unit = unit
        self._task: TaskID | None = None

    def start(self, label: str, *, total: int | None, unit: str | None = None) -> None:
        if self._task is not None:
            # Draw the finished stage once, however short it was, before the next replaces it.
            self._progress.refresh()
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(label, total=total, unit=unit or self._unit)
        self._progress.refresh()

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, steps)

    def echo(self, line: str) -> None:
        if not sys.stdout.isatty():
            typer.echo(line)  # a file or a pipe: the bar on the terminal is not in the way
            return
        # The same terminal as the bar: printed above it, as the log events are.
        self._progress.console.print(
            line, markup=False, highlight=False, emoji=False, soft_wrap=True
        )


@contextmanager
def progress_bar(label: str, *, total: int | None, unit: str) -> Iterator[Steps]:
    """Show a bar for ``total`` steps of ``unit`` on stderr while the block runs.

    Args:
        label: What is being done (``reading``, ``writing samples``...).
        total: How many steps; ``None`` when unknown.
        unit: What one step is (``files``, ``pages``...).

    Yields:
        The steps to advance; they do nothing when stderr is not a terminal.
    """
    if not stderr_is_terminal():
        yield SilentSteps()
        return
    console = Console(file=sys.stderr, force_terminal=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    # stdout is never redirected (it would go to stderr); output lines go through echo().
    with Progress(
        *columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=True
    ) as progress:
        bar = _Bar(progress, unit=unit)
        bar.start(label, total=total)
        yield bar
