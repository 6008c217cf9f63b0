"""Validating claim lines: every row is accepted (typed, patient id replaced by its keyed hash) or
quarantined with the first field that fails and why.

Vectorised and shaped for tens of millions of lines. NPIs, dates, codes, modifiers, units and
places of service repeat across a file, so each distinct value is trimmed, parsed and put through
the checks on that column once, and the results are gathered back to the rows by position. The
checks are AND-ed into one mask; which check failed, and why, is worked out only for the few rows
that fail."""

import hashlib
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from wrvu import sql
from wrvu.schemas.claim_line import MODIFIERS, ROW_FAULT_CHECK, AcceptedClaimLine, ClaimCheck, claim_checks
from wrvu.schemas.column_map import CANONICAL_COLUMNS
from wrvu.transforms.codes import normalised_code, normalised_modifier

ISO_DATE = "%Y-%m-%d"
SOURCE_WRVU = pl.Decimal(18, 4)
WHOLE_NUMBER = r"^[+-]?\d+(\.0*)?$"
FIRST_PLAUSIBLE_YEAR = 1900
SHA256_BLOCK = 64


@dataclass(frozen=True)
class ValidatedLines:
    accepted: pl.DataFrame
    quarantined: pl.DataFrame  # source_row, field, reason, raw_row, service_date, post_date


def _plausible_date(date_format: str):
    def parse(text: pl.Expr) -> pl.Expr:
        """The date, or null: `%Y` happily reads `1/5/24` as the year 24, which no claim is from."""
        parsed = text.str.to_date(date_format, strict=False)
        return pl.when(parsed.dt.year() >= FIRST_PLAUSIBLE_YEAR).then(parsed)

    return parse


def _whole_units(units: pl.Expr) -> pl.Expr:
    whole = units.str.replace(r"\.0*$", "").str.replace(r"^\+", "").cast(pl.Int64, strict=False)
    return pl.when(units.str.contains(WHOLE_NUMBER)).then(whole)


def _claim_status(text: pl.Expr, status_words: dict[str, str]) -> pl.Expr:
    """Lower case, the source's own words (a column map's claim_status_values) mapped to the statuses."""
    lower = text.str.to_lowercase()
    return lower.replace(status_words) if status_words else lower


def _place_of_service(place: pl.Expr) -> pl.Expr:
    return pl.when(place == "").then(pl.lit("")).otherwise(place.str.zfill(2))


def distinct_parsers(date_format: str, status_words: dict[str, str] | None = None) -> dict[str, tuple[str, object]]:
    """The columns of few distinct values: {column: (name of the parsed column, parse(trimmed text))}."""
    return {
        "claim_status": ("claim_status_parsed", lambda text: _claim_status(text, status_words or {})),
        "rendering_npi": ("rendering_npi_parsed", lambda npi: npi),
        "service_date": ("service_date_parsed", _plausible_date(date_format)),
        "post_date": ("post_date_parsed", _plausible_date(date_format)),
        "cpt_code": ("cpt_code_parsed", normalised_code),
        **{m: (f"{m}_parsed", normalised_modifier) for m in MODIFIERS},
        "units": ("units_parsed", _whole_units),
        "place_of_service": ("place_of_service_parsed", _place_of_service),
        "source_work_rvu": ("source_work_rvu_parsed", lambda text: text.cast(SOURCE_WRVU, strict=False)),
    }


