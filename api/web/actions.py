"""The reviewers' forms (POST): sign in and out, claim, release, reveal, correct, decide.

Each action calls one use case and redirects back with a flash message (what
was done, or in Chinese why the review rules refused it). Revealing the ID
number is the exception: the number is shown on the page it answers with,
never put in a cookie or a URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final
from uuid import UUID

import structlog
from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import ServicesDep, key_digest
from api.web.access import (
    CsrfRefusedError,
    FormSessionDep,
    ReviewWeb,
    WebDep,
    actor_of,
    local_path,
    redirect,
)
from api.web.labels import ACTIONS, DECISIONS, china_time, field_label, refusal
from api.web.pages import render_filing
from api.web.session import Flash, ReviewSession, is_https, tokens_match
from api.wiring import Services
from intake.domain import DocumentId, FilingId, Principal, ReviewAction, Role
from intake.errors import FilingNotFoundError, IntakeError
from intake.review import Actor

__all__ = ["router"]

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/review", include_in_schema=False)

_SIGNING_ROLES: Final = (Role.REVIEWER, Role.ADMIN)
_TEXT: Final = 1000


@router.post("/login")
async def sign_in(
    request: Request,
    web: WebDep,
    key: Annotated[str, Form(max_length=512)] = "",
    csrf: Annotated[str, Form(max_length=128)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=512)] = "/review",
) -> Response:
    """Sign in with a reviewer's or admin's API key; an app key is refused."""
    if not tokens_match(csrf, web.codec.login_token(request)):
        raise CsrfRefusedError
    principals: dict[str, Principal] = request.app.state.principals
    principal = principals.get(key_digest(key.strip())) if key.strip() else None
    if principal is None:
        return _login_again(request, web, next_path, "API 密钥无效。", status_code=401)
    if principal.role not in _SIGNING_ROLES:
        return _login_again(
            request,
            web,
            next_path,
            "应用（app）密钥不能登录审核工作台，请使用审核员或管理员的密钥。",
            status_code=403,
        )
    https = is_https(request)
    response = redirect(local_path(next_path))
    web.codec.write_session(response, ReviewSession.start(principal), https=https)
    web.codec.end_login(response, https=https)
    log.info("api.review.signed_in", key_id=principal.key_id, role=principal.role.value)
    return response


def _login_again(
    request: Request, web: ReviewWeb, next_path: str, error: str, *, status_code: int
) -> Response:
    token = web.codec.new_login_token()
    context = {"next": local_path(next_path), "login_token": token, "error": error}
    response = web.render(request, "login.html", context, session=None, status_code=status_code)
    web.codec.write_login_token(response, token, https=is_https(request))
    return response


@router.post("/logout")
async def sign_out(request: Request, session: FormSessionDep, web: WebDep) -> Response:
    response = redirect("/review/login")
    web.codec.end_session(response, https=is_https(request))
    log.info("api.review.signed_out", key_id=session.key_id)
    return response


@router.post("/filings/{filing_id}/claim")
async def claim(
    request: Request, filing_id: UUID, session: FormSessionDep, web: WebDep, services: ServicesDep
) -> Response:
    actor = actor_of(request, session)

    def work() -> str:
        held = services.review.claim(actor, FilingId(filing_id))
        return f"已认领，在 {china_time(held.expires_at)} 前由您处理。"

    return await _act(request, web, services, FilingId(filing_id), work)


@router.post("/filings/{filing_id}/release")
async def release(
    request: Request, filing_id: UUID, session: FormSessionDep, web: WebDep, services: ServicesDep
) -> Response:
    actor = actor_of(request, session)

    def work() -> str:
        released = services.review.release(actor, FilingId(filing_id))
        return "已放回队列。" if released else "您没有认领这份备案。"

    return await _act(request, web, services, FilingId(filing_id), work)


@router.post("/filings/{filing_id}/reveal")
async def reveal_id_number(
    request: Request,
    filing_id: UUID,
    session: FormSessionDep,
    web: WebDep,
    services: ServicesDep,
    reason: Annotated[str, Form(max_length=_TEXT)] = "",
) -> Response:
    """Show the full ID number on the page this answers with (audited with the reason)."""
    actor = actor_of(request, session)
    try:
        number = await run_in_threadpool(
            services.review.reveal_id_number, actor, FilingId(filing_id), reason=reason
        )
    except IntakeError as error:
        return await _refused(request, web, services, FilingId(filing_id), error)
    return await render_filing(
        request, web, services, session, FilingId(filing_id), revealed=number
    )


@router.post("/filings/{filing_id}/corrections")
async def correct(
    request: Request, filing_id: UUID, session: FormSessionDep, web: WebDep, services: ServicesDep
) -> Response:
    """Save what the reviewer changed in one document's form: its kind and fields."""
    form = await request.form()
    actor = actor_of(request, session)
    target = _target(form)
    if target is None:
        flash = Flash(text="更正表单不完整，请刷新页面后重试。", error=True)
        return web.redirect_with(request, f"/review/filings/{filing_id}", flash)
    changes = _changes(form)
    if not changes:
        flash = Flash(text="没有改动。")
        return web.redirect_with(request, f"/review/filings/{filing_id}", flash)
    return await _act(
        request,
        web,
        services,
        FilingId(filing_id),
        _corrector(services, actor, filing_id, target, changes),
    )


