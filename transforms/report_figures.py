"""The figures behind what people read at a close (statements, the productivity report): per
clinician their annualised wRVUs against the specialty's percentiles, encounters beside wRVUs per
encounter with the reading of the two, the office E/M level mix against peers and a reference, top
codes and lines credited nothing; for the practice, the trend as credited and re-priced on one release.
Pure arithmetic on the close's figures: no warehouse, no files.

Two readings are defined here, once:
- `productivity_reading`: against the medians of the clinician's specialty in the practice, encounters
  per 1.0 FTE below the median with wRVUs per encounter at or above it read `schedule_fill` (the work
  per visit is there, the visits are not); encounters at or above with wRVUs per encounter below read
  `possible_undercoding`; both below read `both`; neither below reads `neither`.
- `em_flag`: in a family (new or established office visits) with at least `reports.em_min_visits`
  visits, a mean level more than `reports.em_flag_levels` below the comparison's (the specialty's row
  in config/em_reference.csv, else the clinician's specialty peers in the practice).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

import polars as pl

from wrvu.schemas.benchmarks import PERCENTILES
from wrvu.schemas.em_reference import EM_FAMILIES, EM_FAMILY_OF, em_level
from wrvu.schemas.workspace import ReportSettings
from wrvu.transforms.close_figures import MonthTotals, ReconciliationRow, VarianceRow, fte_year_fraction, latest_row
from wrvu.transforms.compensation import ZERO, FteSpan, fte_days
from wrvu.transforms.periods import Period, month_range

READINGS = ("schedule_fill", "possible_undercoding", "both", "neither")
MIN_PEERS_SHOWN = 2  # peers are pooled and at least two: no one's own figures are ever shown or compared with
TOP_CODES = 5  # a statement's top codes


@dataclass(frozen=True)
class EmMix:
    """Office E/M visits of one family (new or established) per code."""

    family: str
    visits: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.visits.values(), ZERO)

    def share(self, code: str) -> Decimal | None:
        return self.visits.get(code, ZERO) / self.total if self.total else None

    @property
    def mean_level(self) -> Decimal | None:
        if not self.total:
            return None
        return sum((em_level(code) * visits for code, visits in self.visits.items()), ZERO) / self.total


@dataclass(frozen=True)
class EmComparison:
    """A clinician's mix in a family beside their peers' (pooled visits of the other clinicians of the
    specialty) and the reference's, and whether it is flagged."""

    family: str
    mine: EmMix
    peers: EmMix
    peer_count: int  # other clinicians of the specialty with visits in the family
    reference: EmMix | None  # shares as visits (they sum to 1)
    compared_with: str  # reference | peers | "" (nothing to compare with)
    comparison_mean: Decimal | None
    flagged: bool
    margin: Decimal  # reports.em_flag_levels


@dataclass(frozen=True)
class ClinicianFigures:
    employee_id: str
    npi: str
    provider_name: str
    specialty: str
    fte_avg: Decimal
    wrvu_period: Decimal
    wrvu_ytd: Decimal
    annualised_wrvu: Decimal | None  # year to date at 1.0 FTE over a full year
    benchmark: dict[str, Decimal] | None  # p25..p90, annual at 1.0 FTE
    benchmark_percentile: Decimal | None
    encounters: int
    encounters_per_fte: Decimal | None
    wrvu_per_encounter: Decimal | None
    peer_median_encounters_per_fte: Decimal | None
    peer_median_wrvu_per_encounter: Decimal | None
    reading: str  # one of READINGS, "" without encounters
    em: tuple[EmComparison, ...]
    em_flag: bool
    months: tuple[tuple[str, Decimal, Decimal], ...]  # (YYYY-MM, wRVUs, FTE) over the 12 months to the close
    top_codes: tuple[dict, ...]  # code, lines, units, wrvu
    uncredited_lines: tuple[dict, ...]

    def em_of(self, family: str) -> EmComparison:
        return next(comparison for comparison in self.em if comparison.family == family)


@dataclass(frozen=True)
class TrendMonth:
    month: str
    credited_wrvu: Decimal
    repriced_wrvu: Decimal
    unpriced_lines: int  # credited lines the release does not price (counted 0 on it)

    @property
    def schedule_effect(self) -> Decimal:
        """What pricing on the one release adds to (or takes from) the month as credited."""
        return self.repriced_wrvu - self.credited_wrvu


