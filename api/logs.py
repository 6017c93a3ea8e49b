"""Structured logging for every entry point: events with key-value pairs on stderr.

Standard output stays clean for what commands print (``intake read --json``
writes one JSON object per line there). ``INTAKE_LOG_FORMAT=json`` renders one
JSON object per event for log collectors; ``console`` is for people. Anything
shaped like an ID number is masked in every event and record.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

from api.redaction import redact_log_event
from intake.identity import mask_id_numbers_in

LogFormat = Literal["console", "json"]


def configure_logging(*, level: str = "INFO", log_format: LogFormat = "console") -> None:
    """Send structlog events (and the standard library's) to stderr at ``level``."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_log_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_IdNumberFilter())


class _IdNumberFilter(logging.Filter):
    """Masks ID numbers in the standard library's records (uvicorn's access log, libraries)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
