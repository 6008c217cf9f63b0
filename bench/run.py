"""The performance benchmark: `.venv/bin/python -m bench.run [--sizes 1,5] [--scale 50]`.

In one run, on the same synthetic extracts (bench/generate.py, cached in bench/data/):
- the floor (bench/floor.py): one DuckDB query that reads the CSV, as-of joins the fee schedule and
  groups by provider and month: what reading the data costs, with nothing of ours (best of two, warm);
- `wrvu ingest` end to end (a fresh workspace per size, the real command, Prefect included);
- `wrvu ingest` of an empty inbox: the fixed overhead measured, beside its extrapolation;
- a second night adding 1% new lines, of the last month, to the largest workspace;
- `wrvu close` of one month for the 2,000 providers of that workspace, without statements, and of the
  next month with them (the cost of 100 statements);
- with --scale N, one more ingest of N million lines (time and peak memory only).
It prints the marginal cost per million lines of each (time at the largest size minus time at the
smallest, over the difference in millions), their ratio, the fixed overhead, the peak memory of each
command, and the targets of issue 5 beside them.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from bench.generate import NPI_QUERY

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
WRVU = Path(sys.executable).parent / "wrvu"
SCHEDULES = [
    REPO / "tests" / "fixtures" / "pprrvu" / p
    for p in ("RVU21A/PPRRVU21_JAN.csv", "RVU23A/PPRRVU23_JAN.csv", "RVU24A/PPRRVU24_JAN.csv")
]
PLANS = "plans:\n  bench: {model: base_plus_production, threshold_wrvu: 4800, tiers: [{from: 0, rate: 48}], settle: monthly}\n"


def extract(millions: float, name: str | None = None, *options: str) -> Path:
    """The extract of that many million lines (bench/generate.py in its own process, see bench/floor.py)."""
    path = DATA / (name or f"claims_{millions:g}M.csv")
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        print(f"generating {path.name} ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.generate", str(path), str(int(millions * 1_000_000)), *options],
            check=True,
            cwd=REPO,
        )
    return path


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GB) of a child process."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{child.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024 / 1024


def ingest(workspace: Path, *paths: Path) -> tuple[float, float]:
    return timed([str(WRVU), "ingest", *map(str, paths), "--workspace", str(workspace)])


def fresh_workspace(name: str) -> Path:
    root = DATA / "workspaces" / name
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([WRVU, "init", root], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([WRVU, "schedule", "load", *SCHEDULES, "--workspace", root], check=True, stdout=subprocess.DEVNULL)
    return root


def floor_seconds(workspace: Path, path: Path) -> float:
    floor = subprocess.run(
        [sys.executable, "-m", "bench.floor", str(workspace / "warehouse.duckdb"), str(path)],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return float(floor.stdout)


def roster_for(workspace: Path) -> None:
    """Every NPI of the extracts on the roster, so the close has 2,000 providers to pay."""
    npis = duckdb.connect().sql(NPI_QUERY + " order by i").fetchall()
    rows = "".join(f"{npi},E{i:05d},Provider {i},Family Medicine,bench,1.0,2022-01-01,\n" for i, npi in npis)
    (workspace / "config" / "roster.csv").write_text(
        "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to\n" + rows
    )
    (workspace / "config" / "plans.yaml").write_text(PLANS)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5", help="extract sizes in millions of lines (smallest and largest)")
    parser.add_argument("--scale", type=float, help="also ingest an extract of this many million lines")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    results = {}
    for millions in sizes:
        path = extract(millions)
        workspace = fresh_workspace(f"{millions:g}M")
        roster_for(workspace)
        floor = floor_seconds(workspace, path)
        seconds, peak = ingest(workspace, path)
        results[millions] = {"floor": floor, "ingest": seconds, "peak": peak, "workspace": workspace}
        print(f"{millions:g}M lines: floor {floor:.2f} s, wrvu ingest {seconds:.2f} s (peak {peak:.2f} GB)", flush=True)

    small, large = results[sizes[0]], results[sizes[-1]]
    span = sizes[-1] - sizes[0]
    marginal_floor = (large["floor"] - small["floor"]) / span
    marginal_ingest = (large["ingest"] - small["ingest"]) / span
    ratio = marginal_ingest / marginal_floor
    extrapolated = small["ingest"] - marginal_ingest * sizes[0]
    workspace = large["workspace"]
    empty, _ = ingest(workspace)
    print(
        f"\nmarginal cost per million lines: floor {marginal_floor:.2f} s, ingest {marginal_ingest:.2f} s, "
        f"ratio {ratio:.2f} (target <= 2.0: {verdict(ratio <= 2.0)})"
    )
    print(
        f"fixed overhead of wrvu ingest: {extrapolated:.2f} s extrapolated to no lines, {empty:.2f} s for an empty "
        f"inbox (target < 15 s: {verdict(max(extrapolated, empty) < 15)})"
    )
    print(
        f"peak memory of wrvu ingest at {sizes[-1]:g}M: {large['peak']:.2f} GB (target < 4 GB: {verdict(large['peak'] < 4)})"
    )

    # a night's extract: charges of the last month of the three years, 1% as many as the large extract
    increment = extract(
        sizes[-1] / 100,
        f"night_{sizes[-1]:g}M.csv",
        "--seed",
        "77",
        "--id-prefix",
        "NX",
        "--first-day",
        "2024-12-01",
        "--days",
        "30",
    )
    night, night_peak = ingest(workspace, increment)
    share = 100 * night / large["ingest"]
    print(
        f"1% incremental night: {night:.2f} s = {share:.1f}% of the full ingest (target < 15%: {verdict(share < 15)}), "
        f"peak {night_peak:.2f} GB"
    )
    work_share = 100 * (night - empty) / (large["ingest"] - empty)
    print(
        f"  beyond the start-up of any command (the empty-inbox run): {night - empty:.2f} s = {work_share:.1f}% "
        f"of the full ingest's {large['ingest'] - empty:.2f} s"
    )
    # the figures and the workbook and report alone (May), then everything with the statements (June):
    # two months of the same providers and about the same lines
    bare, bare_peak = timed([str(WRVU), "close", "2024-05", "--no-statements", "--workspace", str(workspace)])
    print(
        f"wrvu close of 2024-05 for 2,000 providers, --no-statements: {bare:.2f} s (target < 10 s: "
        f"{verdict(bare < 10)}), peak {bare_peak:.2f} GB"
    )
    close, close_peak = timed([str(WRVU), "close", "2024-06", "--workspace", str(workspace)])
    statements = len(list((workspace / "out" / "2024-06" / "statements").glob("*.pdf")))
    per_100 = (close - bare) * 100 / statements
    print(
        f"wrvu close of 2024-06 with {statements:,} statements: {close:.2f} s, peak {close_peak:.2f} GB; the "
        f"statements: {per_100:.2f} s per 100 (target a few seconds: {verdict(per_100 < 5)})"
    )

    if args.scale:
        path = extract(args.scale)
        workspace = fresh_workspace(f"{args.scale:g}M")
        seconds, peak = ingest(workspace, path)
        print(
            f"\n{args.scale:g}M lines: wrvu ingest {seconds:.1f} s ({seconds / args.scale:.2f} s per million), "
            f"peak {peak:.2f} GB, warehouse {(workspace / 'warehouse.duckdb').stat().st_size / 1e9:.1f} GB"
        )


if __name__ == "__main__":
    main()
