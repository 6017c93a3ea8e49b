"""``intake bench review``: the reviewers' queue under a full database, timed over HTTP.

Generates N filings waiting for review (spread over regions, types, open checks
and submission times) in the given database, then times ``GET /v1/review/queue``
through the real application (ASGI, in process) with each filter reviewers
use, and removes the generated filings again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from pydantic import SecretStr
from sqlalchemy import delete

from api.app import create_app
from api.commands.progress import SilentSteps, Steps
from api.settings import Settings
from intake.domain import Applicant, Filing, FilingId, FilingStatus, FilingType, Scheme
from intake.identity import fake_id_number
from intake.ports import UnitOfWorkFactory
from storage.sql.engine import create_database_engine
from storage.sql.migrate import upgrade_database
from storage.sql.tables import filing as filing_table

__all__ = ["benchmark_review_queue"]

_KEY: Final = "bench-review-key"
_REGIONS: Final = ("321002", "320509", "350203", "130502", "110105", "440305")
_CHECKS: Final = (
    "identity.name",
    "referral.destination",
    "seal.issuer",
    "document.kind_confident",
    "page.quality",
    "residence.permit_place",
)
_T0: Final = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _filings(count: int, owner: str, seed: int) -> list[Filing]:
    rng = random.Random(seed)  # noqa: S311  # test data, not secrets
    types = list(FilingType)
    found = []
    for n in range(count):
        submitted = _T0 + timedelta(minutes=n)
        found.append(
            Filing(
                id=FilingId(uuid.UUID(int=rng.getrandbits(128))),
                owner=owner,
                applicant=Applicant(
                    name="测试", id_number=fake_id_number(rng), phone="13812345678"
                ),
                filing_type=rng.choice(types),
                insured_region=rng.choice(_REGIONS),
                treatment_region="310115",
                scheme=Scheme.EMPLOYEE,
                start_date=date(2026, 12, 1),
                filed_on=date(2026, 11, 2),
                created_at=submitted,
                updated_at=submitted,
                submitted_at=submitted,
                status=FilingStatus.NEEDS_REVIEW if n % 4 else FilingStatus.APPROVED,
                open_checks=tuple(sorted(rng.sample(_CHECKS, k=rng.randint(1, 3)))),
            )
        )
    return found


def _store(uow_factory: UnitOfWorkFactory, filings: list[Filing], *, steps: Steps) -> None:
    steps.start("storing filings", total=len(filings), unit="filings")
    for start in range(0, len(filings), 1000):
        batch = filings[start : start + 1000]
        with uow_factory() as uow:
            for filing in batch:
                uow.filings.add(filing)
            uow.commit()
        steps.advance(len(batch))


async def _time_queries(app: Any, requests: int, *, steps: Steps) -> dict[str, Any]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {_KEY}"}
    queries: dict[str, dict[str, str]] = {
        "all": {},
        "region": {"region": "321000"},
        "check": {"check": "referral.destination"},
        "type_and_check": {"filing_type": "referral", "check": "seal.issuer"},
    }
    report: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        first = await client.get("/v1/review/queue", headers=headers, params={"limit": 50})
        first.raise_for_status()
        queries["next_page"] = {"after": first.json()["next_after"]}
        steps.start("timing queries", total=requests * len(queries), unit="requests")
        for name, params in queries.items():
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.get(
                    "/v1/review/queue", headers=headers, params={"limit": 50, **params}
                )
                timings.append(time.perf_counter() - started)
                response.raise_for_status()
                steps.advance()
            timings.sort()
            report[name] = {
                "items": len(response.json()["items"]),
                "p50_ms": round(statistics.median(timings) * 1000, 2),
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))] * 1000, 2),
            }
    return report


def benchmark_review_queue(
    *,
    filings: int,
    requests: int,
    database_url: str | None,
    seed: int = 1,
    steps: Steps | None = None,
) -> dict[str, Any]:
    """Time the review queue with ``filings`` filings stored (3 in 4 waiting).

    Args:
        filings: How many filings to generate.
        requests: Requests per filter.
        database_url: The database (migrated first); a temporary SQLite file when ``None``.
        seed: The generator's seed.
        steps: Where the stages report their progress (storing, timing).

    Returns:
        Per filter, the p50 and p95 latency in milliseconds, with the setup.
    """
    shown = steps or SilentSteps()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_database(url)
        settings = Settings(
            data_dir=Path(tmp),
            database_url=url,
            blob_url=None,
            queue_url="local://",
            api_keys=SecretStr(f"reviewer:{_KEY}"),
        )
        owner = f"bench-review-{uuid.uuid4().hex[:8]}"
        generated = _filings(filings, owner, seed)
        app = create_app(settings, reader=_NoReader())

        async def run() -> dict[str, Any]:
            async with app.router.lifespan_context(app):
                services = app.state.services
                started = time.perf_counter()
                await asyncio.to_thread(_store, services.uow_factory, generated, steps=shown)
                stored_s = time.perf_counter() - started
                try:
                    timings = await _time_queries(app, requests, steps=shown)
                finally:
                    engine = create_database_engine(url)
                    with engine.begin() as connection:
                        connection.execute(
                            delete(filing_table).where(filing_table.c.owner == owner)
                        )
                    engine.dispose()
                return {"store_s": round(stored_s, 2), "queue": timings}

        result = asyncio.run(run())
    backend = url.split(":", 1)[0].split("+", 1)[0]
    return {"database": backend, "filings": filings, "requests": requests, **result}


class _NoReader:
    """The queue reads no pages; the benchmark needs no OCR model."""

    version = "bench-no-reader"

    def read_page(self, *args: object, **kwargs: object) -> Any:  # pragma: no cover
        raise RuntimeError("the review benchmark reads no pages")
