"""The NPI check digit, which the roster and the claim lines are validated against."""

import polars as pl

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
