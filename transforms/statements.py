"""A clinician's statement of a close (statements/EMPLOYEE_ID.pdf and .html): their figures with the
plan's formula written out in their own numbers, their months against the specialty's benchmark, their
visits, E/M level mix beside their peers', top codes, restatements, lines credited nothing, and how to
question a line. It names no patient and no other clinician: peers appear only pooled, and only
when there are at least MIN_PEERS_SHOWN of them."""

from datetime import datetime
from decimal import Decimal

from wrvu.schemas.em_reference import EM_FAMILIES
from wrvu.transforms.close_figures import ReconciliationRow, VarianceRow
from wrvu.transforms.compensation import (
    ZERO,
    days_in_plan_year,
    fte_days,
    marginal_bands,
    plan_year_end,
    plan_year_start,
    reached_tier,
)
from wrvu.transforms.document import (
    BarChart,
    Block,
    Document,
    Facts,
    Heading,
    Line,
    LineChart,
    Paragraph,
    Table,
    money,
    number,
    percent,
)
from wrvu.transforms.periods import Period
from wrvu.transforms.report_figures import MIN_PEERS_SHOWN, ClinicianFigures, EmComparison

UNCREDITED_LINES_SHOWN = 10
WORKING = 4  # decimals of the wRVUs in the worked formulas, so that they reproduce
PLOT_HEIGHT = 110.0  # points: the charts of a statement are smaller, so that it fits on two pages
HELD_REASONS = {
    "no_schedule": "no CMS schedule loaded for the date of service",
    "unknown_code": "the code is in neither the CMS schedule nor the practice's custom values",
    "invalid_modifier": "26 or TC on a code that has no such row (or both together)",
    "unpriced_status": "CMS marks the code as not paid separately (its status is not credited)",
}
ACTION_WORDS = {
    "pay": "to be paid with this close",
    "recover": "to be recovered with this close",
    "hold": "nothing moves now: this month is not a settle point of your plan",
    "none": "nothing to pay or recover",
}


def close_label(revision: int | None, closed_at: datetime) -> str:
    if revision is None:
        return f"provisional pace report as of {closed_at:%Y-%m-%d}: not a close, nothing is paid from it"
    return f"close revision {revision}, closed {closed_at:%Y-%m-%d %H:%M}"


def statement_document(
    period: Period,
    figures: ClinicianFigures,
    rows: list[ReconciliationRow],
    variance: VarianceRow,
    revision: int | None,
    closed_at: datetime,
) -> Document:
    blocks: list[Block] = []
    if not figures.top_codes:
        blocks.append(Paragraph(f"No lines of yours in {period.label}: nothing was billed under your NPI.", "warning"))
    for row in rows:
        blocks += pay_blocks(period, row, len(rows) > 1, revision is None)
    blocks += month_blocks(figures)
    blocks += visit_blocks(figures)
    blocks += em_blocks(figures)
    blocks += code_blocks(figures)
    blocks += restatement_blocks(variance)
    blocks += uncredited_blocks(figures)
    blocks += [
        Heading("Questioning a figure"),
        Paragraph(
            "Every line traces to its extract row and the CMS schedule row that priced it. To see how each of your "
            f"lines was credited (release, work RVU, factor, rule), ask your practice administrator for: wrvu explain "
            f"{period.label} {figures.npi}."
        ),
        Paragraph(
            "Missing credit? If you keep your own list of the visits and procedures you did (date and code, and the "
            "patient's id if you have it), ask for: wrvu reconcile-log "
            f"{figures.employee_id} YOUR_LIST.csv. It holds each of your lines against what was billed for you and says "
            "which were credited, never billed, billed under another clinician, coded at another level, voided or held."
        ),
    ]
    return Document(
        title=f"Productivity statement: {figures.provider_name}",
        subtitle=f"{period.label} ({period.start} to {period.end}) · {close_label(revision, closed_at)}",
        blocks=tuple(blocks),
        footer=f"{figures.provider_name} · {figures.employee_id} · {period.label} · {close_label(revision, closed_at)}",
        meta={"employee_id": figures.employee_id, "period": period.label, "revision": str(revision or "")},
    )


