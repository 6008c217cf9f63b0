"""The parsed PPRRVU row: text as CMS wrote it, checked before anything is stored."""

import pandera.polars as pa
import polars as pl

from wrvu.schemas.config_csv import validate_frame

DECIMAL_2 = r"^(\d{1,6}(\.\d{0,2})?|\.\d{1,2})$"
INDICATOR = r"^[A-Z0-9]?$"


class ScheduleRowModel(pa.DataFrameModel):
    cpt_code: str = pa.Field(str_matches=r"^[A-Z0-9]{5}$")
    modifier: str = pa.Field(str_matches=r"^[A-Z0-9]{0,2}$")
    status: str = pa.Field(str_matches=r"^[A-Z]$")
    work_rvu: str = pa.Field(str_matches=DECIMAL_2)
    pctc_ind: str = pa.Field(str_matches=INDICATOR)
    pre_op: str = pa.Field(str_matches=DECIMAL_2 + "|^$")
    intra_op: str = pa.Field(str_matches=DECIMAL_2 + "|^$")
    post_op: str = pa.Field(str_matches=DECIMAL_2 + "|^$")
    mult_proc: str = pa.Field(str_matches=INDICATOR)
    bilat_surg: str = pa.Field(str_matches=INDICATOR)
    asst_surg: str = pa.Field(str_matches=INDICATOR)
    co_surg: str = pa.Field(str_matches=INDICATOR)
    team_surg: str = pa.Field(str_matches=INDICATOR)
    conv_factor: str = pa.Field(nullable=True, str_matches=r"^(\d{1,4}(\.\d{0,4})?)?$")
    source_line: pl.Int32

    class Config:
        strict = False


REASONS = {
    "cpt_code": "is not a 5-character HCPCS code",
    "modifier": "is not a modifier",
    "status": "is not a status code",
    "work_rvu": "is not a number with at most 2 decimals",
    "conv_factor": "is not a conversion factor",
    "pre_op": "is not a number with at most 2 decimals",
    "intra_op": "is not a number with at most 2 decimals",
    "post_op": "is not a number with at most 2 decimals",
}


def validate_schedule_rows(frame: pl.DataFrame, source_name: str, labels: dict[str, str]) -> pl.DataFrame:
    """The frame if every row is valid, else an InputError for the first bad row (file, line, field),
    the field named by its label in the file (`labels`: column name -> CMS header label)."""
    reasons = {c: "is not a valid indicator" for c in labels} | REASONS
    return validate_frame(ScheduleRowModel, frame, source_name, "source_line", reasons, labels)
