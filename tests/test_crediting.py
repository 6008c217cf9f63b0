"""Crediting claim lines (docs/crediting.md): every worked line and every rule, priced from real CMS rows."""

import shutil
from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from tests.conftest import PPRRVU
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.crediting import CreditingPolicy, load_crediting_policy
from wrvu.transforms import warehouse
from wrvu.transforms.crediting import load_custom_rvus, price_new_keys, rank_multiple_procedures
from wrvu.transforms.errors import InputError, WrvuError

SCHEDULE_FILES = [
    PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv",  # governs 2020-10-01 .. 2020-12-31
    PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv",  # 2021-01-01 .. 2022-12-31
    PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv",  # 2023-01-01 .. 2023-12-31
    PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv",  # 2024-01-01 .. open
]
DOS = date(2023, 3, 1)  # RVU23A
NPI_A, NPI_B = "1234567893", "1987654328"
LINE_COLUMNS = {
    "version_id": pl.Int64,
    "npi": pl.String,
    "patient_key": pl.Int64,
    "service_date": pl.Date,
    "cpt_code": pl.String,
    "modifier_1": pl.String,
    "modifier_2": pl.String,
    "modifier_3": pl.String,
    "modifier_4": pl.String,
    "units": pl.Int32,
    "pinned_release": pl.String,
}


@pytest.fixture(scope="module")
def schedule_warehouse(tmp_path_factory):
    """A warehouse with the fixture releases loaded once; each test gets its own copy."""
    loaded = init_workspace(tmp_path_factory.mktemp("schedule") / "ws")
    load_schedule_files(loaded, SCHEDULE_FILES)
    return loaded.warehouse


@pytest.fixture
def con(workspace, schedule_warehouse):
    shutil.copyfile(schedule_warehouse, workspace.warehouse)
    with warehouse.connect(workspace.warehouse) as connection:
        yield connection


def line(code, service_date=DOS, modifiers=(), units=1, npi=NPI_A, patient=1, pinned="") -> dict:
    padded = [*modifiers, "", "", "", ""][:4]
    return {
        "npi": npi,
        "patient_key": patient,
        "service_date": service_date,
        "cpt_code": code,
        "modifier_1": padded[0],
        "modifier_2": padded[1],
        "modifier_3": padded[2],
        "modifier_4": padded[3],
        "units": units,
        "pinned_release": pinned,
    }


# What claim_lines_current shows of a line, for lines of a test table instead of the warehouse's.
CREDITED_TEST_LINES = """
create or replace temp table test_credits as
select
    lines.version_id,
    keys.release,
    keys.cms_work_rvu,
    line_factor(keys.factor, factors.multiple_factor) as factor,
    line_credited_wrvu(keys.is_credited, keys.cms_work_rvu, line_factor(keys.factor, factors.multiple_factor), lines.units)
        as credited_wrvu,
    line_rule(keys.rule, factors.multiple_factor) as rule,
    keys.flags,
    keys.source_line
from test_lines as lines
inner join credit_keys as keys
    using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)
left join credit_multiple_factors as factors on lines.version_id = factors.version_id
"""


def credit(con, lines: list[dict], policy: CreditingPolicy | None = None) -> list[dict]:
    """Credit the lines (version_id = position + 1) as an ingest does: price their keys, rank their
    procedures; returns the credits in input order."""
    policy = policy or CreditingPolicy()
    frame = pl.DataFrame([{"version_id": i, **row} for i, row in enumerate(lines, start=1)], schema=LINE_COLUMNS)
    con.register("staged_test_lines", frame)
    con.execute("create or replace temp table staged_lines as select * from staged_test_lines")
    con.execute("delete from credit_keys")  # priced afresh under this policy
    price_new_keys(con, "staged_lines", policy)
    con.execute(
        "create or replace temp table test_lines as select staged_lines.*, credit_keys.credit_key from staged_lines "
        "inner join credit_keys using (service_date, pinned_release, cpt_code, modifier_1, modifier_2, modifier_3, modifier_4)"
    )
    rank_multiple_procedures(con, "test_lines", policy.multiple_procedure)
    con.execute(CREDITED_TEST_LINES)
    return con.sql("select * from test_credits order by version_id").pl().to_dicts()


