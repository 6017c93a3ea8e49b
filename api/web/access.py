"""Who may see the reviewers' pages: the signed-in session, CSRF on every form, page headers.

A page asked for without a session redirects to the sign-in page; a form
posted without its session's CSRF token is refused with 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.web.session import Flash, ReviewSession, SessionCodec, is_https, tokens_match
from intake.domain import Principal
from intake.ports import Clock
from intake.review import Actor

__all__ = [
    "PAGE_HEADERS",
    "CsrfRefusedError",
    "FormSessionDep",
    "ReviewWeb",
    "SessionDep",
    "SignInRequiredError",
    "WebDep",
    "actor_of",
    "install_access_handlers",
    "local_path",
    "redirect",
]

PAGE_HEADERS: Final = {
    # The pages show personal data: never cached, never framed, no foreign scripts.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}

_TEMPLATES: Final = Path(__file__).parent / "templates"


class SignInRequiredError(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class CsrfRefusedError(Exception):
    """A form came without its session's CSRF token."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewWeb:
    """What the pages need beyond the services: cookies, the clock and the templates."""

    codec: SessionCodec
    clock: Clock
    templates: Jinja2Templates

    @classmethod
    def create(cls, *, secret: bytes, clock: Clock) -> ReviewWeb:
        templates = Jinja2Templates(directory=_TEMPLATES)
        return cls(codec=SessionCodec(secret), clock=clock, templates=templates)

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        session: ReviewSession | None,
        status_code: int = 200,
    ) -> Response:
        """Render a page with the session's token and the pending flash (which it consumes)."""
        flash = self.codec.read_flash(request)
        response = self.templates.TemplateResponse(
            request,
            name,
            {"session": session, "csrf": session.csrf if session else "", "flash": flash} | context,
            status_code=status_code,
            headers=PAGE_HEADERS,
        )
        if flash is not None:
            self.codec.end_flash(response, https=is_https(request))
        return response

    def redirect_with(self, request: Request, url: str, flash: Flash) -> Response:
        response = redirect(url)
        self.codec.write_flash(response, flash, https=is_https(request))
        return response


def local_path(path: str) -> str:
    """A path of these pages to go to after sign-in; anything else goes to the queue."""
    ok = path.startswith("/review") and "\\" not in path and not path.startswith("//")
    return path if ok else "/review"


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _web(request: Request) -> ReviewWeb:
    web: ReviewWeb = request.app.state.review_web
    return web


def _session(request: Request, web: Annotated[ReviewWeb, Depends(_web)]) -> ReviewSession:
    principals: dict[str, Principal] = request.app.state.principals
    session = web.codec.read_session(request, principals.values())
    if session is None:
        raise SignInRequiredError
    return session


def _form_session(
    session: Annotated[ReviewSession, Depends(_session)],
    csrf: Annotated[str, Form()] = "",
) -> ReviewSession:
    if not tokens_match(csrf, session.csrf):
        raise CsrfRefusedError
    return session


WebDep = Annotated[ReviewWeb, Depends(_web)]
SessionDep = Annotated[ReviewSession, Depends(_session)]
"""A signed-in reviewer or admin (pages)."""
FormSessionDep = Annotated[ReviewSession, Depends(_form_session)]
"""A signed-in reviewer or admin whose form carries the session's CSRF token (actions)."""


def actor_of(request: Request, session: ReviewSession) -> Actor:
    return Actor(principal=session.principal, address=request.client.host if request.client else "")


def _next_path(request: Request) -> str:
    if request.method != "GET":
        return "/review"
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


async def _sign_in_first(request: Request, error: Exception) -> Response:
    return redirect(f"/review/login?next={quote(_next_path(request), safe='/')}")


async def _refuse_form(request: Request, error: Exception) -> Response:
    body = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请求被拒绝</title>'
        "<p>表单已失效或缺少校验码，请返回页面刷新后重试。</p>"
        '<p><a href="/review">返回待审队列</a></p></html>'
    )
    return HTMLResponse(body, status_code=403, headers=PAGE_HEADERS)


def install_access_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequiredError, _sign_in_first)
    app.add_exception_handler(CsrfRefusedError, _refuse_form)
