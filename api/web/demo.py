"""The applicant demo page at ``/demo``: the mobile app's part, played in a browser.

The page calls the public ``/v1`` API only, from the browser, with an app key:
it creates a filing, uploads photos (showing each one's quality guidance at
once), submits, and polls the filing until its decision arrives. It is on by
default only for the embedded setup (``make run``: SQLite and the development
keys) and answers 404 wherever it is off (``INTAKE_DEMO``, see
:attr:`api.settings.Settings.demo_enabled`).

Only in the embedded setup is an app key written into the page: the
development one, which is public and valid only there; elsewhere the person
using the page types one in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import FileResponse, Response

from api.deps import ServicesDep
from api.settings import DEV_API_KEYS, Settings, parse_api_keys
from api.web.access import PAGE_HEADERS
from api.web.labels import ACTIONS, DECISIONS, KINDS, OUTCOMES, STATUSES
from api.wiring import Services
from intake.domain import FilingType, Role, Scheme
from intake.identity import fake_id_number
from intake.sla import CHINA_TZ
from storage.sql.migrate import is_embedded
from verifiers.policy import NATIONAL, PolicyBook
from verifiers.regions import load_region_table

__all__ = ["DEMO_HEADERS", "dev_app_key", "install_demo_page"]

DEMO_HEADERS: Final = {
    # The reviewers' pages' headers, plus blob: images (the previews of the picked photos).
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

_HERE: Final = Path(__file__).parent
_STATIC: Final = {"demo.js": "text/javascript", "demo.css": "text/css"}
_REGIONS: Final = (
    "110000",
    "130500",
    "130502",
    "310000",
    "320100",
    "320102",
    "320500",
    "320509",
    "321000",
    "321002",
    "330100",
    "350200",
    "350203",
    "440300",
    "510100",
)
"""The regions offered in the form: the seed packs' regions and common treatment cities."""
_SCHEMES: Final = {Scheme.EMPLOYEE: "职工医保", Scheme.RESIDENT: "城乡居民医保"}
_SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭"
_GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚华建国志红"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Example:
    """A filing the form offers as an example; the applicant is made up on each page load."""

    filing_type: FilingType
    insured: str
    treatment: str
    scheme: Scheme
    starts_in_days: int


_EXAMPLES: Final = (
    _Example(
        filing_type=FilingType.LONG_TERM_RESIDENT,
        insured="320500",
        treatment="310000",
        scheme=Scheme.EMPLOYEE,
        starts_in_days=7,
    ),
    _Example(
        filing_type=FilingType.REFERRAL,
        insured="321000",
        treatment="310000",
        scheme=Scheme.RESIDENT,
        starts_in_days=0,
    ),
    _Example(
        filing_type=FilingType.RETIREE_RESETTLED,
        insured="350200",
        treatment="440300",
        scheme=Scheme.EMPLOYEE,
        starts_in_days=14,
    ),
)

router = APIRouter(prefix="/demo", include_in_schema=False)


def dev_app_key(settings: Settings) -> str:
    """The app key written into the page: the development one, only in the embedded setup.

    Elsewhere (configured keys, or a server database even with the development
    keys) the page carries no key and the person using it types one in.
    """
    if not (settings.uses_dev_keys and is_embedded(settings.database_url_resolved)):
        return ""
    return next(k for k, p in parse_api_keys(DEV_API_KEYS).items() if p.role is Role.APP)


def _example(rng: random.Random, today: date, example: _Example) -> dict[str, str]:
    """A made-up applicant and filing for the form (the ID number has a valid check digit)."""
    retiree = example.filing_type is FilingType.RETIREE_RESETTLED
    age = rng.randint(61, 80) if retiree else rng.randint(25, 58)
    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return {
        "filing_type": example.filing_type.value,
        "insured_region": example.insured,
        "treatment_region": example.treatment,
        "scheme": example.scheme.value,
        "start_date": (today + timedelta(days=example.starts_in_days)).isoformat(),
        "name": rng.choice(_SURNAMES) + given,
        "id_number": fake_id_number(rng, region=example.insured, birth=birth),
        "phone": f"138{rng.randint(0, 99_999_999):08d}",
    }


def _filing_types(book: PolicyBook) -> list[tuple[str, str]]:
    national = book.packs[NATIONAL].filing_types
    return [
        (t.value, national[t.value].name if t.value in national else t.value) for t in FilingType
    ]


def _page_context(request: Request, services: Services) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    today = services.clock.now().astimezone(CHINA_TZ).date()
    rng = random.Random()  # noqa: S311 -- made-up example people, not secrets
    examples = [_example(rng, today, e) for e in _EXAMPLES]
    regions = load_region_table()
    return {
        "app_key": dev_app_key(settings),
        "filing_types": _filing_types(services.book),
        "regions": [(code, regions.city_and_name_of(code)) for code in _REGIONS],
        "schemes": [(s.value, label) for s, label in _SCHEMES.items()],
        "example": examples[0],
        "labels": {
            "examples": examples,
            "statuses": STATUSES,
            "decisions": DECISIONS,
            "outcomes": OUTCOMES,
            "kinds": KINDS,
            "actions": {str(action): label for action, label in ACTIONS.items()},
        },
    }


@router.get("")
async def demo_page(request: Request, services: ServicesDep) -> Response:
    templates: Jinja2Templates = request.app.state.demo_templates
    return templates.TemplateResponse(
        request, "demo.html", _page_context(request, services), headers=DEMO_HEADERS
    )


@router.get("/static/{name}")
async def demo_static(name: str) -> Response:
    """The page's own script and style sheet (nothing is fetched from elsewhere)."""
    media_type = _STATIC.get(name)
    if media_type is None:
        return Response(status_code=404)
    return FileResponse(
        _HERE / "static" / name,
        media_type=media_type,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def install_demo_page(app: FastAPI, *, settings: Settings) -> None:
    """Add ``/demo`` to ``app`` when ``settings.demo_enabled``; otherwise nothing (404)."""
    if not settings.demo_enabled:
        return
    app.state.demo_templates = Jinja2Templates(directory=_HERE / "templates")
    app.include_router(router)