def credit_one(con, row: dict, policy: CreditingPolicy | None = None) -> dict:
    return credit(con, [row], policy)[0]


def restate_row(con, release: str, code: str, **changes: str) -> None:
    """Give a real CMS row another indicator, for values no fixture code carries (e.g. status R)."""
    assignments = ", ".join(f"{column} = ${column}" for column in changes)
    con.execute(
        f"update schedule_rows set {assignments} where release = $release and cpt_code = $code and modifier = ''",
        {**changes, "release": release, "code": code},
    )


def write_custom_rvus(workspace, text: str):
    path = workspace.config / "custom_rvus.csv"
    path.write_text(text)
    return path


# --- the worked lines of docs/crediting.md ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("service_date", "code", "modifier", "units", "credited", "release", "rule"),
    [
        (date(2020, 12, 15), "99213", "", 1, "0.97", "RVU20D", "cms"),
        (date(2021, 1, 4), "99213", "", 1, "1.30", "RVU21A", "cms"),
        (date(2021, 1, 4), "99213", "", -1, "-1.30", "RVU21A", "cms"),
        (date(2023, 3, 1), "71046", "26", 1, "0.22", "RVU23A", "cms_26"),
        (date(2023, 3, 1), "71046", "TC", 1, "0.00", "RVU23A", "cms_tc"),
        (date(2023, 3, 1), "27447", "80", 1, "3.136", "RVU23A", "cms+asst_80"),
        (date(2023, 3, 1), "27447", "62", 1, "12.25", "RVU23A", "cms+cosurgeon_62"),
    ],
)
def test_worked_lines(con, service_date, code, modifier, units, credited, release, rule):
    credit = credit_one(con, line(code, service_date, [modifier] if modifier else [], units))
    assert (credit["credited_wrvu"], credit["release"], credit["rule"]) == (Decimal(credited), release, rule)


def test_the_output_has_one_row_per_line_with_exact_decimals_and_lineage(con):
    rows = credit(
        con, [line("99213", date(2020, 12, 15)), line("27447", modifiers=["80"]), line("99213", date(2019, 1, 2))]
    )
    assert rows == [
        {
            "version_id": 1,
            "release": "RVU20D",
            "cms_work_rvu": Decimal("0.97"),
            "factor": Decimal("1.00000000"),
            "credited_wrvu": Decimal("0.9700"),
            "rule": "cms",
            "flags": "",
            "source_line": 39,
        },
        {
            "version_id": 2,
            "release": "RVU23A",
            "cms_work_rvu": Decimal("19.60"),
            "factor": Decimal("0.16000000"),
            "credited_wrvu": Decimal("3.1360"),
            "rule": "cms+asst_80",
            "flags": "",
            "source_line": 19,
        },
        {
            "version_id": 3,
            "release": None,
            "cms_work_rvu": None,
            "factor": None,
            "credited_wrvu": Decimal("0.0000"),
            "rule": "no_schedule",
            "flags": "",
            "source_line": None,
        },
    ]
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_name = 'test_credits'"
        ).fetchall()
    )
    assert types == {
        "version_id": "BIGINT",
        "release": "VARCHAR",
        "cms_work_rvu": "DECIMAL(9,2)",
        "factor": "DECIMAL(18,8)",
        "credited_wrvu": "DECIMAL(18,4)",
        "rule": "VARCHAR",
        "flags": "VARCHAR",
        "source_line": "INTEGER",
    }


# --- 1. the schedule row --------------------------------------------------------------------------


def test_53_prices_from_the_53_row_when_the_code_has_one(con):
    reduced, plain_code = credit(con, [line("45378", modifiers=["53"]), line("99213", modifiers=["53"])])
    assert (reduced["credited_wrvu"], reduced["rule"], reduced["source_line"]) == (Decimal("1.63"), "cms_53", 22)
    assert (plain_code["credited_wrvu"], plain_code["rule"]) == (Decimal("1.30"), "cms")