def productivity_reading(
    encounters_per_fte: Decimal | None,
    wrvu_per_encounter: Decimal | None,
    median_encounters_per_fte: Decimal | None,
    median_wrvu_per_encounter: Decimal | None,
) -> str:
    """The reading of the module docstring; "" for a clinician without encounters."""
    if encounters_per_fte is None or wrvu_per_encounter is None:
        return ""
    few_visits = encounters_per_fte < median_encounters_per_fte
    light_visits = wrvu_per_encounter < median_wrvu_per_encounter
    if few_visits and light_visits:
        return "both"
    if few_visits:
        return "schedule_fill"
    if light_visits:
        return "possible_undercoding"
    return "neither"


def em_mixes(code_totals: list[dict]) -> dict[str, dict[str, EmMix]]:
    """Per employee and family, their net office E/M visits by code (codes with net visits > 0)."""
    visits: dict[str, dict[str, dict[str, Decimal]]] = {}
    for row in code_totals:
        family = EM_FAMILY_OF.get(row["cpt_code"])
        if family and row["units"] > 0:
            visits.setdefault(row["employee_id"], {}).setdefault(family, {})[row["cpt_code"]] = Decimal(row["units"])
    return {
        employee: {family: EmMix(family, by_family.get(family, {})) for family in EM_FAMILIES}
        for employee, by_family in visits.items()
    }


def reference_mixes(em_reference: pl.DataFrame) -> dict[tuple[str, str], EmMix]:
    """Per specialty and family, the reference shares as a mix (renormalised within the family)."""
    mixes: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in em_reference.iter_rows(named=True):
        mixes.setdefault((row["specialty"], EM_FAMILY_OF[row["code"]]), {})[row["code"]] = row["share"]
    return {key: EmMix(key[1], shares) for key, shares in mixes.items() if sum(shares.values(), ZERO) > 0}


def pooled_mixes(
    mixes: dict[str, dict[str, EmMix]], specialty_of: dict[str, str]
) -> dict[tuple[str, str], tuple[dict[str, Decimal], int]]:
    """Per specialty and family, the visits of all its clinicians by code, and how many have visits."""
    pooled: dict[tuple[str, str], tuple[dict[str, Decimal], int]] = {}
    for employee, by_family in mixes.items():
        for family, mix in by_family.items():
            if mix.total:
                visits, count = pooled.get((specialty_of.get(employee), family), ({}, 0))
                for code, n in mix.visits.items():
                    visits[code] = visits.get(code, ZERO) + n
                pooled[(specialty_of.get(employee), family)] = (visits, count + 1)
    return pooled


def em_comparisons(
    employee_id: str,
    specialty: str,
    mixes: dict[str, dict[str, EmMix]],
    pooled: dict[tuple[str, str], tuple[dict[str, Decimal], int]],
    references: dict[tuple[str, str], EmMix],
    settings: ReportSettings,
) -> tuple[EmComparison, ...]:
    """The clinician's mix per family against their peers (the specialty's pooled visits less their
    own) and the reference; peers are compared with only when there are MIN_PEERS_SHOWN of them, so
    that a flag never tells one colleague's level."""
    comparisons = []
    for family in EM_FAMILIES:
        mine = mixes.get(employee_id, {}).get(family, EmMix(family, {}))
        visits, count = pooled.get((specialty, family), ({}, 0))
        others = {code: n - mine.visits.get(code, ZERO) for code, n in visits.items()}
        peers = EmMix(family, {code: n for code, n in others.items() if n})
        peer_count = count - (1 if mine.total else 0)
        reference = references.get((specialty, family))
        compared_with, comparison_mean = "", None
        if reference is not None:
            compared_with, comparison_mean = "reference", reference.mean_level
        elif peers.total and peer_count >= MIN_PEERS_SHOWN:
            compared_with, comparison_mean = "peers", peers.mean_level
        flagged = (
            comparison_mean is not None
            and mine.total >= settings.em_min_visits
            and mine.mean_level < comparison_mean - settings.em_flag_levels
        )
        comparisons.append(
            EmComparison(
                family,
                mine,
                peers,
                peer_count,
                reference,
                compared_with,
                comparison_mean,
                flagged,
                settings.em_flag_levels,
            )
        )
    return tuple(comparisons)


