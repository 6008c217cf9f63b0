"""The wRVU crediting policy, `config/crediting.yaml` (docs/crediting.md); an absent or all-comment file
is the defaults of docs/crediting.md.

`modifier_factors` and `bilateral_factors` are merged over their defaults: listing `"80": 0.2`
changes the assistant factor of 80 and leaves 62, 81, 82 and AS as they were, so that changing one
factor never silently turns the others into informational modifiers.
"""

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wrvu.schemas.workspace import read_yaml, validation_error

DATE_OF_SERVICE = "date_of_service"


class ModifierRule(NamedTuple):
    """What a modifier does to a line's credit (docs/crediting.md section 5): one row of MODIFIER_RULES.

    `reads`: where its factor comes from: `factor`, a flat policy factor (`modifier_factors`, `factor`
    here its default; 1 when the policy gives none); `bilat_surg`, `bilateral_factors` by the row's
    BILAT SURG indicator; `pre_op`, `intra_op`, `post_op`, `pre_op+intra_op`, the row's global-surgery
    shares (1 when the row has none); `schedule_row`, it chooses the schedule row (sql/credit/priced_keys.sql);
    `mult_proc`, it is ranked by `multiple_procedure` (sql/credit/multiple_factors.sql).
    `rule`: the rule word it adds to the line's rule ('' for none); a `bilat_surg` rule takes its factor,
    e.g. `bilateral_1.5`. `flag`: the flag it raises ('' for none), `flag_when`: `always`, `not_allowed`
    (the row's BILAT SURG indicator is not one of BILATERAL_ALLOWED) or `missing` (the row has no shares).
    """

    modifier: str
    reads: str
    rule: str = ""
    factor: Decimal | None = None
    flag: str = ""
    flag_when: str = ""


# Every modifier with a rule, in one place: the SQL joins this table (sql/credit/credited_keys.sql).
# A modifier of the policy's modifier_factors without a row here takes the rule `factor_<modifier>`;
# every other modifier is informational (1.0, no rule).
MODIFIER_RULES = (
    ModifierRule("26", "schedule_row"),
    ModifierRule("TC", "schedule_row"),
    ModifierRule("53", "schedule_row"),
    ModifierRule("50", "bilat_surg", "bilateral", flag="bilateral_not_allowed", flag_when="not_allowed"),
    ModifierRule("51", "mult_proc"),
    ModifierRule("54", "pre_op+intra_op", "share_54", flag="review", flag_when="missing"),
    ModifierRule("55", "post_op", "share_55", flag="review", flag_when="missing"),
    ModifierRule("56", "pre_op", "share_56", flag="review", flag_when="missing"),
    ModifierRule("78", "intra_op", "share_78", flag="review", flag_when="missing"),
    ModifierRule("62", "factor", "cosurgeon_62", Decimal("0.625")),  # co-surgeon
    ModifierRule("80", "factor", "asst_80", Decimal("0.16")),  # assistant at surgery
    ModifierRule("81", "factor", "asst_81", Decimal("0.16")),
    ModifierRule("82", "factor", "asst_82", Decimal("0.16")),
    ModifierRule("AS", "factor", "asst_AS", Decimal("0.16")),
    ModifierRule("66", "factor", "team_66", flag="team_surgery_review", flag_when="always"),
    ModifierRule("22", "factor", "review_22", flag="review", flag_when="always"),
    ModifierRule("52", "factor", "review_52", flag="review", flag_when="always"),
)
DEFAULT_MODIFIER_FACTORS = {r.modifier: r.factor for r in MODIFIER_RULES if r.factor is not None}
DEFAULT_BILATERAL_FACTORS = {  # by the row's BILAT SURG indicator
    "0": Decimal("1.0"),
    "1": Decimal("1.5"),
    "2": Decimal("1.0"),
    "3": Decimal("2.0"),
    "9": Decimal("1.0"),
}
BILATERAL_ALLOWED = frozenset({"1", "2", "3"})  # the BILAT SURG indicators for which 50 raises no flag
# Modifiers with a rule of their own, so not a flat factor: 26/TC/53 choose the schedule row, 50 goes
# by bilateral_factors, 51 by multiple_procedure, 54/55/56/78 by the row's global-surgery shares.
RULE_MODIFIERS = frozenset(r.modifier for r in MODIFIER_RULES if r.reads != "factor")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
BILATERAL_INDICATOR = re.compile(r"^[0-9]$")
RELEASE_ID = re.compile(r"^[A-Z0-9_]+$")

