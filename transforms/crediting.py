"""Crediting claim lines with work RVUs (docs/crediting.md), as set-based SQL over the warehouse.

A line's credit depends on its units and its *credit key*: date of service, the release a plan pins
('' for none), code and modifiers. Millions of lines share a few thousand keys, so lines are priced
by key: `price_new_keys` adds the keys of a table of lines to `credit_keys`, each priced in two
statements (`sql/credit/priced_keys.sql`, then `sql/credit/credited_keys.sql`); `reprice_keys`
prices every stored key again when the schedule, policy or custom RVUs change. A line stores its
key; its factor, credited wRVUs and rule follow from the key, its units and, with
`multiple_procedure: cms`, its rank among its provider's procedures for the patient and day
(`rank_multiple_procedures`), by the macros `line_factor`, `line_credited_wrvu` and `line_rule`.
Policy values reach the SQL as small registered tables and `$named` parameters, table names as
quoted identifiers.

Each credited line records the release that governs it and a `rule`: the row rule, then `+` and each
modifier rule that applied, in modifier order (e.g. `cms+asst_80`, `cms_26+bilateral_1.5`).

Row rules (which row priced the line):
- `cms`: the plain CMS row (also for 53 when the code has no 53 row);
- `cms_26`, `cms_tc`, `cms_53`: the code's 26, TC or 53 row;
- `cms_26_plain`: 26 on a professional-only code (PCTC 2), priced from its plain row;
  `cms_tc_plain`: TC on a technical-only code (PCTC 3), likewise;
- `custom`: a row of config/custom_rvus.csv covering the date (it wins over CMS);
- `unpriced_status`: the row's status is not credited by the policy: credits 0;
- held, credit 0, no row: `no_schedule` (no loaded release governs the date, or the pinned release is
  not loaded), `unknown_code` (the code is neither in the governing release nor in a custom row),
  `invalid_modifier` (26 or TC on a code without that row that is not PCTC 2 or 3, or 26 and TC together).

Modifier rules, defined once in schemas/crediting.py MODIFIER_RULES (their factors are policy values, but for
the shares of the row):
- `bilateral_<factor>` (50, by the row's BILAT SURG indicator, e.g. `bilateral_1.5`);
- `cosurgeon_62`, `asst_80`/`asst_81`/`asst_82`/`asst_AS`, `team_66`, `review_22`, `review_52`;
- `share_54` (PRE + INTRA OP share), `share_55` (POST), `share_56` (PRE), `share_78` (INTRA);
- `factor_<modifier>`: any other modifier the policy gives a factor;
- `multiple_1.0` / `multiple_0.5`: the multiple-procedure rank, with `multiple_procedure: cms` only.
Modifiers 26, TC and 53 choose the row (26, then TC, then 53 when a line has several); 51 and every
other modifier are informational (1.0, no rule); a modifier repeated on a line applies once. A custom
value takes the indicators (BILAT SURG, shares, MULT PROC) of the code's CMS row when there is one.
With `multiple_procedure: cms`, a procedure is a code and its schedule row: per provider, patient and
date of service, the MULT PROC 2 procedures with net positive units rank by work RVU, the first at
1.0 and all others (and procedures voided to no units) at 0.5, so that a void always nets its charge.

Flags (comma-separated, alphabetical): `bilateral_not_allowed` (50 on BILAT SURG 0, 9 or none),
`review` (22, 52, or a 54/55/56/78 share missing), `team_surgery_review` (66).

`credited_wrvu` = cms_work_rvu x factor x units, rounded half away from zero to 4 decimals; for held
and `unpriced_status` lines it is 0 (held lines have no cms_work_rvu, factor or source_line).
"""

import csv
import io
from pathlib import Path

import duckdb
import polars as pl

from wrvu import sql
from wrvu.schemas.crediting import BILATERAL_ALLOWED, CreditingPolicy
from wrvu.schemas.custom_rvus import validate_custom_rvus
from wrvu.transforms.codes import normalised_code, normalised_modifier
from wrvu.transforms.errors import InputError, WrvuError
from wrvu.transforms.warehouse import fetch_dicts

CUSTOM_RVU_COLUMNS = ("cpt_code", "modifier", "work_rvu", "effective_from", "effective_to", "note")
REQUIRED_CUSTOM_RVU_COLUMNS = ("cpt_code", "work_rvu", "effective_from")
FACTOR = pl.Decimal(18, 8)