def test_26_on_a_professional_only_code_prices_from_its_plain_row(con):
    credit = credit_one(con, line("93010", modifiers=["26"]))
    assert (credit["credited_wrvu"], credit["rule"], credit["source_line"]) == (Decimal("0.17"), "cms_26_plain", 31)


@pytest.mark.parametrize(
    "modifiers",
    [
        ["26"],  # 93000 has PCTC 4 and no 26 row
        ["TC"],  # nor a TC row
        ["26", "TC"],  # both components at once
    ],
)
def test_a_component_the_code_does_not_have_is_held_as_invalid_modifier(con, modifiers):
    credit = credit_one(con, line("93000", modifiers=modifiers))
    assert credit == {
        "version_id": 1,
        "release": "RVU23A",
        "cms_work_rvu": None,
        "factor": None,
        "credited_wrvu": Decimal("0.0000"),
        "rule": "invalid_modifier",
        "flags": "",
        "source_line": None,
    }


def test_a_date_before_any_loaded_release_is_held_as_no_schedule(con):
    credit = credit_one(con, line("99213", date(2020, 9, 30)))
    assert (credit["release"], credit["rule"], credit["credited_wrvu"]) == (None, "no_schedule", Decimal("0"))


def test_a_code_in_no_release_is_held_as_unknown_code(con):
    credit = credit_one(con, line("99999"))
    assert (credit["release"], credit["rule"], credit["credited_wrvu"]) == ("RVU23A", "unknown_code", Decimal("0"))


def test_a_pinned_release_prices_instead_of_the_date_of_service(con):
    pinned, unloaded = credit(con, [line("99213", date(2023, 3, 1), pinned="RVU20D"), line("99213", pinned="RVU19A")])
    assert (pinned["release"], pinned["credited_wrvu"], pinned["rule"]) == ("RVU20D", Decimal("0.97"), "cms")
    assert (unloaded["release"], unloaded["rule"]) == (None, "no_schedule")


def test_a_policy_schedule_basis_pins_every_line_to_its_release(con):
    policy = CreditingPolicy(schedule_basis="RVU20D")
    rows = credit(con, [line("99213", date(2024, 6, 1)), line("27447", date(2019, 1, 2))], policy)
    assert [(r["release"], r["credited_wrvu"]) for r in rows] == [
        ("RVU20D", Decimal("0.97")),
        ("RVU20D", Decimal("20.72")),
    ]


def test_a_policy_pinned_to_a_release_not_loaded_is_refused(con):
    with pytest.raises(WrvuError, match="release RVU19A .* not loaded"):
        credit(con, [line("99213")], CreditingPolicy(schedule_basis="RVU19A"))


# --- custom RVUs -------------------------------------------------------------------------------------


CUSTOM_RVUS = """\
# committee decisions
cpt_code,modifier,work_rvu,effective_from,effective_to,note
99499,,1.00,2021-01-01,,unlisted E/M
99213,,2.00,2023-01-01,2023-12-31,override for 2023
71046,26,0.30,2023-01-01,,local read value
L0001,,0.50,2019-01-01,,local code
"""


