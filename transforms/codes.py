"""Normalising CPT/HCPCS codes and modifiers the same way in fee schedules, extracts and lookups."""

import polars as pl


def normalised_code(code: pl.Expr) -> pl.Expr:
    """Trimmed, upper-cased; an all-digit code a spreadsheet stripped of leading zeros padded to 5."""
    code = code.str.strip_chars().str.to_uppercase()
    return pl.when(code.str.contains(r"^\d{1,4}$")).then(code.str.zfill(5)).otherwise(code)


def normalised_modifier(modifier: pl.Expr) -> pl.Expr:
    return modifier.str.strip_chars().str.to_uppercase()


def normalise_code(code: str) -> str:
    return pl.select(normalised_code(pl.lit(code))).item()


def normalise_modifier(modifier: str | None) -> str:
    return pl.select(normalised_modifier(pl.lit(modifier or ""))).item()
