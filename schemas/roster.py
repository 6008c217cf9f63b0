"""`config/roster.csv`: who is paid under which plan, when, at what FTE."""

from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from wrvu.schemas.config_csv import read_config_csv, validate_frame
from wrvu.schemas.errors import InputError
from wrvu.schemas.npi import npi_check_digit_ok

ROSTER_COLUMNS = (
    "npi",
    "employee_id",
    "provider_name",
    "specialty",
    "plan_id",
    "fte",
    "effective_from",
    "effective_to",
)
ISO_DATE = "%Y-%m-%d"


def iso_date(column: pl.Expr) -> pl.Expr:
    return column.str.to_date(ISO_DATE, strict=False)


class RosterModel(pa.DataFrameModel):
    npi: str
    employee_id: str = pa.Field(str_length={"min_value": 1})
    plan_id: str = pa.Field(str_length={"min_value": 1})
    fte: str = pa.Field(str_matches=r"^(0(\.\d{1,4})?|1(\.0{1,4})?|\.\d{1,4})$")
    effective_from: str
    effective_to: str

    @pa.check("npi", name="npi_check_digit")
    def _npi(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(npi_check_digit_ok(pl.col(data.key)))

    @pa.check("effective_from", name="iso_date")
    def _from(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(iso_date(pl.col(data.key)).is_not_null())

    @pa.check("effective_to", name="iso_date_or_blank")
    def _to(cls, data: PolarsData) -> pl.LazyFrame:
        column = pl.col(data.key)
        return data.lazyframe.select((column == "") | iso_date(column).is_not_null())

    class Config:
        strict = False


REASONS = {
    "npi": "is not a 10-digit NPI with a valid check digit",
    "employee_id": "is missing",
    "plan_id": "is missing",
    "fte": "is not an FTE between 0 and 1",
    "effective_from": "is not a date as YYYY-MM-DD",
    "effective_to": "is not a date as YYYY-MM-DD (or blank while current)",
}


def load_roster(path: Path, plan_ids: set[str]) -> pl.DataFrame:
    """The roster, typed; raises InputError naming the file, row and field of the first problem:
    a bad value, an unknown plan, an end before its start, or two rows of one NPI that overlap."""
    frame = validate_frame(RosterModel, read_config_csv(path, ROSTER_COLUMNS), path, "source_row", REASONS)
    roster = frame.with_columns(
        pl.col("fte").cast(pl.Decimal(5, 4)),
        iso_date(pl.col("effective_from")).alias("effective_from"),
        iso_date(pl.col("effective_to")).alias("effective_to"),
    )
    for row in roster.filter(~pl.col("plan_id").is_in(sorted(plan_ids))).head(1).iter_rows(named=True):
        raise InputError(
            path,
            row["source_row"],
            "plan_id",
            f"{row['plan_id']!r} is not a plan in plans.yaml (plans: {', '.join(sorted(plan_ids)) or 'none'})",
        )
    for row in roster.filter(pl.col("effective_to") < pl.col("effective_from")).head(1).iter_rows(named=True):
        raise InputError(
            path,
            row["source_row"],
            "effective_to",
            f"{row['effective_to']} is before effective_from {row['effective_from']}",
        )
    overlapping = (
        roster.sort("npi", "effective_from")
        .with_columns(
            previous_to=pl.col("effective_to").shift(1).over("npi"),
            previous_open=pl.col("effective_to").shift(1).over("npi").is_null()
            & (pl.int_range(pl.len()).over("npi") > 0),
            previous_row=pl.col("source_row").shift(1).over("npi"),
        )
        .filter(pl.col("previous_open") | (pl.col("effective_from") <= pl.col("previous_to")))
    )
    for row in overlapping.head(1).iter_rows(named=True):
        raise InputError(
            path,
            row["source_row"],
            "effective_from",
            f"NPI {row['npi']} overlaps its row {row['previous_row']}: one NPI can be on one roster row per day",
        )
    return roster


def in_force_between(start, end) -> pl.Expr:
    """The roster rows in force on some day from `start` to `end` (dates inclusive, an open end open)."""
    return (pl.col("effective_from") <= end) & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= start))
