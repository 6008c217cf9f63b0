"""The floor: `python -m bench.floor WAREHOUSE CSV` prints the seconds of one DuckDB query that reads
the CSV, as-of joins the fee schedule and groups by provider and month: what reading the data costs,
with nothing of ours. Best of two after a warm-up run (the file is then in the page cache). Run as
its own process, so that its memory is not counted in the next command's peak (a child inherits its
parent's peak resident size on Linux)."""

import sys
import time

import duckdb

FLOOR_QUERY = """
with lines as (
    select * from read_csv($path, header = true, all_varchar = true)
),
typed as (
    select rendering_npi as npi, try_cast(service_date as date) as service_date, cpt_code,
           try_cast(units as integer) as units
    from lines
),
priced as (
    select typed.npi, strftime(typed.service_date, '%Y-%m') as period, schedule_rows.work_rvu * typed.units as wrvu
    from typed
    asof join schedule_release_intervals as releases on typed.service_date >= releases.effective_from
    left join schedule_rows
        on schedule_rows.release = releases.release and schedule_rows.cpt_code = typed.cpt_code
        and schedule_rows.modifier = ''
)
select npi, period, sum(wrvu) as wrvu, count(*) as lines from priced group by npi, period
"""


def floor_seconds(warehouse: str, path: str) -> float:
    con = duckdb.connect(warehouse, read_only=True)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        con.execute(FLOOR_QUERY, {"path": path}).fetchall()
        times.append(time.perf_counter() - started)
    con.close()
    return min(times[1:])


if __name__ == "__main__":
    print(f"{floor_seconds(sys.argv[1], sys.argv[2]):.4f}")
