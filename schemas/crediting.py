"""The wRVU crediting policy, `config/crediting.yaml` (CREDITING.md); an absent or all-comment file
is the defaults of CREDITING.md.

`modifier_factors` and `bilateral_factors` are merged over their defaults: listing `"80": 0.2`
changes the assistant factor of 80 and leaves 62, 81, 82 and AS as they were, so that changing one
factor never silently turns the others into informational modifiers.
"""

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.workspace import read_yaml, validation_error

DATE_OF_SERVICE = "date_of_service"
DEFAULT_MODIFIER_FACTORS = {
    "62": Decimal("0.625"),  # co-surgeon
    "80": Decimal("0.16"),  # assistant at surgery
    "81": Decimal("0.16"),
    "82": Decimal("0.16"),
    "AS": Decimal("0.16"),
}
DEFAULT_BILATERAL_FACTORS = {  # by the row's BILAT SURG indicator
    "0": Decimal("1.0"),
    "1": Decimal("1.5"),
    "2": Decimal("1.0"),
    "3": Decimal("2.0"),
    "9": Decimal("1.0"),
}
# Modifiers with a rule of their own, so not a flat factor: 26/TC/53 choose the schedule row, 50 goes
# by bilateral_factors, 51 by multiple_procedure, 54/55/56/78 by the row's global-surgery shares.
RULE_MODIFIERS = frozenset({"26", "TC", "53", "50", "51", "54", "55", "56", "78"})
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
BILATERAL_INDICATOR = re.compile(r"^[0-9]$")
RELEASE_ID = re.compile(r"^[A-Z0-9_]+$")

Factor = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=8)]
StatusCode = Annotated[str, Field(pattern=r"^[A-Z]$")]


class CreditingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schedule_basis: str = DATE_OF_SERVICE  # or the id of a loaded release, e.g. RVU20D
    credited_statuses: list[StatusCode] = ["A", "R", "T"]
    credited_if_work_rvu: list[StatusCode] = ["N", "I"]
    multiple_procedure: Literal["none", "cms"] = "none"
    modifier_factors: dict[str, Factor] = DEFAULT_MODIFIER_FACTORS
    bilateral_factors: dict[str, Factor] = DEFAULT_BILATERAL_FACTORS

    @field_validator("schedule_basis", mode="before")
    @classmethod
    def _release_or_date_of_service(cls, value):
        text = str(value).strip()
        if text.lower() == DATE_OF_SERVICE:
            return DATE_OF_SERVICE
        if not RELEASE_ID.match(text.upper()):
            raise ValueError(f"expected {DATE_OF_SERVICE} or a release id such as RVU20D")
        return text.upper()

    @field_validator("credited_statuses", "credited_if_work_rvu", mode="before")
    @classmethod
    def _upper_case_statuses(cls, value):
        return [str(v).strip().upper() for v in value] if isinstance(value, list) else value

    @field_validator("modifier_factors", mode="before")
    @classmethod
    def _merge_modifier_factors(cls, value):
        if not isinstance(value, dict):
            return value
        given = {str(k).strip().upper(): v for k, v in value.items()}
        for modifier in given:
            if not MODIFIER.match(modifier):
                raise ValueError(f"{modifier!r} is not a modifier (two letters or digits)")
            if modifier in RULE_MODIFIERS:
                raise ValueError(f"modifier {modifier} has its own rule and takes no flat factor")
        return {**DEFAULT_MODIFIER_FACTORS, **given}

    @field_validator("bilateral_factors", mode="before")
    @classmethod
    def _merge_bilateral_factors(cls, value):
        if not isinstance(value, dict):
            return value
        given = {str(k).strip(): v for k, v in value.items()}
        for indicator in given:
            if not BILATERAL_INDICATOR.match(indicator):
                raise ValueError(f"{indicator!r} is not a BILAT SURG indicator (one digit)")
        return {**DEFAULT_BILATERAL_FACTORS, **given}

    @model_validator(mode="after")
    def _statuses_in_one_list(self):
        both = sorted(set(self.credited_statuses) & set(self.credited_if_work_rvu))
        if both:
            raise ValueError(f"statuses in both credited_statuses and credited_if_work_rvu: {', '.join(both)}")
        return self

    @property
    def pinned_release(self) -> str | None:
        """The release every line is priced from, or None to price each by its date of service."""
        return None if self.schedule_basis == DATE_OF_SERVICE else self.schedule_basis


def load_crediting_policy(path: Path) -> CreditingPolicy:
    """The policy of `path`; the defaults when the file is absent or all comments."""
    data = read_yaml(path) if path.is_file() else {}
    try:
        return CreditingPolicy.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
