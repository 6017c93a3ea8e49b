"""The reviewers' session: a signed cookie holding who signed in and their CSRF token.

A reviewer signs in once with their API key; the browser then carries a
cookie signed with a secret derived from the configured keys (so rotating the
keys ends every session). The cookie holds the key's id and role, never the
key. Every form carries the session's CSRF token; the sign-in form, which has
no session yet, carries a token from a short-lived cookie of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from intake.domain import Principal, Role

__all__ = [
    "FLASH_COOKIE",
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Flash",
    "ReviewSession",
    "SessionCodec",
    "derive_session_secret",
    "is_https",
    "tokens_match",
]

SESSION_COOKIE: Final = "intake_review"
LOGIN_COOKIE: Final = "intake_review_login"
FLASH_COOKIE: Final = "intake_review_flash"
SESSION_SECONDS: Final = 12 * 3600
"""A session lasts one working day; the reviewer then signs in again."""
_LOGIN_SECONDS: Final = 3600
_FLASH_SECONDS: Final = 120
_COOKIE_PATH: Final = "/review"
_SECRET_INFO: Final = b"intake.review.session.v1"
_SIGNING_ROLES: Final = frozenset({Role.REVIEWER, Role.ADMIN})


def derive_session_secret(keys: Iterable[str]) -> bytes:
    """The cookie-signing secret: an HMAC of a fixed label under the configured API keys.

    The settings hold no secret of their own for sessions. The keys are the
    service's secrets already; deriving from all of them means a session
    survives restarts but not a change of keys.
    """
    material = "\n".join(sorted(keys)).encode()
    return hmac.new(material, _SECRET_INFO, hashlib.sha256).digest()


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a proxy saying so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def tokens_match(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given, expected)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewSession:
    """Who is signed in, and the token every form of theirs must carry."""

    key_id: str
    role: Role
    csrf: str

    @property
    def principal(self) -> Principal:
        return Principal(role=self.role, key_id=self.key_id)

    @classmethod
    def start(cls, principal: Principal) -> ReviewSession:
        return cls(key_id=principal.key_id, role=principal.role, csrf=secrets.token_urlsafe(32))


@dataclass(frozen=True, slots=True, kw_only=True)
class Flash:
    """A one-time message for the next page: what an action did, or why it was refused."""

    text: str
    error: bool = False


class SessionCodec:
    """Signs and reads the session, sign-in and flash cookies."""

    def __init__(self, secret: bytes) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="intake.review.session")
        self._login = URLSafeTimedSerializer(secret, salt="intake.review.login")
        self._flash = URLSafeTimedSerializer(secret, salt="intake.review.flash")

    # -- the session ------------------------------------------------------------------

    def read_session(
        self, request: Request, principals: Iterable[Principal]
    ) -> ReviewSession | None:
        """The request's session, if its cookie is signed, fresh and its key still configured."""
        data = self._load(self._session, request.cookies.get(SESSION_COOKIE), SESSION_SECONDS)
        if not isinstance(data, dict):
            return None
        try:
            session = ReviewSession(
                key_id=str(data["k"]), role=Role(data["r"]), csrf=str(data["c"])
            )
        except (KeyError, ValueError):
            return None
        if session.role not in _SIGNING_ROLES or session.principal not in set(principals):
            return None
        return session

    def write_session(self, response: Response, session: ReviewSession, *, https: bool) -> None:
        value = self._session.dumps(
            {"k": session.key_id, "r": session.role.value, "c": session.csrf}
        )
        _set(response, SESSION_COOKIE, value, max_age=SESSION_SECONDS, https=https)

    @staticmethod
    def end_session(response: Response, *, https: bool) -> None:
        _delete(response, SESSION_COOKIE, https=https)

    # -- the sign-in form's token -----------------------------------------------------

    @staticmethod
    def new_login_token() -> str:
        return secrets.token_urlsafe(32)

    def write_login_token(self, response: Response, token: str, *, https: bool) -> None:
        value = self._login.dumps(token)
        _set(response, LOGIN_COOKIE, value, max_age=_LOGIN_SECONDS, https=https)

    def login_token(self, request: Request) -> str:
        token = self._load(self._login, request.cookies.get(LOGIN_COOKIE), _LOGIN_SECONDS)
        return token if isinstance(token, str) else ""

    @staticmethod
    def end_login(response: Response, *, https: bool) -> None:
        _delete(response, LOGIN_COOKIE, https=https)

    # -- flash messages ---------------------------------------------------------------

    def write_flash(self, response: Response, flash: Flash, *, https: bool) -> None:
        value = self._flash.dumps({"t": flash.text, "e": flash.error})
        _set(response, FLASH_COOKIE, value, max_age=_FLASH_SECONDS, https=https)

    def read_flash(self, request: Request) -> Flash | None:
        data = self._load(self._flash, request.cookies.get(FLASH_COOKIE), _FLASH_SECONDS)
        if not isinstance(data, dict) or not isinstance(data.get("t"), str):
            return None
        return Flash(text=data["t"], error=bool(data.get("e")))

    @staticmethod
    def end_flash(response: Response, *, https: bool) -> None:
        _delete(response, FLASH_COOKIE, https=https)

    @staticmethod
    def _load(serializer: URLSafeTimedSerializer, value: str | None, max_age: int) -> Any:
        if not value:
            return None
        try:
            return serializer.loads(value, max_age=max_age)
        except BadSignature:  # also a signature past its age (SignatureExpired)
            return None


def _set(response: Response, name: str, value: str, *, max_age: int, https: bool) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=_COOKIE_PATH,
        secure=https,
        httponly=True,
        samesite="lax",
    )


def _delete(response: Response, name: str, *, https: bool) -> None:
    response.delete_cookie(name, path=_COOKIE_PATH, secure=https, httponly=True, samesite="lax")