def price_new_keys(con: duckdb.DuckDBPyConnection, lines_table: str, policy: CreditingPolicy) -> None:
    """Add the credit keys of `lines_table` (columns service_date, pinned_release, cpt_code,
    modifier_1..4, codes and modifiers normalised, '' for none) that `credit_keys` lacks, priced."""
    con.execute(sql.load_with_tables("credit/new_keys", lines_table=lines_table))
    price_keys(con, "credit_new_keys", policy)
    con.execute(sql.load_with_tables("credit/insert_credit_keys", keys_table="credit_new_keys"))


def reprice_keys(con: duckdb.DuckDBPyConnection, policy: CreditingPolicy) -> None:
    """Price every stored credit key again, keeping its number (its lines keep pointing at it)."""
    con.execute(sql.load("credit/stored_keys"), {"held_only": False})
    price_keys(con, "credit_stored_keys", policy)
    con.execute(sql.load("credit/delete_credit_keys"))
    con.execute(sql.load_with_tables("credit/insert_credit_keys", keys_table="credit_stored_keys"))


def held_lines_repriced(
    con: duckdb.DuckDBPyConnection, policy: CreditingPolicy, releases: list[str] | None = None
) -> list[dict]:
    """Current lines credited 0, by held reason, and how many of them pricing their keys again now
    would credit (from one of `releases`; None: from any): the next ingest re-credits those. Only
    temporary tables are written: a read-only connection will do."""
    con.execute(sql.load("credit/stored_keys"), {"held_only": True})
    price_keys(con, "credit_stored_keys", policy)
    return fetch_dicts(con, "credit/held_lines_repriced", {"releases": releases})


def repriced_months(
    con: duckdb.DuckDBPyConnection, policy: CreditingPolicy, release: str, first_month: str, last_month: str
) -> list[dict]:
    """Per month (YYYY-MM) from `first_month` to `last_month` with lines: the wRVUs credited and the
    same lines priced on `release` by the same rules (a like-for-like trend across schedule changes).
    Only temporary tables are written."""
    months = {"first_month": first_month, "last_month": last_month, "release": release}
    con.execute(sql.load("report/trend_keys"), months)
    price_pinned_keys(con, "report_trend_keys", policy)
    return fetch_dicts(con, "report/trend_months", months)


def price_pinned_keys(con: duckdb.DuckDBPyConnection, lines_table: str, policy: CreditingPolicy) -> None:
    """Price lines on another release than they are credited from: for each distinct `credit_key` and
    `pinned_release` of `lines_table` ('' for the release of the date of service, which the policy's
    own schedule_basis still overrides, as for any line), create the temporary tables
    `credit_pinned_keys` (the stored key copied with that pin, numbered anew as `credit_key`, the stored
    number as `stored_key`) and `credit_key_prices` (their prices, by the new number). A line's price is
    then that of its stored key and pinned release. Only temporary tables are written: a read-only
    connection will do."""
    con.execute(sql.load_with_tables("credit/pinned_keys", lines_table=lines_table))
    price_keys(con, "credit_pinned_keys", policy)


def price_keys(con: duckdb.DuckDBPyConnection, keys_table: str, policy: CreditingPolicy) -> None:
    """Create the temporary table `credit_key_prices`, one price per key of `keys_table` (credit_key,
    service_date, pinned_release, cpt_code, modifier_1..4; codes and modifiers normalised)."""
    pinned = policy.pinned_release
    if pinned and not con.execute(sql.load("credit/release_is_loaded"), {"release": pinned}).fetchall()[0][0]:
        raise WrvuError(
            f"the crediting policy prices every line from release {pinned} (schedule_basis), which is not loaded; "
            "load it with `wrvu schedule load`"
        )
    tables = _policy_tables(policy)
    for name, frame in tables.items():
        con.register(name, frame)
    try:
        con.execute(sql.load_with_tables("credit/priced_keys", keys_table=keys_table), {"schedule_pin": pinned})
        con.execute(sql.load("credit/credited_keys"))
        con.execute(sql.load("credit/drop_priced_keys"))
    finally:
        for name in tables:
            con.unregister(name)


