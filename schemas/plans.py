"""`config/plans.yaml`: compensation plans (docs/compensation.md), validated with errors naming the plan and field."""

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wrvu.schemas.crediting import pinned_release
from wrvu.schemas.errors import InputError
from wrvu.schemas.workspace import read_yaml


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: Decimal = Field(alias="from", ge=0)  # wRVUs above the threshold where the band starts
    rate: Decimal = Field(ge=0)  # $ per wRVU


class Quality(BaseModel):
    """A share of positive production pay withheld until the plan year's last settle close, then earned
    times the clinician's score (config/quality_scores.csv)."""

    model_config = ConfigDict(extra="forbid")
    withhold: Decimal = Field(ge=0, le=1)


class Guarantee(BaseModel):
    """Earned pay of at least `amount` a year (prorated by FTE-weighted days) for closes up to `until`;
    what it paid is never recovered."""

    model_config = ConfigDict(extra="forbid")
    amount: Decimal = Field(ge=0)
    until: date


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Literal["base_plus_production", "pure_production"]
    plan_year_start_month: int = Field(1, ge=1, le=12)
    threshold_wrvu: Decimal | Literal["from_base"]
    base_salary: Decimal | None = Field(None, ge=0)
    tiers: list[Tier] = Field(min_length=1)
    tier_kind: Literal["marginal", "cliff"] = "marginal"
    payout_share: Decimal = Field(Decimal(1), ge=0, le=1)
    settle: Literal["monthly", "quarterly", "annual"] = "annual"
    recoverable: bool = False
    deficit_at_year_end: Literal["carry_forward", "collect", "write_off"] = "carry_forward"
    schedule_basis: str = "date_of_service"
    # contract terms beyond the basics (docs/compensation.md), applied in this order after the threshold
    wrvu_cap: Decimal | None = Field(None, gt=0)  # annual wRVUs at 1.0 FTE that count for pay
    quality: Quality | None = None
    incentive_cap: Decimal | None = Field(None, ge=0)  # the most earned_ytd can be in a plan year
    guarantee: Guarantee | None = None
    on_termination: Literal["collect", "write_off"] = "collect"  # a recoverable deficit on leaving

    @field_validator("threshold_wrvu", mode="before")
    @classmethod
    def _threshold(cls, threshold: object) -> Decimal | str:
        if threshold == "from_base":
            return threshold
        try:
            wrvus = Decimal(str(threshold))
        except ArithmeticError:
            wrvus = None
        if wrvus is None or not wrvus.is_finite() or wrvus < 0 or isinstance(threshold, bool):
            raise ValueError("expected annual wRVUs (0 or more) or from_base")
        return wrvus

    @model_validator(mode="after")
    def _from_base_has_a_base(self) -> "Plan":
        if self.threshold_wrvu == "from_base":
            if self.base_salary is None:
                raise PlanFieldError("base_salary", "is required by threshold_wrvu: from_base")
            if self.tiers[0].rate == 0:
                raise PlanFieldError("tiers.0.rate", "must be above 0 for threshold_wrvu: from_base (base / rate)")
        return self

    @property
    def annual_threshold(self) -> Decimal:
        """The threshold at 1.0 FTE for a full plan year: `threshold_wrvu`, or from_base the base salary
        over the first tier's rate (220,000 / 48 = 4,583.33... wRVUs, kept exact)."""
        if self.threshold_wrvu == "from_base":
            return self.base_salary / self.tiers[0].rate
        return self.threshold_wrvu

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


class PlanFieldError(ValueError):
    """A check across a plan's fields, naming the field it reports on."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field


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
        reason = f"{first['msg']} (got {first.get('input')!r})"
        across = first.get("ctx", {}).get("error")
        if isinstance(across, PlanFieldError):  # a check across fields names the field, not the whole plan
            location.append(across.field)
            reason = str(across).removeprefix(f"{across.field}: ")
        field = ".".join(location[1:]) if location[:1] == ["plans"] else ".".join(location)
        raise InputError(path, None, f"plan {field}" if location[:1] == ["plans"] else field, reason) from exc
