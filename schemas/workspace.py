"""The workspace settings file, `wrvu.yaml`, and the folders it names."""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wrvu.schemas.errors import InputError, WrvuError

WORKSPACE_FILE = "wrvu.yaml"
PATIENT_KEY_FILE = "patient_hash.key"


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cron: str = "0 2 * * *"
    timezone: str | None = None


class PathSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inbox: str = "inbox"
    out: str = "out"
    config: str = "config"
    warehouse: str = "warehouse.duckdb"


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # an ingest exits 3 (its Prefect run Failed) when more than this % of a file's rows are quarantined
    quarantine_pct: Decimal = Field(default=Decimal(20), ge=0, le=100)


class EarningCodes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pay: str = Field(default="PRODINC", min_length=1)
    recover: str = Field(default="PRODREC", min_length=1)


class PayrollSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # the earning codes of payroll.csv: what the payroll system books a pay and a recovery under
    earning_codes: EarningCodes = EarningCodes()


class ReportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # a clinician's E/M mean level this far below the reference (or peers) with enough visits is flagged
    em_flag_levels: Decimal = Field(default=Decimal("0.3"), ge=0)
    em_min_visits: int = Field(default=50, ge=1)
    # the months of the productivity report's trend, ending with the close's last month
    trend_months: int = Field(default=24, ge=1, le=120)


class WorkspaceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period_basis: Literal["service_date", "post_date"] = "service_date"
    serve: ServeSettings = ServeSettings()
    paths: PathSettings = PathSettings()
    column_maps: dict[str, str] = {}
    alerts: AlertSettings = AlertSettings()
    payroll: PayrollSettings = PayrollSettings()
    reports: ReportSettings = ReportSettings()


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: WorkspaceSettings

    @property
    def inbox(self) -> Path:
        return self.root / self.settings.paths.inbox

    @property
    def out(self) -> Path:
        return self.root / self.settings.paths.out

    @property
    def config(self) -> Path:
        return self.root / self.settings.paths.config

    @property
    def warehouse(self) -> Path:
        return self.root / self.settings.paths.warehouse

    @property
    def patient_key(self) -> Path:
        return self.root / PATIENT_KEY_FILE


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without its implicit dates: `2021-13-31` stays text, for the model to refuse naming its field
    (PyYAML would fail on it while reading, naming nothing)."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> dict:
    """A YAML mapping; an empty or all-comment file is an empty mapping. Dates are read as text and
    parsed by the models, so that an impossible one is an error naming its field."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, mark.line + 1 if mark else None, None, f"not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, 1, None, "expected a mapping of settings")
    return data


def validation_error(path: Path, exc: ValidationError) -> InputError:
    """The first pydantic error as one line naming the file and the dotted field."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    return InputError(path, None, field, f"{first['msg']} (got {first.get('input')!r})")


def load_workspace(root: Path) -> Workspace:
    path = root / WORKSPACE_FILE
    if not path.is_file():
        raise WrvuError(f"{root}: not a wrvu workspace (no {WORKSPACE_FILE}); create one with `wrvu init {root}`")
    try:
        settings = WorkspaceSettings.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    return Workspace(root.resolve(), settings)