def _corrector(
    services: Services,
    actor: Actor,
    filing_id: UUID,
    target: tuple[DocumentId, int, int],
    changes: list[tuple[str, str]],
) -> Callable[[], str]:
    document_id, page, index = target

    def work() -> str:
        decision = ""
        for name, value in changes:
            record = services.review.correct(
                actor,
                FilingId(filing_id),
                document_id=document_id,
                field_name=name,
                value=value,
                page=page,
                index=index,
            )
            decision = record.decision
        names = "、".join(field_label(name) for name, _ in changes)
        return f"已保存更正（{names}），重新核验结果：{DECISIONS.get(decision, decision)}。"

    return work


def _target(form: FormData) -> tuple[DocumentId, int, int] | None:
    try:
        document_id = DocumentId(UUID(str(form.get("document_id", ""))))
        return document_id, int(str(form.get("page", ""))), int(str(form.get("index", "")))
    except ValueError:
        return None


def _changes(form: FormData) -> list[tuple[str, str]]:
    """The fields whose submitted value differs from what the page showed, kind first."""
    changes: list[tuple[str, str]] = []
    kind = str(form.get("kind", ""))
    if kind and kind != str(form.get("shown.kind", "")):
        changes.append(("kind", kind))
    for key, value in form.multi_items():
        if not key.startswith("field.") or not isinstance(value, str):
            continue
        name = key.removeprefix("field.")
        if value.strip() != str(form.get(f"shown.{name}", "")).strip():
            changes.append((name, value.strip()[:_TEXT]))
    added, value = str(form.get("new_field", "")), str(form.get("new_value", "")).strip()
    if added and value:
        changes.append((added, value[:_TEXT]))
    return changes


@router.post("/filings/{filing_id}/decision")
async def decide(
    request: Request,
    filing_id: UUID,
    session: FormSessionDep,
    web: WebDep,
    services: ServicesDep,
    action: Annotated[ReviewAction, Form()],
    reasons: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=_TEXT)] = "",
    message: Annotated[str, Form(max_length=_TEXT)] = "",
) -> Response:
    """Approve, reject with the pack's reasons, or ask the applicant for materials."""
    actor = actor_of(request, session)
    try:
        decided, _ = await run_in_threadpool(
            lambda: services.review.decide(
                actor,
                FilingId(filing_id),
                action=action,
                reasons=reasons or (),
                note=note,
                message=message,
            )
        )
    except IntakeError as error:
        return await _refused(request, web, services, FilingId(filing_id), error)
    text = f"已{ACTIONS[action]}：{decided.applicant.name} 的备案。"
    return web.redirect_with(request, "/review", Flash(text=text))


async def _act(
    request: Request,
    web: ReviewWeb,
    services: Services,
    filing_id: FilingId,
    work: Callable[[], str],
) -> Response:
    try:
        text = await run_in_threadpool(work)
    except IntakeError as error:
        return await _refused(request, web, services, filing_id, error)
    return web.redirect_with(request, f"/review/filings/{filing_id}", Flash(text=text))


async def _refused(
    request: Request, web: ReviewWeb, services: Services, filing_id: FilingId, error: IntakeError
) -> Response:
    if isinstance(error, FilingNotFoundError):
        return web.redirect_with(request, "/review", Flash(text="没有找到这份备案。", error=True))
    groups = await run_in_threadpool(_group_names, services, filing_id)
    flash = Flash(text=refusal(error, group_names=groups), error=True)
    return web.redirect_with(request, f"/review/filings/{filing_id}", flash)


def _group_names(services: Services, filing_id: FilingId) -> dict[str, str]:
    with services.uow_factory() as uow:
        filing = uow.filings.get(filing_id)
    if filing is None:
        return {}
    rules = services.book.for_region(filing.insured_region).filing_types.get(filing.filing_type)
    return {code: g.name for code, g in rules.active_groups.items()} if rules else {}