def pay_blocks(period: Period, row: ReconciliationRow, several_plans: bool, provisional: bool) -> list[Block]:
    plan, working = row.plan, row.figures
    year_start = plan_year_start(plan, period.end)
    fte_day_total = fte_days(list(row.spans), year_start, period.end)
    year_days = days_in_plan_year(plan, period.end)
    heading = f"Your figures under plan {row.plan_id}" if several_plans else "Your figures"
    facts = [
        ("Employee id · NPI", f"{row.employee_id} · {row.npi}"),
        ("Specialty · plan", f"{row.specialty} · {row.plan_id}"),
        ("FTE (average over the period)", number(row.fte_avg)),
        (f"wRVUs in {period.label}", number(row.wrvu_period)),
        (f"wRVUs in the plan year to {period.end}", number(row.wrvu_ytd)),
        ("Threshold to date", number(row.threshold_ytd)),
        ("Production pay to date", money(row.production_ytd)),
        ("Earned to date", money(row.earned_ytd)),
        ("Paid to date", money(row.paid_ytd)),
        ("Opening balance", money(row.opening_balance)),
        ("True-up", money(row.true_up)),
        ("Action", f"{row.action}: {action_words(row.action, provisional)}"),
    ]
    if row.terms_applied:
        terms = ", ".join(TERM_NAMES[t] for t in working.terms_applied)
        facts.insert(
            facts.index(("Earned to date", money(row.earned_ytd))) + 1, ("Contract terms that changed it", terms)
        )
    counted = working.excess + row.threshold_ytd
    steps = [
        threshold_words(row, fte_day_total, year_days),
        *(
            [
                f"Your plan counts at most {number(plan.wrvu_cap)} wRVUs a year at 1.0 FTE, prorated like the "
                f"threshold: {number(counted, WORKING)} to date, so {number(counted, WORKING)} of your "
                f"{number(row.wrvu_ytd, WORKING)} wRVUs count for pay."
            ]
            if "wrvu_cap" in working.terms_applied
            else []
        ),
        f"{'Above' if working.excess >= 0 else 'Below'} the threshold: wRVUs counted {number(counted, WORKING)} − "
        f"threshold {number(row.threshold_ytd, WORKING)} = {number(working.excess, WORKING)} wRVUs.",
        f"Production pay: {tier_words(row, working.excess, working.gross)}",
        f"Production pay to date = {money(working.gross)} × payout share {exact_percent(plan.payout_share)} = "
        f"{money(row.production_ytd)}.",
        *term_words(period, row),
        f"True-up = earned {money(row.earned_ytd)} + opening balance {money(row.opening_balance)} − paid to date "
        f"{money(row.paid_ytd)} = {money(row.true_up)}.",
        settle_words(row, provisional),
        "The working shows wRVUs to 4 decimals and money to the cent; it is computed on the exact figures, so a "
        "product of the figures shown can differ from the result by a cent.",
    ]
    return [
        Heading(heading),
        Facts(tuple(facts), strong=("True-up", "Action")),
        Heading("How the figures are worked out", 3),
        *(Paragraph(step) for step in steps),
    ]


TERM_NAMES = {
    "wrvu_cap": "wRVU cap",
    "quality_withhold": "quality withhold",
    "incentive_cap": "incentive cap",
    "guarantee": "guarantee",
}


def threshold_words(row: ReconciliationRow, fte_day_total: Decimal, year_days: int) -> str:
    plan = row.plan
    annual = f"annual threshold {number(plan.annual_threshold, WORKING)} wRVUs"
    if plan.threshold_wrvu == "from_base":
        annual = (
            f"annual threshold (your base salary {money(plan.base_salary)} ÷ the first tier's rate "
            f"{money(plan.tiers[0].rate)}) {number(plan.annual_threshold, WORKING)} wRVUs"
        )
    return (
        f"Threshold to date = {annual} × your FTE-weighted days {number(fte_day_total)} of the plan year's "
        f"{year_days} days = {number(row.threshold_ytd, WORKING)} wRVUs."
    )


