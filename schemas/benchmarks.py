"""`config/benchmarks.csv` (optional): annual wRVU percentiles at 1.0 FTE by specialty."""

from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from wrvu.schemas.config_csv import read_config_csv, validate_frame

PERCENTILES = ("p25", "p50", "p75", "p90")
BENCHMARK_COLUMNS = ("specialty", *PERCENTILES)
NUMBER = r"^\d+(\.\d+)?$"


class BenchmarkModel(pa.DataFrameModel):
    specialty: str = pa.Field(str_length={"min_value": 1}, unique=True)
    p25: str = pa.Field(str_matches=NUMBER)
    p50: str = pa.Field(str_matches=NUMBER)
    p75: str = pa.Field(str_matches=NUMBER)
    p90: str = pa.Field(str_matches=NUMBER)

    @pa.dataframe_check(name="percentiles_ascending")
    def _ascending(cls, data: PolarsData) -> pl.LazyFrame:
        values = [pl.col(p).cast(pl.Float64, strict=False) for p in PERCENTILES]
        return data.lazyframe.select((values[0] <= values[1]) & (values[1] <= values[2]) & (values[2] <= values[3]))

    class Config:
        strict = False


def load_benchmarks(path: Path) -> pl.DataFrame:
    reasons = {p: "is not a number of wRVUs" for p in PERCENTILES} | {
        "specialty": "is missing or listed twice",
        "percentiles_ascending": "percentiles must ascend: p25 <= p50 <= p75 <= p90",
    }
    frame = validate_frame(BenchmarkModel, read_config_csv(path, BENCHMARK_COLUMNS), path, "source_row", reasons)
    return frame.with_columns(pl.col(p).cast(pl.Decimal(12, 2)) for p in PERCENTILES)