def test_custom_rvus_win_over_cms_for_the_dates_they_cover_and_are_marked(con, workspace):
    assert load_custom_rvus(con, write_custom_rvus(workspace, CUSTOM_RVUS)) == 4
    rows = credit(
        con,
        [
            line("99499"),  # status C, priced by the custom row
            line("99499", date(2020, 12, 15)),  # before the custom row: unpriced
            line("99213"),  # overridden in 2023
            line("99213", date(2024, 1, 2)),  # and CMS again after
            line("71046", modifiers=["26"]),  # a custom 26 value
            line("71046"),  # the plain row stays CMS
            line("L0001", date(2019, 6, 1)),  # no CMS release governs 2019, the custom row does
            line("99213", modifiers=["80"], units=2),  # modifier factors and units apply to custom values
        ],
    )
    assert [(r["rule"], r["release"], r["cms_work_rvu"], r["credited_wrvu"], r["source_line"]) for r in rows] == [
        ("custom", "RVU23A", Decimal("1.00"), Decimal("1.00"), None),
        ("unpriced_status", "RVU20D", Decimal("0.00"), Decimal("0"), 43),
        ("custom", "RVU23A", Decimal("2.00"), Decimal("2.00"), None),
        ("cms", "RVU24A", Decimal("1.30"), Decimal("1.30"), 39),
        ("custom", "RVU23A", Decimal("0.30"), Decimal("0.30"), None),
        ("cms", "RVU23A", Decimal("0.22"), Decimal("0.22"), 24),
        ("custom", None, Decimal("0.50"), Decimal("0.50"), None),
        ("custom+asst_80", "RVU23A", Decimal("2.00"), Decimal("0.64"), None),
    ]


def test_custom_rvus_are_read_with_normalised_codes_and_rows_numbered_as_the_file(con, workspace):
    path = write_custom_rvus(
        workspace,
        "# comment\ncpt_code,modifier,work_rvu,effective_from,effective_to,note\n\n 1234 , as ,.5,2024-01-01,,padded\n",
    )
    load_custom_rvus(con, path)
    assert con.execute("select * from custom_rvus").fetchall() == [
        ("01234", "AS", Decimal("0.50"), date(2024, 1, 1), None, "padded", 4)
    ]


def test_a_custom_rvu_file_with_only_comments_or_absent_loads_no_rows(con, workspace):
    assert load_custom_rvus(con, workspace.config / "custom_rvus.csv") == 0  # the template
    assert load_custom_rvus(con, workspace.config / "absent.csv") == 0


@pytest.mark.parametrize(
    ("row", "line_number", "field", "reason"),
    [
        ("99213,,abc,2024-01-01,,x", 3, "work_rvu", "'abc' is not a work RVU"),
        ("99213,,1.234,2024-01-01,,x", 3, "work_rvu", "'1.234' is not a work RVU"),
        ("NO SHOW,,1.00,2024-01-01,,x", 3, "cpt_code", "'NO SHOW' is not a 5-character CPT/HCPCS code"),
        ("99213,ABC,1.00,2024-01-01,,x", 3, "modifier", "'ABC' is not a modifier"),
        ("99213,,1.00,2024-02-30,,x", 3, "effective_from", "'2024-02-30' is not a date"),
        ("99213,,1.00,,,x", 3, "effective_from", "'' is not a date"),
        ("99213,,1.00,2024-01-01,01/31/2024,x", 3, "effective_to", "'01/31/2024' is not a date"),
        ("99213,,1.00,2024-02-01,2024-01-31,x", 3, "effective_to", "is before effective_from"),
        ("99213,,1.00,2024-01-01,,x,extra", 3, None, "7 cells, but the header names 6 columns"),
    ],
)
def test_a_bad_custom_rvu_row_names_the_file_row_and_field(con, workspace, row, line_number, field, reason):
    path = write_custom_rvus(
        workspace, f"# values\ncpt_code,modifier,work_rvu,effective_from,effective_to,note\n{row}\n"
    )
    with pytest.raises(InputError) as raised:
        load_custom_rvus(con, path)
    assert (raised.value.path, raised.value.line, raised.value.field) == (str(path), line_number, field)
    assert raised.value.reason.startswith(reason)


def test_overlapping_custom_rvus_for_one_code_and_modifier_are_refused(con, workspace):
    path = write_custom_rvus(
        workspace,
        "cpt_code,modifier,work_rvu,effective_from,effective_to,note\n"
        "99213,,1.00,2024-01-01,,open\n99213,26,1.00,2024-01-01,,other modifier\n"
        "99213,,2.00,2025-06-01,2025-12-31,inside the open row\n",
    )
    with pytest.raises(InputError, match=r"custom_rvus.csv:4: effective_from: 99213 from 2025-06-01 overlaps row 2"):
        load_custom_rvus(con, path)