def term_words(period: Period, row: ReconciliationRow) -> list[str]:
    """The terms after the tiers, in the order they apply, each with what it did to this close's figure;
    nothing when the plan has none."""
    plan, working = row.plan, row.figures
    words, figure = [], row.production_ytd
    if plan.quality is not None:
        share = exact_percent(plan.quality.withhold)
        withheld = working.quality_withheld
        figure -= working.quality_not_earned
        if working.quality_score is not None and withheld:
            words.append(
                f"Your plan withholds {share} of positive production pay ({money(withheld)}) until this close, which "
                f"earns it back times your quality score for the plan year, {number(working.quality_score, WORKING)}: "
                f"{money(withheld - working.quality_not_earned)} earned back, {money(working.quality_not_earned)} not, "
                f"leaving {money(figure)}."
            )
        elif withheld:
            words.append(
                f"Your plan withholds {share} of positive production pay ({money(withheld)}) until its close of "
                f"{plan_year_end(plan, period.end)}, where it is earned back times your quality score for the plan "
                f"year: {money(figure)} earned so far."
            )
        else:
            words.append(f"Your plan withholds {share} of positive production pay: nothing is withheld at this close.")
    if "incentive_cap" in working.terms_applied:
        words.append(
            f"Your plan caps earned pay at {money(plan.incentive_cap)} a plan year: {money(figure)} becomes {money(plan.incentive_cap)}."
        )
        figure = plan.incentive_cap
    if "guarantee" in working.terms_applied:
        words.append(
            f"Your plan guarantees {money(plan.guarantee.amount)} a year through {plan.guarantee.until}, prorated by "
            f"your FTE-weighted days: {money(figure)} is raised to the {money(row.earned_ytd)} guaranteed to date."
        )
    if words or working.terms_applied:
        words.append(f"Earned to date = {money(row.earned_ytd)}.")
    return words


def tier_words(row: ReconciliationRow, excess, gross) -> str:
    plan = row.plan
    if excess < 0:
        if plan.recoverable:
            return (
                f"{number(excess, WORKING)} wRVUs × {money(plan.tiers[0].rate)} per wRVU = {money(gross)} (your plan "
                "recovers a shortfall)."
            )
        return f"below the threshold, your plan pays nothing and recovers nothing: {money(gross)}."
    if plan.tier_kind == "cliff":
        reached = reached_tier(plan, excess)
        return (
            f"{number(excess, WORKING)} wRVUs × {money(reached.rate)} per wRVU (the rate of the highest tier reached, from "
            f"{number(reached.start)} wRVUs above the threshold, applies to all of them) = {money(gross)}."
        )
    parts = [f"{number(inside, WORKING)} × {money(tier.rate)}" for tier, inside in marginal_bands(plan, excess)]
    return f"{' + '.join(parts) or '0'} = {money(gross)} (each tier's rate on the wRVUs inside it)."


def settle_words(row: ReconciliationRow, provisional: bool) -> str:
    when = {"monthly": "every month end", "quarterly": "each quarter end", "annual": "the end"}
    text = f"Your plan settles at {when[row.plan.settle]} of its plan year. "
    if row.final_settlement:
        text = "You left this plan: this close is its final settlement, whatever its settle points" + (
            ", and your plan writes off a deficit on leaving. " if row.plan.on_termination == "write_off" else ". "
        )
    text += f"This {'pace report' if provisional else 'close'}: {row.action}, {action_words(row.action, provisional)}."
    if row.deficit_balance < 0 and row.action != "recover":  # a recovery settles the deficit it shows
        text += f" Deficit carried to your next settle point: {money(row.deficit_balance)}."
    return text


def action_words(action: str, provisional: bool) -> str:
    if provisional and action in ("pay", "recover"):
        return f"what a close on these figures would {action}: nothing moves on a pace report"
    return ACTION_WORDS[action]


def exact_percent(fraction: Decimal) -> str:
    """0.875 -> '87.5%', exactly as the plan says."""
    return f"{(fraction * 100).normalize():f}%"


