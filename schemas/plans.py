"""`config/plans.yaml`: compensation plans (docs/compensation.md), validated with errors naming the plan and field."""

from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wrvu.schemas.crediting import pinned_release
from wrvu.schemas.errors import InputError
from wrvu.schemas.workspace import read_yaml


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: Decimal = Field(alias="from", ge=0)  # wRVUs above the threshold where the band starts
    rate: Decimal = Field(ge=0)  # $ per wRVU


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Literal["base_plus_production", "pure_production"]
    plan_year_start_month: int = Field(1, ge=1, le=12)
    threshold_wrvu: Decimal = Field(ge=0)
    tiers: list[Tier] = Field(min_length=1)
    tier_kind: Literal["marginal", "cliff"] = "marginal"
    payout_share: Decimal = Field(Decimal(1), ge=0, le=1)
    settle: Literal["monthly", "quarterly", "annual"] = "annual"
    recoverable: bool = False
    deficit_at_year_end: Literal["carry_forward", "collect", "write_off"] = "carry_forward"
    schedule_basis: str = "date_of_service"

    @field_validator("tiers")
    @classmethod
    def _tiers_ascending_from_zero(cls, tiers: list[Tier]) -> list[Tier]:
        if tiers[0].start != 0:
            raise ValueError(f"the first tier must start at 0 wRVUs above the threshold, not {tiers[0].start}")
        for lower, upper in pairwise(tiers):
            if upper.start <= lower.start:
                raise ValueError(f"tiers must be in ascending order of 'from': {upper.start} follows {lower.start}")
        return tiers

    @field_validator("schedule_basis")
    @classmethod
    def _basis(cls, basis: str) -> str:
        if basis != "date_of_service" and not basis.replace("_", "").isalnum():
            raise ValueError(f"expected date_of_service or a release id such as RVU20D, not {basis!r}")
        return basis if basis == "date_of_service" else basis.upper()

    @property
    def pinned_release(self) -> str | None:
        return pinned_release(self.schedule_basis)


class PlansFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plans: dict[str, Plan] = {}


def load_plans(path: Path) -> dict[str, Plan]:
    """The plans by id; an error names the file, the plan, the field and the value."""
    if not path.is_file():
        return {}
    try:
        return PlansFile.model_validate(read_yaml(path)).plans
    except ValidationError as exc:
        first = exc.errors()[0]
        location = [str(p) for p in first["loc"]]
        field = ".".join(location[1:]) if location[:1] == ["plans"] else ".".join(location)
        raise InputError(
            path,
            None,
            f"plan {field}" if location[:1] == ["plans"] else field,
            f"{first['msg']} (got {first.get('input')!r})",
        ) from exc