def rank_multiple_procedures(con: duckdb.DuckDBPyConnection, lines_table: str, multiple_procedure: str) -> None:
    """Create the temporary table `credit_multiple_factors` (version_id, multiple_factor) for the lines
    of `lines_table` (version_id, npi, patient_key, service_date, cpt_code, units, credit_key) that
    rank as multiple procedures, against the other lines of that table only (none with
    `multiple_procedure: none`)."""
    con.execute(
        sql.load_with_tables("credit/multiple_factors", lines_table=lines_table),
        {"multiple_procedure": multiple_procedure},
    )


def _policy_tables(policy: CreditingPolicy) -> dict[str, pl.DataFrame]:
    statuses = [(s, False) for s in policy.credited_statuses] + [(s, True) for s in policy.credited_if_work_rvu]
    return {
        "crediting_status_policy": pl.DataFrame(
            statuses, schema={"status": pl.String, "requires_work_rvu": pl.Boolean}, orient="row"
        ),
        "crediting_modifier_rules": pl.DataFrame(
            policy.modifier_rules,
            schema={
                "modifier": pl.String,
                "reads": pl.String,
                "rule": pl.String,
                "factor": FACTOR,
                "flag": pl.String,
                "flag_when": pl.String,
            },
            orient="row",
        ),
        "crediting_bilateral_factors": pl.DataFrame(
            {
                "indicator": list(policy.bilateral_factors),
                "factor": list(policy.bilateral_factors.values()),
                "is_allowed": [indicator in BILATERAL_ALLOWED for indicator in policy.bilateral_factors],
            },
            schema={"indicator": pl.String, "factor": FACTOR, "is_allowed": pl.Boolean},
        ),
    }


def load_custom_rvus(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace the `custom_rvus` table with the rows of `path` (none when the file is absent); returns
    the row count. Every row is validated before the table is touched."""
    rows = read_custom_rvus(path)
    con.execute(sql.load("credit/delete_custom_rvus"))
    con.register("staged_custom_rvus", rows)
    try:
        con.execute(sql.load("credit/insert_custom_rvus"))
    finally:
        con.unregister("staged_custom_rvus")
    return rows.height


def read_custom_rvus(path: Path) -> pl.DataFrame:
    """The rows of config/custom_rvus.csv as validated text, codes normalised, each with `source_row`,
    its line in the file. Lines starting with `#` are comments and blank lines are skipped, but both
    count in the line numbers, so that a row is named as an editor or a spreadsheet shows it (the
    header is row 1 when no comment precedes it). Raises InputError naming the file, row and field."""
    columns = {name: [] for name in CUSTOM_RVU_COLUMNS}
    source_rows = []
    for line, values in _custom_rvu_records(path):
        source_rows.append(line)
        for name in CUSTOM_RVU_COLUMNS:
            columns[name].append(values.get(name, "").strip())
    frame = pl.DataFrame(
        {**columns, "source_row": source_rows},
        schema={**{name: pl.String for name in CUSTOM_RVU_COLUMNS}, "source_row": pl.Int64},
    ).with_columns(normalised_code(pl.col("cpt_code")), normalised_modifier(pl.col("modifier")))
    return validate_custom_rvus(frame, str(path))


def _custom_rvu_records(path: Path):
    """(line, {column: cell}) for each data row of the file."""
    if not path.is_file():
        return
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    # comment lines become blank lines, so the reader's line numbers stay those of the file
    uncommented = "".join("\n" if line.lstrip().startswith("#") else line for line in text.splitlines(keepends=True))
    reader = csv.reader(io.StringIO(uncommented, newline=""))
    header, previous_end = None, 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _custom_rvu_header(path, line, cells)
            elif len(cells) > len(header):
                raise InputError(path, line, None, f"{len(cells)} cells, but the header names {len(header)} columns")
            else:
                yield line, dict(zip(header, cells, strict=False))  # missing trailing cells are blank
    except csv.Error as exc:
        raise InputError(path, reader.line_num, None, f"unreadable CSV ({exc})") from exc


def _custom_rvu_header(path: Path, line: int, cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    unknown = [name for name in header if name not in CUSTOM_RVU_COLUMNS]
    missing = [name for name in REQUIRED_CUSTOM_RVU_COLUMNS if name not in header]
    if unknown or missing or len(set(header)) < len(header):
        raise InputError(
            path,
            line,
            None,
            f"the header names {', '.join(REQUIRED_CUSTOM_RVU_COLUMNS)} and optionally modifier, effective_to, note, "
            f"each once (found: {', '.join(cells)})",
        )
    return header
