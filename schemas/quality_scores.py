"""`config/quality_scores.csv` (optional): each clinician's quality score for a plan year, which earns
back that share of a plan's quality withhold (docs/compensation.md)."""

from decimal import Decimal
from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from wrvu.schemas.config_csv import read_config_csv, validate_frame
from wrvu.schemas.errors import InputError

QUALITY_SCORE_COLUMNS = ("employee_id", "plan_year", "score")


class QualityScoreModel(pa.DataFrameModel):
    employee_id: str = pa.Field(str_length={"min_value": 1})
    plan_year: str = pa.Field(str_matches=r"^\d{4}$")
    score: str = pa.Field(str_matches=r"^(0(\.\d{1,4})?|1(\.0{1,4})?|\.\d{1,4})$")  # kept exact: 4 decimals

    @pa.dataframe_check(name="one_score_a_year")
    def _one_score_a_year(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.struct("employee_id", "plan_year").is_first_distinct())

    class Config:
        strict = False


REASONS = {
    "employee_id": "is missing",
    "plan_year": "is not a year such as 2026 (the calendar year in which the plan year starts)",
    "score": "is not a score from 0 to 1 with at most 4 decimals",
    "one_score_a_year": "a second score for the same employee and plan_year",
}


def load_quality_scores(path: Path, employees: set[str]) -> dict[tuple[str, int], Decimal]:
    """The scores by (employee_id, plan_year). A row for an employee on no roster row is an error
    naming the row: a score meant for someone else would silently pay nobody."""
    frame = validate_frame(QualityScoreModel, read_config_csv(path, QUALITY_SCORE_COLUMNS), path, "source_row", REASONS)
    for row in frame.iter_rows(named=True):
        if row["employee_id"] not in employees:
            raise InputError(path, row["source_row"], "employee_id", f"{row['employee_id']!r} is on no roster row")
    return {
        (row["employee_id"], int(row["plan_year"])): score
        for row, score in zip(frame.iter_rows(named=True), frame["score"].cast(pl.Decimal(6, 4)).to_list(), strict=True)
    }
