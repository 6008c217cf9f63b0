"""The practice's productivity report of a close (productivity.html, and the same figures as
productivity.csv, productivity_em_mix.csv and productivity_trend.csv): each clinician against the
specialty benchmark, encounters beside wRVUs per encounter with their reading, the office E/M level
mix against peers and the reference, and the trend as credited and re-priced on one release. The
readings and the flag are defined in report_figures.py."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from wrvu.schemas.em_reference import EM_FAMILIES
from wrvu.transforms.document import (
    BandChart,
    BandRow,
    BarChart,
    Block,
    Document,
    Facts,
    Heading,
    Line,
    LineChart,
    Paragraph,
    Point,
    ScatterChart,
    Table,
    number,
    percent,
)
from wrvu.transforms.periods import Period
from wrvu.transforms.report_figures import READINGS, ClinicianFigures, EmMix, TrendMonth
from wrvu.transforms.statements import close_label

PRODUCTIVITY_COLUMNS = (
    "employee_id",
    "npi",
    "provider_name",
    "specialty",
    "fte_avg",
    "wrvu_period",
    "wrvu_ytd",
    "annualised_wrvu_1fte",
    "benchmark_p25",
    "benchmark_p50",
    "benchmark_p75",
    "benchmark_p90",
    "benchmark_percentile",
    "encounters_period",
    "encounters_per_fte",
    "wrvu_per_encounter",
    "specialty_median_encounters_per_fte",
    "specialty_median_wrvu_per_encounter",
    "reading",
    "em_new_visits",
    "em_new_mean_level",
    "em_new_comparison_mean",
    "em_established_visits",
    "em_established_mean_level",
    "em_established_comparison_mean",
    "em_compared_with",
    "em_flag",
)
EM_MIX_COLUMNS = ("employee_id", "specialty", "family", "code", "visits", "share", "peer_share", "reference_share")
TREND_COLUMNS = ("month", "credited_wrvu", "repriced_wrvu", "repriced_on", "schedule_effect_wrvu", "unpriced_lines")
SHARE_PLACES = Decimal("0.0001")
QUADRANT_NAMES = ("schedule_fill", "neither", "both", "possible_undercoding")  # TL, TR, BL, BR
BAND_ROWS = 40  # clinicians drawn in a specialty's benchmark chart; the table lists everyone
MIX_CHART_CLINICIANS = 4  # flagged clinicians drawn beside the specialty's mix; the table lists everyone


def rounded(value: Decimal | None, places: Decimal = Decimal("0.01")) -> Decimal | None:
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def productivity_rows(clinicians: list[ClinicianFigures]) -> list[dict]:
    rows = []
    for c in clinicians:
        em = {comparison.family: comparison for comparison in c.em}
        benchmark = c.benchmark or {}
        rows.append(
            {
                "employee_id": c.employee_id,
                "npi": c.npi,
                "provider_name": c.provider_name,
                "specialty": c.specialty,
                "fte_avg": c.fte_avg,
                "wrvu_period": c.wrvu_period,
                "wrvu_ytd": c.wrvu_ytd,
                "annualised_wrvu_1fte": rounded(c.annualised_wrvu),
                **{f"benchmark_{p}": benchmark.get(p) for p in ("p25", "p50", "p75", "p90")},
                "benchmark_percentile": c.benchmark_percentile,
                "encounters_period": c.encounters,
                "encounters_per_fte": rounded(c.encounters_per_fte),
                "wrvu_per_encounter": c.wrvu_per_encounter,
                "specialty_median_encounters_per_fte": rounded(c.peer_median_encounters_per_fte),
                "specialty_median_wrvu_per_encounter": rounded(c.peer_median_wrvu_per_encounter),
                "reading": c.reading,
                **{
                    f"em_{family}_{name}": value
                    for family in EM_FAMILIES
                    for name, value in (
                        ("visits", em[family].mine.total),
                        ("mean_level", rounded(em[family].mine.mean_level)),
                        ("comparison_mean", rounded(em[family].comparison_mean)),
                    )
                },
                "em_compared_with": " ".join(sorted({comparison.compared_with for comparison in c.em} - {""})),
                "em_flag": c.em_flag,
            }
        )
    return rows


def em_mix_rows(clinicians: list[ClinicianFigures]) -> list[dict]:
    rows = []
    for c in clinicians:
        for comparison in c.em:
            if not comparison.mine.total:
                continue
            for code in EM_FAMILIES[comparison.family]:
                rows.append(
                    {
                        "employee_id": c.employee_id,
                        "specialty": c.specialty,
                        "family": comparison.family,
                        "code": code,
                        "visits": comparison.mine.visits.get(code, Decimal(0)),
                        "share": rounded(comparison.mine.share(code), SHARE_PLACES),
                        "peer_share": rounded(comparison.peers.share(code), SHARE_PLACES),
                        "reference_share": rounded(comparison.reference.share(code), SHARE_PLACES)
                        if comparison.reference
                        else None,
                    }
                )
    return rows


def trend_rows(trend: list[TrendMonth], release: str | None) -> list[dict]:
    return [
        {
            "month": m.month,
            "credited_wrvu": m.credited_wrvu,
            "repriced_wrvu": m.repriced_wrvu,
            "repriced_on": release or "",
            "schedule_effect_wrvu": m.schedule_effect,
            "unpriced_lines": m.unpriced_lines,
        }
        for m in trend
    ]


def productivity_document(
    period: Period,
    clinicians: list[ClinicianFigures],
    trend: list[TrendMonth],
    release: str | None,
    em_min_visits: int,
    em_flag_levels: Decimal,
    revision: int | None,
    closed_at: datetime,
) -> Document:
    blocks: list[Block] = [
        Facts(
            (
                ("Clinicians", f"{len(clinicians):,}"),
                (f"wRVUs in {period.label}", number(sum((c.wrvu_period for c in clinicians), Decimal(0)))),
                ("Encounters in the period", f"{sum(c.encounters for c in clinicians):,}"),
                *((f"Reading {reading}", f"{sum(c.reading == reading for c in clinicians):,}") for reading in READINGS),
                ("E/M level mix flagged", f"{sum(c.em_flag for c in clinicians):,}"),
            )
        )
    ]
    blocks += benchmark_blocks(clinicians)
    blocks += quadrant_blocks(clinicians)
    blocks += em_blocks(clinicians, em_min_visits, em_flag_levels)
    blocks += trend_blocks(trend, release)
    return Document(
        title=f"Practice productivity: {period.label}",
        subtitle=f"{period.start} to {period.end} · {close_label(revision, closed_at)}",
        blocks=tuple(blocks),
        footer=f"Practice productivity · {period.label} · {close_label(revision, closed_at)}",
        meta={"period": period.label, "revision": str(revision or "")},
    )


def in_report_order(clinicians: list[ClinicianFigures]) -> list[ClinicianFigures]:
    return sorted(clinicians, key=lambda c: (c.specialty, c.provider_name, c.employee_id))


def benchmark_blocks(clinicians: list[ClinicianFigures]) -> list[Block]:
    blocks: list[Block] = [
        Heading("Annualised wRVUs against the specialty benchmark"),
        Paragraph(
            "Each clinician's wRVUs of the plan year to date, annualised at 1.0 FTE (over their FTE-weighted share "
            "of the year), against their specialty's annual percentiles at 1.0 FTE from benchmarks.csv: the light "
            "band runs from p25 to p90, the darker one from p25 to p75, the tick is the median."
        ),
    ]
    missing = sorted({c.specialty for c in clinicians if c.benchmark is None})
    if missing:
        blocks.append(
            Paragraph(
                f"benchmarks.csv has no row for {', '.join(missing)}: those clinicians are shown without a band or "
                "percentile.",
                "warning",
            )
        )
    ordered = in_report_order(clinicians)
    for specialty in sorted({c.specialty for c in clinicians}):
        members = sorted((c for c in ordered if c.specialty == specialty), key=lambda c: c.annualised_wrvu or 0)
        drawn = members if len(members) <= BAND_ROWS else members[: BAND_ROWS // 2] + members[-BAND_ROWS // 2 :]
        blocks.append(
            BandChart(
                f"{specialty}: annualised wRVUs at 1.0 FTE",
                tuple(
                    BandRow(
                        c.provider_name,
                        float(c.annualised_wrvu or 0),
                        *((float(c.benchmark[p]) if c.benchmark else None) for p in ("p25", "p50", "p75", "p90")),
                    )
                    for c in drawn
                ),
                "wRVUs a year at 1.0 FTE",
            )
        )
        if len(drawn) < len(members):
            blocks.append(
                Paragraph(
                    f"The {BAND_ROWS // 2} lowest and {BAND_ROWS // 2} highest of the {len(members):,} clinicians of "
                    f"{specialty} are drawn; the table lists everyone.",
                    "note",
                )
            )
    blocks.append(
        Table(
            ("Clinician", "Specialty", "FTE", "wRVUs YTD", "Annualised", "p25", "p50", "p75", "p90", "Percentile"),
            tuple(
                (
                    c.provider_name,
                    c.specialty,
                    number(c.fte_avg),
                    number(c.wrvu_ytd),
                    number(c.annualised_wrvu),
                    *(number(c.benchmark[p], 0) if c.benchmark else "–" for p in ("p25", "p50", "p75", "p90")),
                    number(c.benchmark_percentile, 0),
                )
                for c in ordered
            ),
            (False, False) + (True,) * 8,
        )
    )
    return blocks


def quadrant_blocks(clinicians: list[ClinicianFigures]) -> list[Block]:
    blocks: list[Block] = [
        Heading("Visits and work per visit"),
        Paragraph(
            "One point a clinician: encounters in the period per 1.0 FTE across, wRVUs per encounter up. The dashed "
            "lines are the medians of the clinician's specialty in the practice. The reading: encounters below the "
            "median with wRVUs per encounter at or above it is schedule_fill (the work per visit is there, the "
            "visits are not: look at the schedule, templates and no-shows); encounters at or above with wRVUs per "
            "encounter below is possible_undercoding (look at the level mix below and at documentation); both "
            "below is both; neither below is neither. A clinician without encounters has no reading."
        ),
    ]
    for specialty in sorted({c.specialty for c in clinicians}):
        members = [c for c in clinicians if c.specialty == specialty]
        plotted = [c for c in members if c.encounters_per_fte is not None]
        if plotted:
            blocks.append(
                ScatterChart(
                    f"{specialty}: encounters and wRVUs per encounter",
                    tuple(
                        Point(c.provider_name, float(c.encounters_per_fte), float(c.wrvu_per_encounter), c.reading)
                        for c in plotted
                    ),
                    "encounters per 1.0 FTE",
                    "wRVUs per encounter",
                    float(plotted[0].peer_median_encounters_per_fte),
                    float(plotted[0].peer_median_wrvu_per_encounter),
                    QUADRANT_NAMES,
                    READINGS,
                )
            )
    ordered = in_report_order(clinicians)
    blocks.append(
        Table(
            (
                "Clinician",
                "Specialty",
                "Encounters",
                "Per 1.0 FTE",
                "Median",
                "wRVUs per encounter",
                "Median",
                "Reading",
            ),
            tuple(
                (
                    c.provider_name,
                    c.specialty,
                    f"{c.encounters:,}",
                    number(c.encounters_per_fte, 1),
                    number(c.peer_median_encounters_per_fte, 1),
                    number(c.wrvu_per_encounter),
                    number(c.peer_median_wrvu_per_encounter),
                    c.reading or ("no FTE in the period" if c.encounters else "no encounters"),
                )
                for c in ordered
            ),
            (False, False, True, True, True, True, True, False),
        )
    )
    return blocks


def em_blocks(clinicians: list[ClinicianFigures], em_min_visits: int, em_flag_levels: Decimal) -> list[Block]:
    blocks: list[Block] = [
        Heading("Office E/M level mix"),
        Paragraph(
            "Office visits by level, new patients (99202-99205) and established (99211-99215), in the period. A "
            f"clinician is flagged when, in a family where they have at least {em_min_visits} visits, their mean "
            f"level is more than {number(em_flag_levels)} below the comparison: their specialty's reference "
            "(em_reference.csv) where it has one, else their specialty peers in the practice (everyone else of the "
            "specialty, visits pooled)."
        ),
    ]
    for specialty in sorted({c.specialty for c in clinicians}):
        members = [c for c in clinicians if c.specialty == specialty]
        for family, codes in EM_FAMILIES.items():
            with_visits = [c for c in members if c.em_of(family).mine.total]
            if not with_visits:
                continue
            # the specialty's visits in the practice: any clinician's own with their peers' (the others')
            first = with_visits[0].em_of(family)
            pooled = EmMix(
                family, {code: first.mine.visits.get(code, 0) + first.peers.visits.get(code, 0) for code in codes}
            )
            series = [Line(f"{specialty} in the practice", tuple(float(pooled.share(code)) for code in codes))]
            reference = first.reference
            if reference:
                series.append(Line("Reference", tuple(float(reference.share(code) or 0) for code in codes)))
            for c in [c for c in with_visits if c.em_flag][:MIX_CHART_CLINICIANS]:
                mine = c.em_of(family).mine
                series.append(
                    Line(f"{c.provider_name} (flagged)", tuple(float(mine.share(code) or 0) for code in codes))
                )
            blocks.append(
                BarChart(
                    f"{specialty}: {family}-patient office visits by level",
                    codes,
                    tuple(series),
                    "share of visits",
                    percent=True,
                )
            )
            rows = []
            for c in sorted(with_visits, key=lambda c: (c.provider_name, c.employee_id)):
                comparison = c.em_of(family)
                rows.append(
                    (
                        c.provider_name,
                        number(comparison.mine.total, 0),
                        *(percent(comparison.mine.share(code), 0) for code in codes),
                        number(comparison.mine.mean_level),
                        f"{number(comparison.comparison_mean)} {comparison.compared_with}"
                        if comparison.compared_with
                        else "–",
                        "flagged" if comparison.flagged else "",
                    )
                )
            blocks.append(
                Table(
                    ("Clinician", "Visits", *codes, "Mean level", "Compared with", "Flag"),
                    tuple(rows),
                    (False,) + (True,) * (len(codes) + 3) + (False,),
                )
            )
    if len(blocks) == 2:
        blocks.append(Paragraph("No office E/M visits in the period."))
    return blocks


def trend_blocks(trend: list[TrendMonth], release: str | None) -> list[Block]:
    if release is None:
        return [Heading("Trend"), Paragraph("No fee schedule release is loaded: no trend to re-price.")]
    labels = tuple(m.month for m in trend)
    unpriced = sum(m.unpriced_lines for m in trend)
    warning = (
        [
            Paragraph(
                f"{unpriced:,} credited line{'s' * (unpriced != 1)} of these months {'have' if unpriced != 1 else 'has'} "
                f"no credited row in {release} (a code it lacks, deleted or no longer paid): they count 0 on it, "
                "which is part of the schedule effect shown.",
                "warning",
            )
        ]
        if unpriced
        else []
    )
    return [
        Heading(f"Trend: wRVUs per month, as credited and re-priced on {release}"),
        Paragraph(
            "Each month's wRVUs as credited (priced by the schedule in force on each date of service, or the plan's "
            f"pinned release) and the same lines priced on {release} by the same rules, so that months on either "
            "side of a schedule change (the 2021 office E/M revaluation, the 2026 cut) compare like with like. The "
            "bars are the schedule effect: re-priced minus credited."
        ),
        *warning,
        LineChart(
            f"wRVUs per month: credited and on {release}",
            labels,
            (
                Line("As credited", tuple(float(m.credited_wrvu) for m in trend)),
                Line(f"Re-priced on {release}", tuple(float(m.repriced_wrvu) for m in trend), "dashed"),
            ),
            "wRVUs",
            bars=Line("Schedule effect", tuple(float(m.schedule_effect) for m in trend)),
        ),
        Table(
            ("Month", "As credited", f"On {release}", "Schedule effect", "Effect %", "Lines it does not price"),
            tuple(
                (
                    m.month,
                    number(m.credited_wrvu),
                    number(m.repriced_wrvu),
                    number(m.schedule_effect),
                    percent(m.schedule_effect / m.credited_wrvu, 1) if m.credited_wrvu else "–",
                    f"{m.unpriced_lines:,}",
                )
                for m in trend
            ),
            (False, True, True, True, True, True),
        ),
    ]