def test_a_custom_rvu_header_with_unknown_columns_is_refused(con, workspace):
    path = write_custom_rvus(workspace, "code,work_rvu,effective_from\n99213,1.00,2024-01-01\n")
    with pytest.raises(InputError, match=r"custom_rvus.csv:1: the header names cpt_code, work_rvu, effective_from"):
        load_custom_rvus(con, path)


def test_a_bad_custom_rvu_file_leaves_the_loaded_values(con, workspace):
    load_custom_rvus(con, write_custom_rvus(workspace, CUSTOM_RVUS))
    with pytest.raises(InputError):
        load_custom_rvus(con, write_custom_rvus(workspace, CUSTOM_RVUS + "99214,,x,2024-01-01,,\n"))
    assert con.execute("select count(*) from custom_rvus").fetchall() == [(4,)]


# --- 2. status codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "credited", "rule"),
    [
        ("G0439", "A", "1.92", "cms"),
        ("99406", "A", "0.24", "cms"),
        ("99091", "A", "1.10", "cms"),
        ("A0021", "I", "0", "unpriced_status"),  # I without a work RVU
        ("00100", "J", "0", "unpriced_status"),
        ("0075T", "C", "0", "unpriced_status"),
        ("99499", "C", "0", "unpriced_status"),
        ("36415", "X", "0", "unpriced_status"),
        ("A4216", "X", "0", "unpriced_status"),
    ],
)
def test_statuses_of_the_fixture_codes(con, code, status, credited, rule):
    assert con.execute(
        "select status from schedule_rows where release = 'RVU23A' and cpt_code = $code and modifier = ''",
        {"code": code},
    ).fetchall() == [(status,)]
    credit = credit_one(con, line(code))
    assert (credit["credited_wrvu"], credit["rule"]) == (Decimal(credited), rule)


@pytest.mark.parametrize(
    ("status", "credited", "rule"),
    [
        ("A", "1.92", "cms"),
        ("R", "1.92", "cms"),
        ("T", "1.92", "cms"),
        ("N", "1.92", "cms"),
        ("I", "1.92", "cms"),  # credited where the row carries a work RVU
        ("B", "0", "unpriced_status"),
        ("C", "0", "unpriced_status"),
        ("E", "0", "unpriced_status"),
        ("J", "0", "unpriced_status"),
        ("M", "0", "unpriced_status"),
        ("P", "0", "unpriced_status"),
        ("X", "0", "unpriced_status"),
    ],
)
def test_every_status_by_the_default_policy(con, status, credited, rule):
    restate_row(con, "RVU23A", "G0439", status=status)
    credit = credit_one(con, line("G0439"))
    assert (credit["credited_wrvu"], credit["rule"], credit["cms_work_rvu"]) == (
        Decimal(credited),
        rule,
        Decimal("1.92"),
    )


def test_statuses_are_policy_switches(con):
    restate_row(con, "RVU23A", "G0439", status="N")
    restate_row(con, "RVU23A", "99406", status="B")
    policy = CreditingPolicy(credited_statuses=["A", "B"], credited_if_work_rvu=[])
    preventive, bundled = credit(con, [line("G0439"), line("99406")], policy)
    assert (preventive["credited_wrvu"], preventive["rule"]) == (Decimal("0"), "unpriced_status")
    assert (bundled["credited_wrvu"], bundled["rule"]) == (Decimal("0.24"), "cms")


def test_unpriced_lines_are_priced_by_a_custom_value(con, workspace):
    load_custom_rvus(
        con,
        write_custom_rvus(
            workspace,
            "cpt_code,modifier,work_rvu,effective_from,effective_to,note\n00100,,4.00,2023-01-01,,anesthesia base\n",
        ),
    )
    credit = credit_one(con, line("00100"))
    assert (credit["credited_wrvu"], credit["rule"]) == (Decimal("4.00"), "custom")


