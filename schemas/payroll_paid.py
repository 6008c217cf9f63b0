"""`config/payroll_paid.csv`: what payroll already paid, by employee and pay date."""

from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from wrvu.schemas.config_csv import read_config_csv, validate_frame
from wrvu.schemas.roster import iso_date

PAYROLL_COLUMNS = ("employee_id", "pay_date", "pay_type", "amount")
OPTIONAL_PAYROLL_COLUMNS = ("plan_id",)  # the plan a payment belongs to; else the plan in force on its date
PAY_TYPES = ("base", "draw", "incentive", "recovery")


class PayrollPaidModel(pa.DataFrameModel):
    employee_id: str = pa.Field(str_length={"min_value": 1})
    pay_date: str
    pay_type: str = pa.Field(isin=PAY_TYPES)
    amount: str = pa.Field(str_matches=r"^-?\d+(\.\d{1,2})?$")

    @pa.check("pay_date", name="iso_date")
    def _pay_date(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(iso_date(pl.col(data.key)).is_not_null())

    @pa.dataframe_check(name="recovery_is_negative")
    def _recovery_sign(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("pay_type") != "recovery") | pl.col("amount").str.starts_with("-"))

    class Config:
        strict = False


REASONS = {
    "employee_id": "is missing",
    "pay_date": "is not a date as YYYY-MM-DD",
    "pay_type": f"is not one of {', '.join(PAY_TYPES)}",
    "amount": "is not an amount such as 1250.00",
}


def load_payroll_paid(path: Path) -> pl.DataFrame:
    frame = validate_frame(
        PayrollPaidModel,
        read_config_csv(path, PAYROLL_COLUMNS, OPTIONAL_PAYROLL_COLUMNS),
        path,
        "source_row",
        REASONS | {"recovery_is_negative": "a recovery must be a negative amount"},
    )
    return frame.with_columns(iso_date(pl.col("pay_date")).alias("pay_date"), pl.col("amount").cast(pl.Decimal(14, 2)))
