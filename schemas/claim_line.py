"""The canonical claim line (docs/contract.md) and the checks that send a row to quarantine.

Each check is a vectorised polars expression over the *prepared* frame (raw text trimmed, plus the
parsed `*_parsed` columns), with the field it blames and the reason it gives, so a rule and its
message live in one place (a check on one column of few distinct values is evaluated once per value,
see transforms/validate.py). The pandera model `AcceptedClaimLine` then
guards what is stored: every accepted line, typed.
"""

from dataclasses import dataclass
from datetime import date

import pandera.polars as pa
import polars as pl

from wrvu.schemas.column_map import CLAIM_STATUSES, REQUIRED_COLUMNS
from wrvu.schemas.npi import npi_check_digit_ok

FIELD_ORDER = (
    "transaction_id",
    "claim_id",
    "rendering_npi",
    "service_date",
    "post_date",
    "cpt_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "units",
    "patient_id",
    "place_of_service",
    "source_work_rvu",
    "claim_status",
    "performing_npi",
    "unit_basis",
)
REQUIRED_VALUES = REQUIRED_COLUMNS  # a required column may not be blank either
MODIFIERS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")
MAX_ABS_UNITS = 9999
CODE_PATTERN = r"^[A-Z0-9]{5}$"  # a CPT/HCPCS code, normalised
MODIFIER_PATTERN = r"^[A-Z0-9]{2}$"
# what a line's units count: service units, or anesthesia minutes (X12 SV103 MJ), which credit nothing
# (rule anesthesia_minutes; the minutes are kept as its units)
UNIT_BASES = ("UN", "MJ")


@dataclass(frozen=True)
class ClaimCheck:
    name: str
    field: str
    ok: pl.Expr  # true where the row passes (a value another check rejects passes here)
    reason: pl.Expr  # the sentence for a row that fails


def _quoted(column: str) -> pl.Expr:
    return pl.lit("'") + pl.col(column) + pl.lit("'")


