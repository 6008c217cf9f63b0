"""The rows of `config/custom_rvus.csv`: work RVUs for codes CMS does not price, or overrides.

Rows are checked as text (codes already normalised) before anything is stored. A row is named by its
line in the file, counting comment lines, as an editor or a spreadsheet shows it.
"""

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.errors import SchemaErrors

from wrvu.schemas.errors import InputError
from wrvu.schemas.fee_schedule import DECIMAL_2

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
OPEN_END = pl.date(9999, 12, 31)


def _as_date(column: str) -> pl.Expr:
    return pl.col(column).str.to_date("%Y-%m-%d", strict=False)


class CustomRvuRow(pa.DataFrameModel):
    cpt_code: str = pa.Field(str_matches=r"^[A-Z0-9]{5}$")
    modifier: str = pa.Field(str_matches=r"^([A-Z0-9]{2})?$")
    work_rvu: str = pa.Field(str_matches=DECIMAL_2)
    effective_from: str = pa.Field(str_matches=ISO_DATE)
    effective_to: str = pa.Field(str_matches=ISO_DATE + "|^$")
    note: str
    source_row: pl.Int64

    @pa.check("effective_from", "effective_to", name="is_calendar_date")
    def _is_calendar_date(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col(data.key) == "") | _as_date(data.key).is_not_null())

    @pa.dataframe_check(name="ends_after_start")
    def _ends_after_start(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((_as_date("effective_to") >= _as_date("effective_from")).fill_null(True))

    class Config:
        strict = True


REASONS = {
    "cpt_code": "is not a 5-character CPT/HCPCS code",
    "modifier": "is not a modifier (two letters or digits, or blank)",
    "work_rvu": "is not a work RVU (a number with at most 2 decimals)",
    "effective_from": "is not a date (YYYY-MM-DD)",
    "effective_to": "is not a date (YYYY-MM-DD) or blank",
}


def validate_custom_rvus(frame: pl.DataFrame, path: str) -> pl.DataFrame:
    """The frame if every row is valid, else an InputError for the first bad row (file, row, field)."""
    try:
        CustomRvuRow.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null()).sort("index", "check_number")
        if cases.height == 0:
            raise InputError(path, None, None, str(exc).splitlines()[0]) from exc
        first = cases.row(0, named=True)
        row = frame["source_row"][int(first["index"])]
        if first["check"] == "ends_after_start":
            raise InputError(path, row, "effective_to", "is before effective_from") from exc
        raise InputError(path, row, first["column"], f"{first['failure_case']!r} {REASONS[first['column']]}") from exc
    _refuse_overlaps(frame, path)
    return frame


def _refuse_overlaps(frame: pl.DataFrame, path: str) -> None:
    """Two rows for one code and modifier may not cover the same date: which would win is unclear.
    Sorted by start, any overlap shows between neighbours."""
    by_start = frame.with_columns(
        _as_date("effective_from").alias("starts"), _as_date("effective_to").fill_null(OPEN_END).alias("ends")
    ).sort("cpt_code", "modifier", "starts", "source_row")
    key = ("cpt_code", "modifier")
    overlaps = by_start.with_columns(
        pl.col("ends").shift().over(key).alias("previous_ends"),
        pl.col("source_row").shift().over(key).alias("previous_row"),
    ).filter(pl.col("starts") <= pl.col("previous_ends"))
    if overlaps.height:
        first = overlaps.sort("source_row").row(0, named=True)
        modifier = f"-{first['modifier']}" if first["modifier"] else ""
        raise InputError(
            path,
            first["source_row"],
            "effective_from",
            f"{first['cpt_code']}{modifier} from {first['effective_from']} overlaps row {first['previous_row']} "
            "for the same code and modifier",
        )
