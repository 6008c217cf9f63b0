"""Validating claim lines: every row is accepted (typed, patient id replaced by its keyed hash) or
quarantined with the first field that fails and why. Vectorised over the collected frame."""

import hashlib
from dataclasses import dataclass
from datetime import date

import polars as pl

from schemas.claim_line import MODIFIERS, AcceptedClaimLine, ClaimCheck, claim_checks
from schemas.column_map import CANONICAL_COLUMNS
from transforms.codes import normalised_code, normalised_modifier, npi_check_digit_ok

ISO_DATE = "%Y-%m-%d"
WHOLE_NUMBER = r"^[+-]?\d+(\.0*)?$"
FIRST_PLAUSIBLE_YEAR = 1900
SHA256_BLOCK = 64


@dataclass(frozen=True)
class ValidatedLines:
    accepted: pl.DataFrame
    quarantined: pl.DataFrame  # source_row, field, reason, raw_row


def prepare(raw: pl.DataFrame, date_format: str) -> pl.DataFrame:
    """Raw text trimmed ('' for missing), with the parsed values the checks and the typed line need.
    NPIs and dates repeat across millions of lines: each distinct value is checked or parsed once."""
    text = [
        (pl.col(c) if c in raw.columns else pl.lit(None, pl.String)).cast(pl.String).str.strip_chars().fill_null("").alias(c)
        for c in CANONICAL_COLUMNS
    ]
    units = pl.col("units")
    frame = raw.select("source_row", *text).with_columns(
        normalised_code(pl.col("cpt_code")).alias("cpt_code_parsed"),
        *[normalised_modifier(pl.col(m)).alias(f"{m}_parsed") for m in MODIFIERS],
        pl.when(units.str.contains(WHOLE_NUMBER))
        .then(units.str.replace(r"\.0*$", "").str.replace(r"^\+", "").cast(pl.Int64, strict=False))
        .alias("units_parsed"),
    )
    derived = [
        ("rendering_npi", npi_check_digit_ok(pl.col("rendering_npi")).alias("rendering_npi_valid")),
        ("service_date", _plausible_date(pl.col("service_date"), date_format).alias("service_date_parsed")),
        ("post_date", _plausible_date(pl.col("post_date"), date_format).alias("post_date_parsed")),
    ]
    for column, expression in derived:
        distinct = frame.select(pl.col(column).unique()).with_columns(expression)
        frame = frame.join(distinct, on=column, how="left", maintain_order="left")
    return frame


def _plausible_date(text: pl.Expr, date_format: str) -> pl.Expr:
    """The date, or null: `%Y` happily reads `1/5/24` as the year 24, which no claim is from."""
    parsed = text.str.to_date(date_format, strict=False)
    return pl.when(parsed.dt.year() >= FIRST_PLAUSIBLE_YEAR).then(parsed)


def first_failed_check(checks: list[ClaimCheck]) -> pl.Expr:
    """The name of the first check a row fails, null where it passes them all: one vectorised pass."""
    first = pl.lit(None, pl.String)
    for check in reversed(checks):
        first = pl.when(~check.ok.fill_null(False)).then(pl.lit(check.name)).otherwise(first)
    return first


def patient_hashes(patient_ids: pl.Series, key: bytes) -> pl.DataFrame:
    """HMAC-SHA256 of each distinct patient id: far fewer patients than lines. The keyed inner and
    outer states are computed once and copied per id (what `hmac` does, without its per-call setup)."""
    distinct = patient_ids.unique().to_list()
    block = (hashlib.sha256(key).digest() if len(key) > SHA256_BLOCK else key).ljust(SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))  # RFC 2104 padded key states
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def digest(pid: str) -> str:
        message = inner.copy()
        message.update(pid.encode("utf-8"))
        result = outer.copy()
        result.update(message.digest())
        return result.hexdigest()

    digests = [digest(pid) for pid in distinct]
    return pl.DataFrame({"patient_id": distinct, "patient_hash": digests}, schema={"patient_id": pl.String, "patient_hash": pl.String})


def validate_claim_lines(raw: pl.DataFrame, *, date_format: str | None, today: date, patient_key: bytes) -> ValidatedLines:
    fmt = date_format or ISO_DATE
    checks = claim_checks(fmt, today)
    prepared = prepare(raw, fmt)
    flagged = prepared.with_columns(first_failed_check(checks).alias("check")).join(
        patient_hashes(prepared["patient_id"], patient_key), on="patient_id", how="left", maintain_order="left"
    )

    reason = pl.lit(None, pl.String)
    field = pl.lit(None, pl.String)
    for check in reversed(checks):
        reason = pl.when(pl.col("check") == check.name).then(check.reason).otherwise(reason)
        field = pl.when(pl.col("check") == check.name).then(pl.lit(check.field)).otherwise(field)
    raw_columns = [c for c in CANONICAL_COLUMNS if c != "patient_id"]
    quarantined = flagged.filter(pl.col("check").is_not_null()).select(
        "source_row",
        field.alias("field"),
        reason.fill_null("invalid").alias("reason"),
        pl.struct(*raw_columns, "patient_hash").struct.json_encode().alias("raw_row"),
    )
    accepted = flagged.filter(pl.col("check").is_null()).select(
        "source_row",
        "transaction_id",
        "claim_id",
        "rendering_npi",
        pl.col("service_date_parsed").alias("service_date"),
        pl.col("post_date_parsed").alias("post_date"),
        pl.col("cpt_code_parsed").alias("cpt_code"),
        *[pl.col(f"{m}_parsed").alias(m) for m in MODIFIERS],
        pl.col("units_parsed").cast(pl.Int32).alias("units"),
        "patient_hash",
        pl.when(pl.col("place_of_service") == "").then(pl.lit("")).otherwise(pl.col("place_of_service").str.zfill(2))
        .alias("place_of_service"),
        "encounter_id",
    )
    return ValidatedLines(AcceptedClaimLine.validate(accepted), quarantined)

