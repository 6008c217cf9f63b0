"""Normalising CPT/HCPCS codes and modifiers the same way in fee schedules, extracts and lookups."""

import polars as pl

from wrvu.schemas.em_reference import EM_FAMILIES


def normalised_code(code: pl.Expr) -> pl.Expr:
    """Trimmed, upper-cased; an all-digit code a spreadsheet stripped of leading zeros padded to 5."""
    code = code.str.strip_chars().str.to_uppercase()
    return pl.when(code.str.contains(r"^\d{1,4}$")).then(code.str.zfill(5)).otherwise(code)


def normalised_modifier(modifier: pl.Expr) -> pl.Expr:
    return modifier.str.strip_chars().str.to_uppercase()


def normalise_code(code: str) -> str:
    return pl.select(normalised_code(pl.lit(code))).item()


def normalise_modifier(modifier: str | None) -> str:
    return pl.select(normalised_modifier(pl.lit(modifier or ""))).item()


def _code_range(first: int, last: int) -> tuple[str, ...]:
    return tuple(str(code) for code in range(first, last + 1))


# The levels of one kind of E/M visit: a code billed for another of its family is the same visit coded
# at another level (`wrvu reconcile-log`'s coded_differently). The office families are the statements',
# with the levels CMS deleted (99201 in 2021; 99241, 99251 in 2023) still priced for their dates.
EM_VISIT_FAMILIES = {
    "office_new": ("99201", *EM_FAMILIES["new"]),
    "office_established": EM_FAMILIES["established"],
    "hospital_initial": _code_range(99221, 99223),
    "hospital_subsequent": _code_range(99231, 99233),
    "hospital_same_day_discharge": _code_range(99234, 99236),
    "hospital_discharge": _code_range(99238, 99239),
    "office_consultation": _code_range(99241, 99245),
    "inpatient_consultation": _code_range(99251, 99255),
    "emergency": _code_range(99281, 99285),
    "critical_care": _code_range(99291, 99292),
    "nursing_facility_initial": _code_range(99304, 99306),
    "nursing_facility_subsequent": _code_range(99307, 99310),
    "home_new": _code_range(99341, 99345),
    "home_established": _code_range(99347, 99350),
}
EM_VISIT_FAMILY_OF = {code: family for family, codes in EM_VISIT_FAMILIES.items() for code in codes}


def code_family(code: str) -> str:
    """The E/M visit family of a (normalised) code; any other code is a family of its own (a first-four-
    characters guess would group unrelated services, such as 99490 care management with 99495)."""
    return EM_VISIT_FAMILY_OF.get(code, code)
