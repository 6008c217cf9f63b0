"""Office E/M visit levels and `config/em_reference.csv` (optional): a specialty's expected share of
each office E/M code (from a published distribution or the group's own), against which the
productivity report reads a clinician's level mix. Shares sum to 1 per specialty, over both families
or over the one family it lists."""

from decimal import Decimal
from pathlib import Path

import pandera.polars as pa
import polars as pl

from wrvu.schemas.config_csv import read_config_csv, validate_frame
from wrvu.schemas.errors import InputError

# Office and outpatient visits, new and established patients; the level is the code's last digit.
# 99201 was deleted in 2021 and is not read as a level.
EM_FAMILIES = {
    "new": ("99202", "99203", "99204", "99205"),
    "established": ("99211", "99212", "99213", "99214", "99215"),
}
EM_CODES = tuple(code for codes in EM_FAMILIES.values() for code in codes)
EM_FAMILY_OF = {code: family for family, codes in EM_FAMILIES.items() for code in codes}
EM_REFERENCE_COLUMNS = ("specialty", "code", "share")
SHARE_SUM_TOLERANCE = Decimal("0.01")


def em_level(code: str) -> int:
    return int(code[-1])


class EmReferenceModel(pa.DataFrameModel):
    specialty: str = pa.Field(str_length={"min_value": 1})
    code: str = pa.Field(isin=list(EM_CODES))
    share: str = pa.Field(str_matches=r"^(0(\.\d+)?|1(\.0+)?|\.\d+)$")

    class Config:
        strict = False
        unique = ("specialty", "code")


def load_em_reference(path: Path) -> pl.DataFrame:
    """The reference shares (specialty, code, share as Decimal); no file, no rows. A specialty whose
    shares do not sum to 1 (within 0.01) is an error naming it."""
    reasons = {
        "code": f"is not an office E/M code ({', '.join(EM_CODES)})",
        "share": "is not a share between 0 and 1",
        "specialty": "is missing",
        "multiple_fields_uniqueness": "lists the same specialty and code twice",
    }
    frame = validate_frame(EmReferenceModel, read_config_csv(path, EM_REFERENCE_COLUMNS), path, "source_row", reasons)
    frame = frame.with_columns(pl.col("share").cast(pl.Decimal(12, 6)))
    for specialty, total in frame.group_by("specialty", maintain_order=True).agg(pl.col("share").sum()).iter_rows():
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            raise InputError(
                path, None, "share", f"the shares of specialty {specialty!r} sum to {total.normalize()}, not 1"
            )
    return frame
