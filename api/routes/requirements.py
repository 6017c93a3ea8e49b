"""``/v1/filing-requirement``: whether treatment in a region needs a filing at all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.deps import PrincipalDep, ServicesDep
from api.errors import problem_responses
from api.schemas import FilingRequirementOut
from intake.errors import InvalidRegionCodeError

router = APIRouter(prefix="/v1", tags=["filings"])


@router.get("/filing-requirement", responses=problem_responses(InvalidRegionCodeError))
async def get_filing_requirement(
    principal: PrincipalDep,
    services: ServicesDep,
    insured: Annotated[
        str,
        Query(
            description="Insured region code",
            examples=["320509"],
            max_length=32,
            json_schema_extra={"pattern": r"^\d{6}$"},
        ),
    ],
    treatment: Annotated[
        str,
        Query(
            description="Treatment region code",
            examples=["310118"],
            max_length=32,
            json_schema_extra={"pattern": r"^\d{6}$"},
        ),
    ],
) -> FilingRequirementOut:
    """Ask before filing: treatment inside the insured person's own pooling area (统筹区: a
    Wujiang insured treated in Suzhou's Gusu district) or inside a filing-free zone (Wujiang
    insured treated in Shanghai, Qingpu or Jiashan) needs no filing at all."""
    zone = await run_in_threadpool(services.filings.filing_free_zone, insured, treatment)
    return FilingRequirementOut(
        insured_region=insured,
        treatment_region=treatment,
        required=zone is None,
        zone=zone,
        message=f"属于{zone}，无需办理异地就医备案" if zone else "需要办理异地就医备案",
    )