def month_blocks(figures: ClinicianFigures) -> list[Block]:
    labels = tuple(month for month, _, _ in figures.months)
    # months without employment (FTE 0) and without lines are gaps, not zeros
    lines = [Line("Your wRVUs", tuple(float(wrvu) if fte or wrvu else None for _, wrvu, fte in figures.months))]
    bands = ()
    blocks: list[Block] = [Heading("Your wRVUs by month")]
    if figures.benchmark:
        monthly = {
            p: tuple(float(figures.benchmark[p] * fte / 12) if fte else None for _, _, fte in figures.months)
            for p in figures.benchmark
        }
        lines += [Line("p90", monthly["p90"], "dotted"), Line("p50 (median)", monthly["p50"], "dashed")]
        bands = (("p25 to p75", Line("p25", monthly["p25"]), Line("p75", monthly["p75"])),)
        blocks.append(
            Paragraph(
                f"Against the {figures.specialty} benchmark (annual wRVUs at 1.0 FTE, per month and prorated to your "
                f"FTE of each month): p25 {number(figures.benchmark['p25'])}, p50 {number(figures.benchmark['p50'])}, "
                f"p75 {number(figures.benchmark['p75'])}, p90 {number(figures.benchmark['p90'])} a year. Your plan year "
                f"to date, annualised at 1.0 FTE, is {number(figures.annualised_wrvu)}: percentile "
                f"{number(figures.benchmark_percentile, 0)}."
            )
        )
    else:
        blocks.append(
            Paragraph(f"benchmarks.csv has no row for {figures.specialty}: the chart shows your wRVUs alone.", "note")
        )
    chart = LineChart(
        "wRVUs per month, the last 12 months", labels, tuple(lines), "wRVUs", bands=bands, plot_height=PLOT_HEIGHT
    )
    blocks.insert(1, chart)
    return blocks


def visit_blocks(figures: ClinicianFigures) -> list[Block]:
    if not figures.encounters:
        return [Paragraph("Visits: no encounters in the period.")]
    return [
        Paragraph(
            f"Visits: {figures.encounters:,} encounters in the period ({number(figures.encounters_per_fte, 1)} per "
            f"1.0 FTE), {number(figures.wrvu_per_encounter)} wRVUs per encounter."
        )
    ]


def em_blocks(figures: ClinicianFigures) -> list[Block]:
    """One chart and one table over the families the clinician has visits in; each share is of the
    family's visits (a new-patient 99204 against all new-patient visits)."""
    blocks: list[Block] = [Heading("Your office E/M level mix")]
    shown = [c for c in figures.em if c.mine.total]
    if not shown:
        return blocks + [Paragraph("No office E/M visits (99202-99205, 99211-99215) in the period.")]
    show_peers = all(c.peer_count >= MIN_PEERS_SHOWN for c in shown)
    show_reference = all(c.reference for c in shown)
    codes = tuple(code for c in shown for code in EM_FAMILIES[c.family])
    comparison_of = {code: c for c in shown for code in EM_FAMILIES[c.family]}
    series = [Line("You", tuple(float(comparison_of[code].mine.share(code) or 0) for code in codes))]
    columns = ["Code", "Your visits", "Your share"]
    if show_peers:
        series.append(Line("Your specialty peers", tuple(float(comparison_of[c].peers.share(c) or 0) for c in codes)))
        columns.append("Peers' share")
    if show_reference:
        series.append(Line("Reference", tuple(float(comparison_of[c].reference.share(c) or 0) for c in codes)))
        columns.append("Reference share")
    rows = []
    for code in codes:
        comparison = comparison_of[code]
        if not any(s.values[codes.index(code)] for s in series):
            continue  # a level no one bills
        row = [code, number(comparison.mine.visits.get(code, ZERO), 0), percent(comparison.mine.share(code), 1)]
        if show_peers:
            row.append(percent(comparison.peers.share(code), 1))
        if show_reference:
            row.append(percent(comparison.reference.share(code), 1))
        rows.append(tuple(row))
    blocks += [
        BarChart(
            "Office visits by level, as a share of each family's visits", codes, tuple(series), "share", percent=True
        ),
        Table(tuple(columns), tuple(rows), (False,) + (True,) * (len(columns) - 1)),
    ]
    blocks += [Paragraph(mean_level_words(c)) for c in shown]
    if not show_peers:
        blocks.append(Paragraph(f"Fewer than {MIN_PEERS_SHOWN} peers of your specialty: no peer mix is shown.", "note"))
    return blocks


