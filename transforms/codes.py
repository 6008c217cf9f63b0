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


# The NPI check digit is the Luhn digit of the 9 leading digits prefixed with 80840, whose own
# contribution to the Luhn sum is always 24.
NPI_PREFIX_LUHN_SUM = 24


def npi_check_digit_ok(npi: pl.Expr) -> pl.Expr:
    """True where `npi` is 10 digits whose last is the NPI check digit (vectorised Luhn)."""
    digits = [npi.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(10)]
    total = pl.lit(NPI_PREFIX_LUHN_SUM)
    for i, digit in enumerate(digits[:9]):
        if (8 - i) % 2 == 0:  # from the right of the payload, every other digit is doubled
            doubled = digit * 2
            digit = pl.when(doubled > 9).then(doubled - 9).otherwise(doubled)
        total = total + digit
    return npi.str.contains(r"^\d{10}$") & (((10 - total % 10) % 10) == digits[9]).fill_null(False)