# --- 3. modifier factors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "indicator", "credited", "rule", "flags"),
    [
        ("27447", "1", "29.40", "cms+bilateral_1.5", ""),
        ("69210", "2", "0.61", "cms+bilateral_1.0", ""),
        ("45378", "0", "3.26", "cms+bilateral_1.0", "bilateral_not_allowed"),
        ("77067", "2", "0.76", "cms+bilateral_1.0", ""),
    ],
)
def test_bilateral_50_by_the_bilat_surg_indicator(con, code, indicator, credited, rule, flags):
    assert con.execute(
        "select bilat_surg from schedule_rows where release = 'RVU23A' and cpt_code = $code and modifier = ''",
        {"code": code},
    ).fetchall() == [(indicator,)]
    credit = credit_one(con, line(code, modifiers=["50"]))
    assert (credit["credited_wrvu"], credit["rule"], credit["flags"]) == (Decimal(credited), rule, flags)


@pytest.mark.parametrize(
    ("indicator", "credited", "rule", "flags"),
    [("3", "39.20", "cms+bilateral_2.0", ""), ("9", "19.60", "cms+bilateral_1.0", "bilateral_not_allowed")],
)
def test_bilateral_indicators_no_fixture_code_carries(con, indicator, credited, rule, flags):
    restate_row(con, "RVU23A", "27447", bilat_surg=indicator)
    credit = credit_one(con, line("27447", modifiers=["50"]))
    assert (credit["credited_wrvu"], credit["rule"], credit["flags"]) == (Decimal(credited), rule, flags)


def test_bilateral_on_the_26_row_uses_its_indicator(con):
    credit = credit_one(con, line("77067", modifiers=["26", "50"]))
    assert (credit["credited_wrvu"], credit["rule"]) == (Decimal("0.76"), "cms_26+bilateral_1.0")


@pytest.mark.parametrize(
    ("modifier", "credited", "rule", "flags"),
    [
        ("62", "12.25", "cms+cosurgeon_62", ""),
        ("80", "3.136", "cms+asst_80", ""),
        ("81", "3.136", "cms+asst_81", ""),
        ("82", "3.136", "cms+asst_82", ""),
        ("AS", "3.136", "cms+asst_AS", ""),
        ("66", "19.60", "cms+team_66", "team_surgery_review"),
        ("54", "15.484", "cms+share_54", ""),  # PRE 0.10 + INTRA 0.69
        ("55", "4.116", "cms+share_55", ""),  # POST 0.21
        ("56", "1.96", "cms+share_56", ""),  # PRE 0.10
        ("78", "13.524", "cms+share_78", ""),  # INTRA 0.69
        ("22", "19.60", "cms+review_22", "review"),
        ("52", "19.60", "cms+review_52", "review"),
        ("51", "19.60", "cms", ""),  # multiple_procedure: none
    ],
)
def test_modifier_factors_on_a_total_knee(con, modifier, credited, rule, flags):
    credit = credit_one(con, line("27447", modifiers=[modifier]))
    assert (credit["credited_wrvu"], credit["rule"], credit["flags"]) == (Decimal(credited), rule, flags)


INFORMATIONAL = [
    "25",
    "59",
    "XE",
    "XS",
    "XP",
    "XU",
    "76",
    "77",
    "79",
    "58",
    "91",
    "GC",
    "FS",
    "95",
    "GT",
    "RT",
    "LT",
    "Q6",
]


def test_informational_modifiers_credit_the_full_value(con):
    rows = credit(con, [line("99213", modifiers=[modifier]) for modifier in INFORMATIONAL])
    assert {(r["credited_wrvu"], r["factor"], r["rule"], r["flags"]) for r in rows} == {
        (Decimal("1.30"), Decimal(1), "cms", "")
    }


