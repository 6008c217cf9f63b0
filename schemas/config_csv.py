"""Reading the CSV config files (roster, payroll paid, benchmarks, custom RVUs) and turning pandera
failures into one-line errors that name the file, the row and the field."""

import csv
from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from wrvu.schemas.errors import InputError


def read_config_csv(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pl.DataFrame:
    """The rows of a config CSV as text, with `source_row` = the file's line number. Lines starting
    with `#` are comments; an absent file has no rows; an `optional` column the header lacks is blank."""
    columns = columns + optional
    if not path.is_file():
        return pl.DataFrame(
            {**{c: [] for c in columns}, "source_row": []},
            schema={**dict.fromkeys(columns, pl.String), "source_row": pl.Int64},
        )
    header, rows, lines = None, [], []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(line for line in f if not line.lstrip().startswith("#"))
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lower() for c in cells]
                missing = [c for c in columns if c not in header and c not in optional]
                if missing:
                    raise InputError(
                        path, None, None, f"missing columns: {', '.join(missing)}; header found: {', '.join(cells)}"
                    )
                continue
            rows.append(
                [
                    cells[header.index(c)].strip() if c in header and header.index(c) < len(cells) else ""
                    for c in columns
                ]
            )
            lines.append(reader.line_num)
    physical = _physical_lines(path)
    return pl.DataFrame(
        {**{c: [r[i] for r in rows] for i, c in enumerate(columns)}, "source_row": [physical[n - 1] for n in lines]},
        schema={**dict.fromkeys(columns, pl.String), "source_row": pl.Int64},
    )


def _physical_lines(path: Path) -> list[int]:
    """Line numbers in the file of the lines the reader saw (comments removed)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [n for n, line in enumerate(f, start=1) if not line.lstrip().startswith("#")]


def validate_frame(
    model: type[pa.DataFrameModel],
    frame: pl.DataFrame,
    path: Path | str,
    row_column: str,
    reasons: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> pl.DataFrame:
    """The validated frame, or an InputError for the first failing row: file, row, field, value, reason."""
    try:
        return model.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null()).sort("index")
        if cases.height == 0:
            raise InputError(path, None, None, str(exc).strip().splitlines()[0]) from exc
        first = cases.row(0, named=True)
        row = frame[row_column][int(first["index"])]
        column = first["column"] if first["column"] in frame.columns else None
        reason = (reasons or {}).get(column or first["check"]) or f"fails {first['check']}"
        if column is None:  # a check across columns: the reason says what is wrong with the row
            raise InputError(path, row, None, reason) from exc
        raise InputError(path, row, (labels or {}).get(column, column), f"{first['failure_case']!r} {reason}") from exc
