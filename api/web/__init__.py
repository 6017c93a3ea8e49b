"""The reviewers' web pages under ``/review``: server-rendered, in Chinese, no build step.

``install_review_pages(app, settings=..., clock=...)`` adds the pages, their
forms, the page-image route and the package's own CSS and script (served from
``/review/static``; nothing is fetched from elsewhere).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from api.settings import Settings
from api.web import actions, pages
from api.web.access import ReviewWeb, install_access_handlers
from api.web.session import derive_session_secret
from api.wiring import SystemClock
from intake.ports import Clock

__all__ = ["install_review_pages"]

_STATIC: Final = Path(__file__).parent / "static"


def install_review_pages(app: FastAPI, *, settings: Settings, clock: Clock | None = None) -> None:
    """Add the reviewers' pages to ``app``.

    Args:
        app: The application; its ``state.principals`` are the keys that may sign in.
        settings: The configuration; the session cookies are signed with a
            secret derived from its API keys.
        clock: The clock the pages judge SLA and claim times by; the system clock when omitted.
    """
    app.state.review_web = ReviewWeb.create(
        secret=derive_session_secret(settings.principals()), clock=clock or SystemClock()
    )
    install_access_handlers(app)
    app.include_router(pages.router)
    app.include_router(actions.router)
    app.mount("/review/static", StaticFiles(directory=_STATIC), name="review-static")