def claim_checks(date_format: str, today: date) -> list[ClaimCheck]:
    """The checks in the order that decides which field a failing row is blamed on."""
    checks = [
        ClaimCheck(f"{field}_present", field, pl.col(field) != "", pl.lit("missing")) for field in REQUIRED_VALUES
    ]
    checks += [
        ClaimCheck(
            "npi_check_digit",
            "rendering_npi",
            npi_check_digit_ok(pl.col("rendering_npi")),
            _quoted("rendering_npi") + pl.lit(" is not a 10-digit NPI with a valid check digit"),
        ),
        ClaimCheck(
            "performing_npi_check_digit",
            "performing_npi",
            (pl.col("performing_npi") == "") | npi_check_digit_ok(pl.col("performing_npi")),
            _quoted("performing_npi") + pl.lit(" is not a 10-digit NPI with a valid check digit"),
        ),
        ClaimCheck(
            "service_date_parses",
            "service_date",
            pl.col("service_date_parsed").is_not_null(),
            _quoted("service_date") + pl.lit(f" is not a date in the format {date_format}"),
        ),
        ClaimCheck(
            "post_date_parses",
            "post_date",
            pl.col("post_date_parsed").is_not_null(),
            _quoted("post_date") + pl.lit(f" is not a date in the format {date_format}"),
        ),
        ClaimCheck(
            "service_date_not_future",
            "service_date",
            (pl.col("service_date_parsed") <= today).fill_null(True),
            pl.lit("service date ") + pl.col("service_date_parsed").cast(pl.String) + pl.lit(" is in the future"),
        ),
        ClaimCheck(
            "service_date_not_after_post_date",
            "service_date",
            (pl.col("service_date_parsed") <= pl.col("post_date_parsed")).fill_null(True),
            pl.lit("service date ")
            + pl.col("service_date_parsed").cast(pl.String)
            + pl.lit(" is after post date ")
            + pl.col("post_date_parsed").cast(pl.String),
        ),
        ClaimCheck(
            "cpt_code_is_a_code",
            "cpt_code",
            pl.col("cpt_code_parsed").str.contains(CODE_PATTERN),
            _quoted("cpt_code") + pl.lit(" is not a CPT/HCPCS code"),
        ),
        ClaimCheck(
            "units_whole_number",
            "units",
            pl.col("units_parsed").is_not_null(),
            _quoted("units") + pl.lit(" is not a whole number of units"),
        ),
        ClaimCheck(
            "units_plausible",
            "units",
            (pl.col("units_parsed").abs() <= MAX_ABS_UNITS).fill_null(True),
            _quoted("units") + pl.lit(f" is an implausible number of units (beyond +/-{MAX_ABS_UNITS})"),
        ),
        ClaimCheck(
            "source_work_rvu_number",
            "source_work_rvu",
            (pl.col("source_work_rvu") == "") | pl.col("source_work_rvu_parsed").is_not_null(),
            _quoted("source_work_rvu") + pl.lit(" is not a number of wRVUs"),
        ),
        ClaimCheck(
            "claim_status_known",
            "claim_status",
            pl.col("claim_status_parsed").is_in(["", *CLAIM_STATUSES]),
            _quoted("claim_status")
            + pl.lit(
                f" is not a claim status ({', '.join(CLAIM_STATUSES)}; a column map's claim_status_values maps others)"
            ),
        ),
        ClaimCheck(
            "unit_basis_known",
            "unit_basis",
            pl.col("unit_basis").str.to_uppercase().is_in(["", *UNIT_BASES]),
            _quoted("unit_basis") + pl.lit(f" is not a unit basis ({', '.join(UNIT_BASES)})"),
        ),
        ClaimCheck(
            "place_of_service_digits",
            "place_of_service",
            pl.col("place_of_service").str.contains(r"^\d{0,2}$"),
            _quoted("place_of_service") + pl.lit(" is not a place of service (1-2 digits)"),
        ),
    ]
    checks += [
        ClaimCheck(
            f"{m}_is_a_modifier",
            m,
            pl.col(f"{m}_parsed").str.contains(r"^([A-Z0-9]{2})?$"),
            _quoted(m) + pl.lit(" is not a modifier (two letters or digits)"),
        )
        for m in MODIFIERS
    ]
    return sorted(checks, key=lambda c: FIELD_ORDER.index(c.field))


# A row the reader could only cut to the header's columns (see transforms/extracts.py): blamed before
# any field, since its values may sit in the wrong columns.
ROW_FAULT_CHECK = ClaimCheck("row_whole", "row", pl.col("row_fault").is_null(), pl.col("row_fault"))


class AcceptedClaimLine(pa.DataFrameModel):
    """A claim line that passed every check, typed as the warehouse stores it."""

    source_row: pl.Int64
    transaction_id: str = pa.Field(str_length={"min_value": 1})
    claim_id: str = pa.Field(str_length={"min_value": 1})
    rendering_npi: str = pa.Field(str_matches=r"^\d{10}$")
    service_date: pl.Date
    post_date: pl.Date
    cpt_code: str = pa.Field(str_matches=CODE_PATTERN)
    modifier_1: str
    modifier_2: str
    modifier_3: str
    modifier_4: str
    units: pl.Int32 = pa.Field(in_range={"min_value": -MAX_ABS_UNITS, "max_value": MAX_ABS_UNITS})
    patient_key: pl.Int64
    place_of_service: str
    encounter_id: str
    source_work_rvu: pl.Decimal(18, 4) = pa.Field(nullable=True)  # the billing system's own figure, if given
    claim_status: str  # paid, denied, pending, adjusted; '' when the extract says nothing
    performing_npi: str = pa.Field(str_matches=r"^(\d{10})?$")  # who did the work, when not the rendering NPI
    unit_basis: str = pa.Field(isin=["", *UNIT_BASES])

    class Config:
        strict = True
        ordered = True