def test_modifier_factors_multiply_in_modifier_order_and_a_repeated_modifier_applies_once(con):
    credit = credit_one(con, line("27447", modifiers=["50", "80", "RT", "80"]))
    assert (credit["factor"], credit["credited_wrvu"]) == (Decimal("0.24"), Decimal("4.704"))
    assert credit["rule"] == "cms+bilateral_1.5+asst_80"
    flagged = credit_one(con, line("45378", modifiers=["52", "50", "66"]))
    assert (flagged["rule"], flagged["flags"]) == (
        "cms+review_52+bilateral_1.0+team_66",
        "bilateral_not_allowed,review,team_surgery_review",
    )


def test_policy_overrides_a_factor_and_keeps_the_others(con):
    policy = CreditingPolicy(modifier_factors={"80": 0.2, "GC": "0.5"}, bilateral_factors={"1": 1.75})
    rows = credit(
        con,
        [
            line("27447", modifiers=["80"]),
            line("27447", modifiers=["81"]),
            line("27447", modifiers=["62"]),
            line("27447", modifiers=["50"]),
            line("99213", modifiers=["GC"]),
        ],
        policy,
    )
    assert [(r["credited_wrvu"], r["rule"]) for r in rows] == [
        (Decimal("3.92"), "cms+asst_80"),
        (Decimal("3.136"), "cms+asst_81"),
        (Decimal("12.25"), "cms+cosurgeon_62"),
        (Decimal("34.30"), "cms+bilateral_1.75"),
        (Decimal("0.65"), "cms+factor_GC"),
    ]


# --- 51 and multiple_procedure: cms ------------------------------------------------------------------


def test_multiple_procedures_rank_by_work_rvu_per_provider_patient_and_date(con):
    lines = [
        line("20610", modifiers=["51"]),  # MULT PROC 2, 0.79
        line("27447"),  # MULT PROC 2, 19.60: first
        line("45378", modifiers=["51"]),  # MULT PROC 2, 3.26
        line("99213", modifiers=["25"]),  # MULT PROC 0: not ranked
        line("20610", patient=2),  # another patient
        line("20610", npi=NPI_B),  # another provider
        line("20610", date(2023, 3, 2)),  # another day
    ]
    rows = credit(con, lines, CreditingPolicy(multiple_procedure="cms"))
    assert [(r["credited_wrvu"], r["rule"]) for r in rows] == [
        (Decimal("0.395"), "cms+multiple_0.5"),
        (Decimal("19.60"), "cms+multiple_1.0"),
        (Decimal("1.63"), "cms+multiple_0.5"),
        (Decimal("1.30"), "cms"),
        (Decimal("0.79"), "cms+multiple_1.0"),
        (Decimal("0.79"), "cms+multiple_1.0"),
        (Decimal("0.79"), "cms+multiple_1.0"),
    ]
    default = credit(con, lines)
    assert [r["credited_wrvu"] for r in default[:3]] == [Decimal("0.79"), Decimal("19.60"), Decimal("3.26")]


def test_multiple_procedures_a_void_nets_its_charge_and_the_next_procedure_ranks_first(con):
    policy = CreditingPolicy(multiple_procedure="cms")
    rows = credit(con, [line("27447"), line("45378"), line("27447", units=-1)], policy)
    assert [(r["credited_wrvu"], r["rule"]) for r in rows] == [
        (Decimal("9.80"), "cms+multiple_0.5"),
        (Decimal("3.26"), "cms+multiple_1.0"),
        (Decimal("-9.80"), "cms+multiple_0.5"),
    ]


# --- 4. units and signs ---------------------------------------------------------------------------


def test_units_multiply(con):
    rows = credit(con, [line("99213", units=3), line("27447", modifiers=["80"], units=2)])
    assert [r["credited_wrvu"] for r in rows] == [Decimal("3.90"), Decimal("6.272")]