Factor = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=8)]
StatusCode = Annotated[str, Field(pattern=r"^[A-Z]$")]


Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=9, decimal_places=8)]


class Shares(BaseModel):
    """How a line's credit divides between the clinician who billed it (the rendering NPI) and the one
    who performed it (performing_npi): each share its own credited row, summing to at most 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    billed: Share = Decimal(1)
    performing: Share = Decimal(0)

    @model_validator(mode="after")
    def _at_most_one(self) -> "Shares":
        if self.billed + self.performing > 1:
            raise ValueError(f"the shares sum to {self.billed + self.performing}, more than 1")
        return self


class Attribution(BaseModel):
    """Team-based care (docs/crediting.md, section 7b): a split/shared visit (modifier FS), a service
    performed by one clinician and billed under another (incident-to: a performing NPI of its own,
    no FS), and a teaching physician's service (GC, GE), whose credit is scaled by `teaching`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    split_shared: Shares = Shares()
    incident_to: Shares = Shares()
    teaching: Share = Decimal(1)


class CreditingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schedule_basis: str = DATE_OF_SERVICE  # or the id of a loaded release, e.g. RVU20D
    credited_statuses: list[StatusCode] = ["A", "R", "T"]
    credited_if_work_rvu: list[StatusCode] = ["N", "I"]
    multiple_procedure: Literal["none", "cms"] = "none"
    modifier_factors: dict[str, Factor] = DEFAULT_MODIFIER_FACTORS
    bilateral_factors: dict[str, Factor] = DEFAULT_BILATERAL_FACTORS
    # a line whose claim_status is `denied`: credited as any other line, or held (credited 0, rule
    # `denied`) until a correction says otherwise
    denied_claims: Literal["credit", "hold"] = "credit"
    attribution: Attribution = Attribution()

    @property
    def line_policy(self) -> dict[str, str]:
        """What acts where a line's credit is read, not on its key (sql/views/002_line_policy.sql), as
        the workspace settings that view reads."""
        shares = self.attribution
        return {
            "denied_claims": self.denied_claims,
            "split_shared_billed": str(shares.split_shared.billed),
            "split_shared_performing": str(shares.split_shared.performing),
            "incident_to_billed": str(shares.incident_to.billed),
            "incident_to_performing": str(shares.incident_to.performing),
            "teaching": str(shares.teaching),
        }

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
        return pinned_release(self.schedule_basis)

    @property
    def modifier_rules(self) -> list[ModifierRule]:
        """MODIFIER_RULES with this policy's factors, then a `factor_<modifier>` rule for each other
        modifier the policy gives a factor."""
        ruled = {r.modifier for r in MODIFIER_RULES}
        return [
            r._replace(factor=self.modifier_factors.get(r.modifier)) if r.reads == "factor" else r
            for r in MODIFIER_RULES
        ] + [
            ModifierRule(modifier, "factor", f"factor_{modifier}", factor)
            for modifier, factor in self.modifier_factors.items()
            if modifier not in ruled
        ]


def pinned_release(schedule_basis: str) -> str | None:
    """The release a `schedule_basis` (of the crediting policy or of a plan) pins, or None for
    `date_of_service`: each line priced by the release governing its date of service."""
    return None if schedule_basis == DATE_OF_SERVICE else schedule_basis


def load_crediting_policy(path: Path) -> CreditingPolicy:
    """The policy of `path`; the defaults when the file is absent or all comments."""
    data = read_yaml(path) if path.is_file() else {}
    try:
        return CreditingPolicy.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
