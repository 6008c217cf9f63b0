"""Claim extract layouts: the canonical columns of docs/contract.md and the column maps that rename others."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from wrvu.schemas.errors import WrvuError
from wrvu.schemas.workspace import read_yaml, validation_error

REQUIRED_COLUMNS = (
    "transaction_id",
    "claim_id",
    "rendering_npi",
    "service_date",
    "post_date",
    "cpt_code",
    "units",
    "patient_id",
)
OPTIONAL_COLUMNS = (
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "place_of_service",
    "encounter_id",
    "source_work_rvu",
    "claim_status",
    "performing_npi",
    "unit_basis",
)
CLAIM_STATUSES = ("paid", "denied", "pending", "adjusted")
CANONICAL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# a clinician's own log (`wrvu reconcile-log`) may name its modifiers in one column; extracts never read it
LOG_ONLY_COLUMNS = ("modifiers",)


class ColumnMap(BaseModel):
    """`config/column_maps/NAME.yaml`: canonical name -> header in the source file, and its date format;
    of a claim extract, or of a clinician's log (`wrvu reconcile-log --map NAME`)."""

    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str] = {}
    date_format: str | None = None
    # the source's words for a claim's status, e.g. {"DENIED - CO45": denied, "PD": paid} (any case)
    claim_status_values: dict[str, Literal["paid", "denied", "pending", "adjusted"]] = {}

    @field_validator("columns")
    @classmethod
    def _canonical_names(cls, columns: dict[str, str]) -> dict[str, str]:
        known = CANONICAL_COLUMNS + LOG_ONLY_COLUMNS
        unknown = sorted(set(columns) - set(known))
        if unknown:
            raise ValueError(f"not canonical column names: {', '.join(unknown)} (expected some of {', '.join(known)})")
        return columns

    def source_header(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    @property
    def status_words(self) -> dict[str, str]:
        """The source's status words, lower case, to the canonical statuses."""
        return {word.strip().lower(): status for word, status in self.claim_status_values.items()}


CANONICAL_LAYOUT = ColumnMap()


def load_column_map(config_dir: Path, name: str) -> ColumnMap:
    path = config_dir / "column_maps" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (config_dir / "column_maps").glob("*.yaml"))
        raise WrvuError(f"{path}: no column map named {name!r} (known: {', '.join(known) or 'none'})")
    try:
        return ColumnMap.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