def prepare(
    raw: pl.DataFrame,
    date_format: str,
    checks: list[ClaimCheck],
    *,
    with_text: bool = True,
    status_words: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """The parsed values the checks and the typed line need, and the expressions whose AND says a
    row passes every check. High-cardinality text comes trimmed ('' for missing); the trimmed text
    of the repeating columns only `with_text` (the reasons of failing rows quote it)."""
    columns = {"source_row": raw["source_row"]} | (
        {"row_fault": raw["row_fault"]} if "row_fault" in raw.columns else {}
    )
    parsers = distinct_parsers(date_format, status_words)
    passes, row_checks = [], list(checks)
    for column in CANONICAL_COLUMNS:
        values = (
            raw[column].cast(pl.String)
            if column in raw.columns
            else pl.repeat("", raw.height, dtype=pl.String, eager=True)
        ).fill_null("")
        if column not in parsers:
            columns[column] = values.str.strip_chars()
            continue
        parsed_name, parse = parsers[column]
        own = [c for c in row_checks if set(c.ok.meta.root_names()) <= {column, parsed_name}]
        row_checks = [c for c in row_checks if c not in own]
        distinct = values.unique()
        lookup = pl.DataFrame({column: distinct.str.strip_chars()}).with_columns(
            parse(pl.col(column)).alias(parsed_name)
        )
        lookup = lookup.with_columns(
            pl.all_horizontal(pl.lit(True), *[c.ok.fill_null(False) for c in own]).alias(f"{column}_ok")
        )
        wanted = [parsed_name] + ([column] if with_text else [])
        if not lookup[f"{column}_ok"].all():  # a clean column needs no mask
            wanted.append(f"{column}_ok")
            passes.append(pl.col(f"{column}_ok"))
        if lookup[parsed_name].dtype == pl.String and lookup[parsed_name].equals(distinct) and not with_text:
            columns[parsed_name] = values  # already in normal form: nothing to gather
            wanted.remove(parsed_name)
        if wanted:
            positions = values.cast(pl.Enum(distinct)).to_physical()
            columns |= {name: lookup[name].gather(positions) for name in wanted}
    return pl.DataFrame(columns), passes + [c.ok.fill_null(False) for c in row_checks]


def first_failed_check(checks: list[ClaimCheck]) -> pl.Expr:
    """The name of the first check a row fails, null where it passes them all."""
    first = pl.lit(None, pl.String)
    for check in reversed(checks):
        first = pl.when(~check.ok.fill_null(False)).then(pl.lit(check.name)).otherwise(first)
    return first


class PatientKeys:
    """The keyed hash of patient ids: HMAC-SHA256 with the workspace key, its first 8 bytes as a signed
    64-bit integer (compact to store and to group by; two of ten million patients share one with odds
    of about 3 in a million, and then only count as one encounter if they also share the clinician
    and the day). Computed once per distinct id by DuckDB's vectorised SHA-256, and remembered across
    the batches of a file (at most `remember` ids)."""

    def __init__(self, key: bytes, remember: int = 10_000_000):
        block = (hashlib.sha256(key).digest() if len(key) > SHA256_BLOCK else key).ljust(SHA256_BLOCK, b"\0")
        self._blocks = {"inner_block": bytes(b ^ 0x36 for b in block), "outer_block": bytes(b ^ 0x5C for b in block)}
        self._remember = remember
        self._known = pl.DataFrame(schema={"patient_id": pl.String, "patient_key": pl.Int64})

    def of(self, patient_ids: pl.Series) -> pl.DataFrame:
        """patient_id, patient_key for each distinct id."""
        distinct = patient_ids.unique().to_frame("patient_id")
        new = distinct.join(self._known, on="patient_id", how="anti")
        if self._known.height + new.height > self._remember:  # forget, and start again from this batch
            self._known, new = self._known.clear(), distinct
        if new.height:
            with duckdb.connect() as con:
                con.register("new_patient_ids", new)
                keyed = con.sql(sql.load("stage/patient_keys"), params=self._blocks).pl()
            self._known = pl.concat([self._known, keyed.with_columns(pl.col("patient_key").reinterpret(signed=True))])
        return distinct.join(self._known, on="patient_id", how="left")


def validate_claim_lines(
    raw: pl.DataFrame,
    *,
    date_format: str | None,
    today: date,
    patients: PatientKeys,
    status_words: dict[str, str] | None = None,
) -> ValidatedLines:
    fmt = date_format or ISO_DATE
    checks = ([ROW_FAULT_CHECK] if "row_fault" in raw.columns else []) + claim_checks(fmt, today)
    prepared, passes = prepare(raw, fmt, checks, with_text=False, status_words=status_words)
    passing = prepared.select(pl.all_horizontal(pl.lit(True), *passes)).to_series()
    keys = patients.of(prepared["patient_id"])
    typed = prepared.select(
        "source_row",
        "transaction_id",
        "claim_id",
        pl.col("rendering_npi_parsed").alias("rendering_npi"),
        pl.col("service_date_parsed").alias("service_date"),
        pl.col("post_date_parsed").alias("post_date"),
        pl.col("cpt_code_parsed").alias("cpt_code"),
        *[pl.col(f"{m}_parsed").alias(m) for m in MODIFIERS],
        pl.col("units_parsed").cast(pl.Int32, strict=False).alias("units"),  # out of range only where quarantined
        "patient_id",
        pl.col("place_of_service_parsed").alias("place_of_service"),
        "encounter_id",
        pl.col("source_work_rvu_parsed").alias("source_work_rvu"),
        pl.col("claim_status_parsed").alias("claim_status"),
        "performing_npi",
        pl.col("unit_basis").str.to_uppercase().alias("unit_basis"),
    )
    accepted = typed if passing.all() else typed.filter(passing)
    patient = accepted.select("patient_id").join(keys, on="patient_id", how="left", maintain_order="left")
    accepted = accepted.with_columns(patient["patient_key"]).select(*AcceptedClaimLine.to_schema().columns)
    failing = raw.filter(~passing)
    return ValidatedLines(AcceptedClaimLine.validate(accepted), _quarantined(failing, fmt, checks, keys, status_words))


def _quarantined(
    failing: pl.DataFrame,
    date_format: str,
    checks: list[ClaimCheck],
    keys: pl.DataFrame,
    status_words: dict[str, str] | None,
) -> pl.DataFrame:
    """The failing rows with the first check each fails, its field and reason, the raw row (patient
    id replaced by its key) and the dates where they parse, so a close can report those of its period."""
    prepared, _ = prepare(failing, date_format, checks, status_words=status_words)
    flagged = prepared.with_columns(first_failed_check(checks).alias("check")).join(
        keys, on="patient_id", how="left", maintain_order="left"
    )
    reason = pl.lit(None, pl.String)
    field = pl.lit(None, pl.String)
    for check in reversed(checks):
        reason = pl.when(pl.col("check") == check.name).then(check.reason).otherwise(reason)
        field = pl.when(pl.col("check") == check.name).then(pl.lit(check.field)).otherwise(field)
    raw_columns = [c for c in CANONICAL_COLUMNS if c != "patient_id"]
    return flagged.select(
        "source_row",
        field.alias("field"),
        reason.fill_null("invalid").alias("reason"),
        pl.struct(*raw_columns, "patient_key").struct.json_encode().alias("raw_row"),
        pl.col("service_date_parsed").alias("service_date"),
        pl.col("post_date_parsed").alias("post_date"),
    )