def mean_level_words(comparison: EmComparison) -> str:
    family = "New patients" if comparison.family == "new" else "Established patients"
    words = (
        f"{family}: your mean level {number(comparison.mine.mean_level)} over {number(comparison.mine.total, 0)} visits"
    )
    if comparison.compared_with == "reference":
        words += f"; the reference's {number(comparison.comparison_mean)}"
    elif comparison.compared_with == "peers":  # at least MIN_PEERS_SHOWN of them, pooled
        words += f"; your specialty peers' {number(comparison.comparison_mean)}"
    if comparison.flagged:
        words += (
            f"; flagged, as more than {number(comparison.margin)} levels below it: worth a look at documentation "
            "and level selection"
        )
    return words + "."


def code_blocks(figures: ClinicianFigures) -> list[Block]:
    if not figures.top_codes:
        return [Heading("Your top codes by wRVU"), Paragraph("No lines in the period.")]
    total = figures.wrvu_period
    rows = tuple(
        (
            c["code"],
            f"{c['lines']:,}",
            number(c["units"], 0),
            number(c["wrvu"]),
            percent(c["wrvu"] / total, 1) if total else "–",
        )
        for c in figures.top_codes
    )
    return [
        Heading("Your top codes by wRVU"),
        Table(("Code", "Lines", "Units", "wRVUs", "Share of period"), rows, (False, True, True, True, True)),
    ]


def restatement_blocks(variance: VarianceRow) -> list[Block]:
    blocks: list[Block] = [Heading("Changes to months closed before")]
    if not (variance.late_charge_wrvu or variance.void_wrvu or variance.denial_wrvu or variance.schedule_change_wrvu):
        return blocks + [Paragraph("None: the months closed before are as they were closed.")]
    return blocks + [
        Paragraph(
            "Lines of months closed before that changed since those months were closed (a change shows in every "
            "close until its month is closed again). A change within this plan year is part of your year-to-date "
            "figures above; one of an earlier plan year is not."
        ),
        Facts(
            (
                ("Late charges (new or corrected lines)", number(variance.late_charge_wrvu)),
                ("Voids", number(variance.void_wrvu)),
                ("Denials (claims denied since, held by the practice's policy)", number(variance.denial_wrvu)),
                ("Schedule changes (the same line priced anew)", number(variance.schedule_change_wrvu)),
                ("Net change in wRVUs", number(variance.restatement_wrvu)),
            ),
            strong=("Net change in wRVUs",),
        ),
    ]


def uncredited_blocks(figures: ClinicianFigures) -> list[Block]:
    lines = figures.uncredited_lines
    blocks: list[Block] = [Heading("Your lines credited nothing")]
    if not lines:
        return blocks + [Paragraph("None: every line of the period was priced.")]
    reasons = sorted({line["rule"].split("+")[0] for line in lines})
    blocks.append(
        Paragraph(
            f"{len(lines)} line{'s' * (len(lines) != 1)} of the period credited 0 wRVUs. "
            + " ".join(f"{reason}: {HELD_REASONS.get(reason, reason)}." for reason in reasons)
            + " Held lines are credited by the nightly run once a schedule or custom value prices them."
        )
    )
    rows = tuple(
        (
            str(line["service_date"]),
            line["cpt_code"],
            line["modifiers"] or "",
            f"{line['units']:,}",
            line["rule"].split("+")[0],
            line["transaction_id"],
        )
        for line in lines[:UNCREDITED_LINES_SHOWN]
    )
    blocks.append(
        Table(
            ("Date of service", "Code", "Modifiers", "Units", "Reason", "Transaction"),
            rows,
            (False, False, False, True, False, False),
            caption=f"the first {UNCREDITED_LINES_SHOWN} of {len(lines)}"
            if len(lines) > UNCREDITED_LINES_SHOWN
            else "",
        )
    )
    return blocks