def test_a_void_credits_the_negative_amount_priced_on_its_own_date(con):
    rows = credit(
        con,
        [
            line("99213", date(2020, 12, 15)),
            line("99213", date(2020, 12, 15), units=-1),
            line("99213", date(2021, 1, 4), units=-1),
        ],
    )
    assert [(r["release"], r["credited_wrvu"]) for r in rows] == [
        ("RVU20D", Decimal("0.97")),
        ("RVU20D", Decimal("-0.97")),
        ("RVU21A", Decimal("-1.30")),
    ]


def test_credits_round_half_away_from_zero_so_a_void_negates_its_charge_exactly(con):
    policy = CreditingPolicy(modifier_factors={"GC": "0.00005"})
    charge, void = credit(con, [line("99213", modifiers=["GC"]), line("99213", modifiers=["GC"], units=-1)], policy)
    assert (charge["credited_wrvu"], void["credited_wrvu"]) == (Decimal("0.0001"), Decimal("-0.0001"))  # 0.000065


# --- the policy file ----------------------------------------------------------------------------------


def test_an_absent_or_all_comment_policy_is_the_defaults(workspace):
    assert load_crediting_policy(workspace.config / "absent.yaml") == CreditingPolicy()
    template = load_crediting_policy(workspace.config / "crediting.yaml")
    assert template == CreditingPolicy()
    assert template.pinned_release is None
    assert template.modifier_factors == {
        "62": Decimal("0.625"),
        "80": Decimal("0.16"),
        "81": Decimal("0.16"),
        "82": Decimal("0.16"),
        "AS": Decimal("0.16"),
    }
    assert template.bilateral_factors == {"0": 1, "1": Decimal("1.5"), "2": 1, "3": 2, "9": 1}


def test_the_template_shows_every_default_when_uncommented(workspace):
    path = workspace.config / "crediting.yaml"
    uncommented = [
        line.removeprefix("# ")
        for line in path.read_text().splitlines()
        if line.startswith("# ") and ":" in line and not line.startswith("# The ")
    ]
    path.write_text("\n".join(uncommented) + "\n")
    assert load_crediting_policy(path) == CreditingPolicy()


def test_policy_values_are_read_from_the_file(workspace):
    path = workspace.config / "crediting.yaml"
    path.write_text(
        "schedule_basis: rvu20d\ncredited_statuses: [a, r, t, x]\nmultiple_procedure: cms\n"
        "modifier_factors:\n  80: 0.2\n  as: 0.2\n"
    )
    policy = load_crediting_policy(path)
    assert (policy.pinned_release, policy.credited_statuses, policy.multiple_procedure) == (
        "RVU20D",
        ["A", "R", "T", "X"],
        "cms",
    )
    assert (policy.modifier_factors["80"], policy.modifier_factors["AS"], policy.modifier_factors["62"]) == (
        Decimal("0.2"),
        Decimal("0.2"),
        Decimal("0.625"),
    )


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("assistant_factor: 0.2\n", "assistant_factor", "Extra inputs are not permitted"),
        ("multiple_procedure: some\n", "multiple_procedure", "Input should be 'none' or 'cms'"),
        ("modifier_factors:\n  '50': 1.5\n", "modifier_factors", "Value error, modifier 50 has its own rule"),
        ("modifier_factors:\n  '80': -1\n", "modifier_factors.80", "Input should be greater than or equal to 0"),
        ("bilateral_factors:\n  '12': 1.5\n", "bilateral_factors", "Value error, '12' is not a BILAT SURG indicator"),
        ("credited_statuses: [A, AB]\n", "credited_statuses.1", "String should match pattern"),
        (
            "credited_statuses: [A, N]\n",
            None,
            "Value error, statuses in both credited_statuses and credited_if_work_rvu: N",
        ),
        ("schedule_basis: post date\n", "schedule_basis", "Value error, expected date_of_service or a release id"),
    ],
)
def test_a_bad_policy_is_one_line_naming_file_and_field(workspace, text, field, reason):
    path = workspace.config / "crediting.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as raised:
        load_crediting_policy(path)
    assert (raised.value.path, raised.value.field) == (str(path), field)
    assert raised.value.reason.startswith(reason)
    assert "\n" not in str(raised.value)
