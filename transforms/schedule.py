"""The versioned fee schedule in the warehouse: storing releases and finding the governing row."""

from dataclasses import dataclass
from datetime import date

import duckdb

from wrvu import sql
from wrvu.schemas.crediting import CreditingPolicy
from wrvu.transforms.crediting import held_lines_repriced
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.pprrvu import ParsedSchedule, ScheduleFile, content_sha256
from wrvu.transforms.warehouse import fetch_dict, fetch_dicts

COMPONENT_ONLY_PCTC = {"26": "2", "TC": "3"}


@dataclass(frozen=True)
class LoadOutcome:
    release: str
    effective_from: date
    rows: int
    action: str  # loaded | replaced | unchanged

    def describe(self, source_name: str) -> str:
        verb = {"loaded": "loaded", "replaced": "replaced", "unchanged": "already loaded, nothing to do"}[self.action]
        return f"{self.release} (from {self.effective_from}): {self.rows} rows {verb} - {source_name}"


def store_release(
    con: duckdb.DuckDBPyConnection,
    source: ScheduleFile,
    parsed: ParsedSchedule,
    release: str,
    effective_from: date,
    replace: bool = False,
) -> LoadOutcome:
    """Store one release in a single transaction: the same content again is a no-op; another file for
    a loaded release id is refused unless `replace`; two releases never share a first date."""
    content = content_sha256(parsed.rows)
    existing = fetch_dict(con, "schedule/release_by_id", {"release": release})
    if existing:
        same_file = source.sha256 == existing["source_sha256"] or content == existing["content_sha256"]
        if same_file and existing["effective_from"] == effective_from:
            return LoadOutcome(release, effective_from, parsed.rows.height, "unchanged")
        if not replace:
            raise WrvuError(
                f"{source.display_name}: release {release} is already loaded from {existing['source_name']} "
                f"(from {existing['effective_from']}, sha256 {existing['source_sha256'][:12]}); "
                "pass --replace to load this file in its place, or --release to load it as another release"
            )
    clash = fetch_dict(con, "schedule/release_starting_on", {"effective_from": effective_from, "release": release})
    if clash:
        raise WrvuError(
            f"{source.display_name}: release {clash['release']} ({clash['source_name']}) already governs from "
            f"{effective_from}; give this release its own first date with --effective-from"
        )
    con.execute("begin transaction")
    try:
        con.execute(sql.load("schedule/delete_release_rows"), {"release": release})
        con.execute(sql.load("schedule/delete_release"), {"release": release})
        con.execute(
            sql.load("schedule/insert_release"),
            {
                "release": release,
                "effective_from": effective_from,
                "source_name": source.display_name,
                "source_sha256": source.sha256,
                "content_sha256": content,
                "file_format": source.file_format,
                "released_on": parsed.released_on,
                "row_count": parsed.rows.height,
            },
        )
        con.register("staged_schedule_rows", parsed.rows)
        con.execute(sql.load("schedule/insert_rows"), {"release": release})
        con.unregister("staged_schedule_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LoadOutcome(release, effective_from, parsed.rows.height, "replaced" if existing else "loaded")


def list_releases(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return fetch_dicts(con, "schedule/releases", {})


def loaded_release(con: duckdb.DuckDBPyConnection, release: str, option: str) -> str:
    """`release` as loaded (upper case), or an error naming `option` (`--reprice-on`, `--schedule-basis`)
    and the releases that are loaded."""
    loaded = [r["release"] for r in list_releases(con)]
    if release.upper() not in loaded:
        raise WrvuError(
            f"{option} {release}: no such release is loaded (loaded: {', '.join(loaded) or 'none'}); "
            "load it with `wrvu schedule load`"
        )
    return release.upper()


def governing_row(con: duckdb.DuckDBPyConnection, cpt_code: str, modifier: str, service_date: date) -> dict:
    """The fee-schedule row that prices `cpt_code` with `modifier` on `service_date` (docs/crediting.md sections 1 and 2)."""
    release = fetch_dict(con, "schedule/governing_release", {"service_date": service_date})
    if release is None:
        first = list_releases(con)
        known = (
            f"the first loaded release, {first[0]['release']}, starts {first[0]['effective_from']}"
            if first
            else "no release is loaded"
        )
        raise WrvuError(f"no fee schedule governs {service_date}: {known}")
    rows = {
        r["modifier"]: r
        for r in fetch_dicts(con, "schedule/code_rows", {"release": release["release"], "cpt_code": cpt_code})
    }
    where = f"{release['release']} (governs {release['effective_from']} to {release['effective_to'] or 'open'})"
    if not rows:
        raise WrvuError(f"{cpt_code} is not in {where}")
    if modifier in rows:
        return rows[modifier]
    plain = rows.get("")
    if plain is None:
        raise WrvuError(f"{cpt_code} has no row without modifier in {where}")
    # a professional-only code (PCTC 2) is its own 26 row; a technical-only one (PCTC 3) its own TC row
    if modifier in COMPONENT_ONLY_PCTC and plain["pctc_ind"] != COMPONENT_ONLY_PCTC[modifier]:
        raise WrvuError(f"{cpt_code} has no {modifier} row in {where} (PCTC indicator {plain['pctc_ind']})")
    return plain


def held_lines_note(con: duckdb.DuckDBPyConnection, releases: list[str], policy: CreditingPolicy) -> str | None:
    """How many held lines (credited 0) the newly stored `releases` credit when priced again; None
    when none (or no release was stored)."""
    if not releases:
        return None
    held = {r["reason"]: r["priceable"] for r in held_lines_repriced(con, policy, releases) if r["priceable"]}
    if not held:
        return None
    by_reason = ", ".join(f"{reason} {lines}" for reason, lines in held.items())
    return f"{sum(held.values())} held lines ({by_reason}) can now be priced; the next `wrvu ingest` re-credits them"