def clinician_figures(
    period: Period,
    reconciliation: list[ReconciliationRow],
    variance: list,
    benchmarks: pl.DataFrame,
    months: MonthTotals,
    code_totals: list[dict],
    uncredited: list[dict],
    em_reference: pl.DataFrame,
    settings: ReportSettings,
    spans_of_employee: dict[str, list[FteSpan]],
) -> list[ClinicianFigures]:
    """One entry per employee of the close (as variance.csv), in employee order; their months under
    every plan they had (`spans_of_employee`: their FTE spans across plans)."""
    by_employee: dict[str, list[ReconciliationRow]] = {}
    for row in reconciliation:
        by_employee.setdefault(row.employee_id, []).append(row)
    variance_of: dict[str, VarianceRow] = {v.employee_id: v for v in variance}
    benchmark_of = {r["specialty"]: {p: r[p] for p in PERCENTILES} for r in benchmarks.iter_rows(named=True)}
    specialty_of = {employee: latest_row(rows).specialty for employee, rows in by_employee.items()}
    mixes = em_mixes(code_totals)
    pooled = pooled_mixes(mixes, specialty_of)
    references = reference_mixes(em_reference)
    codes_of: dict[str, list[dict]] = {}
    for row in code_totals:
        codes_of.setdefault(row["employee_id"], []).append(row)
    uncredited_of: dict[str, list[dict]] = {}
    for row in uncredited:
        uncredited_of.setdefault(row["employee_id"], []).append(row)

    encounters_per_fte, wrvu_per_encounter = {}, {}
    for employee, rows in by_employee.items():
        encounters = sum(r.encounters_period for r in rows)
        fte = sum((r.fte_avg for r in rows), ZERO)
        if encounters:
            encounters_per_fte[employee] = Decimal(encounters) / fte if fte else None
            wrvu_per_encounter[employee] = sum((r.wrvu_period for r in rows), ZERO) / encounters
    medians = {}
    for specialty in set(specialty_of.values()):
        members = [e for e, s in specialty_of.items() if s == specialty and encounters_per_fte.get(e) is not None]
        medians[specialty] = (
            (median(encounters_per_fte[e] for e in members), median(wrvu_per_encounter[e] for e in members))
            if members
            else (None, None)
        )

    twelve_months = month_range(period.end, 12)
    figures = []
    for employee, rows in sorted(by_employee.items()):
        main = latest_row(rows)
        spans = spans_of_employee.get(employee, [])
        year_fraction = fte_year_fraction(rows, period.end)
        wrvu_ytd = sum((r.wrvu_ytd for r in rows), ZERO)
        median_encounters, median_intensity = medians[main.specialty]
        em = em_comparisons(employee, main.specialty, mixes, pooled, references, settings)
        monthly = []
        for month_start, month_end in twelve_months:
            wrvu = months.employee_wrvu_between(employee, month_start, month_end)
            fte = fte_days(spans, month_start, month_end) / ((month_end - month_start).days + 1)
            monthly.append((f"{month_start:%Y-%m}", wrvu, fte))
        top = sorted(codes_of.get(employee, []), key=lambda r: (-r["wrvu"], r["cpt_code"]))[:TOP_CODES]
        figures.append(
            ClinicianFigures(
                employee_id=employee,
                npi=main.npi,
                provider_name=main.provider_name,
                specialty=main.specialty,
                fte_avg=sum((r.fte_avg for r in rows), ZERO),
                wrvu_period=sum((r.wrvu_period for r in rows), ZERO),
                wrvu_ytd=wrvu_ytd,
                annualised_wrvu=wrvu_ytd / year_fraction if year_fraction else None,
                benchmark=benchmark_of.get(main.specialty),
                benchmark_percentile=variance_of[employee].benchmark_percentile,
                encounters=sum(r.encounters_period for r in rows),
                encounters_per_fte=encounters_per_fte.get(employee),
                wrvu_per_encounter=wrvu_per_encounter.get(employee),
                peer_median_encounters_per_fte=median_encounters,
                peer_median_wrvu_per_encounter=median_intensity,
                reading=productivity_reading(
                    encounters_per_fte.get(employee),
                    wrvu_per_encounter.get(employee),
                    median_encounters,
                    median_intensity,
                ),
                em=em,
                em_flag=any(c.flagged for c in em),
                months=tuple(monthly),
                top_codes=tuple(
                    {"code": r["cpt_code"], "lines": r["lines"], "units": r["units"], "wrvu": r["wrvu"]} for r in top
                ),
                uncredited_lines=tuple(uncredited_of.get(employee, [])),
            )
        )
    return figures


def trend_months(period_end: date, count: int, repriced: list[dict]) -> list[TrendMonth]:
    """The months to the close, at most `count`, from the first with lines: each with its credited and
    re-priced wRVUs (0 in a month without lines)."""
    by_month = {r["period"]: r for r in repriced}
    months = [f"{first:%Y-%m}" for first, _ in month_range(period_end, count)]
    first_with_lines = next((i for i, month in enumerate(months) if month in by_month), len(months) - 1)
    trend = []
    for month in months[first_with_lines:]:
        row = by_month.get(month, {})
        trend.append(
            TrendMonth(
                month,
                row.get("credited_wrvu") or ZERO,
                row.get("repriced_wrvu") or ZERO,
                row.get("unpriced_lines") or 0,
            )
        )
    return trend
