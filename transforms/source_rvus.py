"""The billing system's own wRVUs held against wrvu's (issue 13): at a close, per clinician and code,
how many of the period's lines agree with the `source_work_rvu` of their extract and why the others
differ, so that finance can answer "the billing system says something else" line by line. Written
only when a line of the period carries a source value: a close without one is unchanged."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from wrvu.transforms.close_files import csv_bytes
from wrvu.transforms.warehouse import fetch_dicts

RECONCILIATION_FILE = "source_rvu_reconciliation.csv"
DIFFERENCES_FILE = "source_rvu_differences.csv"
CAUSES = ("match", "unpriced", "attribution", "custom_rvu", "release", "modifier_factor", "units", "other")
RECONCILIATION_COLUMNS = ("employee_id", "npi", "cpt_code", "cause", "lines", "source_wrvu", "wrvu", "difference")
DIFFERENCE_COLUMNS = (
    "transaction_id",
    "claim_id",
    "employee_id",
    "npi",
    "service_date",
    "cpt_code",
    "modifiers",
    "units",
    "release",
    "cms_work_rvu",
    "factor",
    "rule",
    "credited_wrvu",
    "source_work_rvu",
    "difference",
    "cause",
    "matched_release",
    "matched_work_rvu",
    "matched_factor",
    "matched_units",
    "source_file",
    "source_row",
)
ATTRIBUTION_RULES = ("split_shared_", "incident_to_", "teaching_")  # sql/views/030_claim_lines_current.sql
FOUR_PLACES = Decimal("0.0001")
TOLERANCE_PER_UNIT = Decimal("0.0001")
ONE = Decimal("1.00000000")  # a factor, written as the DECIMAL(18, 8) factors are


@dataclass(frozen=True)
class Match:
    """What the source equals: `work_rvu` (of `release`) x `factor` x `units`, as wrvu rounds it."""

    release: str | None
    work_rvu: Decimal
    factor: Decimal
    units: int


def wrvu_of(work_rvu: Decimal, factor: Decimal, units: int) -> Decimal:
    """Work RVU x factor x units rounded half away from zero to 4 decimals, as a line is credited
    (sql/views/005_line_credited_wrvu.sql)."""
    return (work_rvu * factor * units).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def agrees(source: Decimal, wrvu: Decimal, units: int) -> bool:
    """Equal at 4 decimals within 0.0001 a unit: a billing system that rounds each unit, or its factor,
    before multiplying differs from wrvu's single rounding by that much."""
    return abs(source - wrvu) <= TOLERANCE_PER_UNIT * max(abs(units), 1)


def line_cause(line: dict) -> tuple[str, Match | None]:
    """Why a line's `source_work_rvu` differs from its `credited_wrvu`: the first rule that applies,
    with the figures the source equals (None for `unpriced` and `other`). `match` when they agree
    (`agrees`: within 0.0001 a unit). Every comparison rounds as wrvu credits (`wrvu_of`), and
    `factor` is the line's whole factor (its modifiers' and its multiple-procedure factor).

    - `unpriced`: wrvu credits the line 0 by its rule (`is_uncredited_rule`: held, or a status the
      policy does not credit) while the source has a value;
    - `custom_rvu`: a practice custom value priced the line (rule `custom...`) and the source equals
      the CMS work RVU of its row in the governing release x factor x units;
    - `release`: the source equals the work RVU of the same row (code, 26/TC/53 modifier) in another
      loaded release x factor x units: the billing system priced another year (a 2021 99213 on 2020's
      0.97 instead of 1.30); the release whose interval is nearest the date of service is named;
    - `modifier_factor`: the factor is not 1 and the source equals work RVU x units, the factor
      ignored (a bilateral 50 at 1.0 instead of 1.5, an assistant 80 in full instead of 0.16);
    - `units`: the source equals work RVU x factor x another whole number of units (one unit for a
      line of several, or a voided line the billing system still counts);
    - `attribution` (tested right after `unpriced`): team-based care shares the line's credit (a split/shared visit, incident-to,
      teaching: its rule names the share, e.g. `+split_shared_0.5`) and the source equals the
      unshared credit (the billing system credits the billed clinician in full); compared on the
      billed clinician's row, the source being the line's;
    - `other`: none of these (e.g. a TC line the billing system priced on the global row).
    """
    source, wrvu, units = line["source_work_rvu"], line["credited_wrvu"], line["units"]
    if agrees(source, wrvu, units):
        return "match", None
    if line["is_uncredited"]:
        return "unpriced", None
    release, work_rvu, factor = line["release"], line["cms_work_rvu"], line["factor"]
    share = rule_share(line["rule"])
    if share != 1 and (not share or agrees(source, wrvu_of(work_rvu, factor / share, units), units)):
        return "attribution", Match(release, work_rvu, factor / share if share else None, units)
    cms = line["release_work_rvu"]
    if line["is_custom"] and cms is not None and agrees(source, wrvu_of(cms, factor, units), units):
        return "custom_rvu", Match(release, cms, factor, units)
    for other in line["other_releases"]:
        if agrees(source, wrvu_of(other["work_rvu"], factor, units), units):
            return "release", Match(other["release"], other["work_rvu"], factor, units)
    if factor != ONE and agrees(source, wrvu_of(work_rvu, ONE, units), units):
        return "modifier_factor", Match(release, work_rvu, ONE, units)
    per_unit = work_rvu * factor
    if per_unit:
        whole = int((source / per_unit).to_integral_value(rounding=ROUND_HALF_UP))
        if whole not in (0, units) and agrees(source, wrvu_of(work_rvu, factor, whole), whole):
            return "units", Match(release, work_rvu, factor, whole)
    return "other", None


def rule_share(rule: str) -> Decimal:
    """The share of a line's credit its rule names (`+split_shared_0.5`, `+teaching_0.8`; their
    product), 1 for a line of one clinician."""
    share = Decimal(1)
    for part in rule.split("+"):
        if part.startswith(ATTRIBUTION_RULES):
            share *= Decimal(part.rsplit("_", 1)[1])
    return share


def four_places(value: Decimal) -> Decimal:
    """A sum of wRVUs to 4 decimals, never written as -0.0000."""
    value = value.quantize(FOUR_PLACES)
    return value.copy_abs() if value == 0 else value


def difference_row(line: dict, cause: str, match: Match | None) -> dict:
    return line | {
        "difference": four_places(line["credited_wrvu"] - line["source_work_rvu"]),
        "cause": cause,
        "matched_release": match.release if match else None,
        "matched_work_rvu": match.work_rvu if match else None,
        "matched_factor": match.factor if match else None,
        "matched_units": match.units if match else None,
    }


def reconciliation_rows(causes: Sequence[tuple[dict, str]]) -> list[dict]:
    """One row per clinician (employee_id, npi), code and cause: the sum of a clinician's and code's rows
    is its total, so the file adds up in a pivot table without double counting."""
    groups: dict[tuple, dict] = {}
    for line, cause in causes:
        key = (line["employee_id"], line["npi"], line["cpt_code"], cause)
        group = groups.setdefault(key, {"lines": 0, "source_wrvu": Decimal(0), "wrvu": Decimal(0)})
        group["lines"] += 1
        group["source_wrvu"] += line["source_work_rvu"]
        group["wrvu"] += line["credited_wrvu"]
    rows = [
        {
            "employee_id": employee_id,
            "npi": npi,
            "cpt_code": code,
            "cause": cause,
            "lines": group["lines"],
            "source_wrvu": four_places(group["source_wrvu"]),
            "wrvu": four_places(group["wrvu"]),
            "difference": four_places(group["wrvu"] - group["source_wrvu"]),
        }
        for (employee_id, npi, code, cause), group in groups.items()
    ]
    # employees first, then the NPIs on no roster row; causes in the order of their rules
    return sorted(
        rows,
        key=lambda r: (
            r["employee_id"] is None,
            r["employee_id"] or "",
            r["npi"],
            r["cpt_code"],
            CAUSES.index(r["cause"]),
        ),
    )


def source_rvu_files(con: duckdb.DuckDBPyConnection) -> dict[str, bytes]:
    """source_rvu_reconciliation.csv and source_rvu_differences.csv (every line that differs, with its
    cause and the figures its source equals), from `close_period_lines`; none when no line of the
    period has a source value, so that such a close's fingerprint is as before."""
    lines = fetch_dicts(con, "close/source_rvu_lines")
    if not lines:
        return {}
    causes = [(line, line_cause(line)) for line in lines]
    differences = [difference_row(line, cause, match) for line, (cause, match) in causes if cause != "match"]
    return {
        RECONCILIATION_FILE: csv_bytes(
            RECONCILIATION_COLUMNS, reconciliation_rows([(line, cause) for line, (cause, _) in causes])
        ),
        DIFFERENCES_FILE: csv_bytes(DIFFERENCE_COLUMNS, differences),
    }
