"""Text cells a spreadsheet will not run as formulas: wrvu's CSVs are opened in Excel, and their
text comes from billing extracts anyone can type into (`=HYPERLINK(...)` as a claim id)."""

import re

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = "^[" + "".join(re.escape(p) for p in FORMULA_PREFIXES) + "]"


def safe_text(value: str) -> str:
    """The cell, prefixed with `'` where a spreadsheet would read a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of the frame as `safe_text` would write it."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )
