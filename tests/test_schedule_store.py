"""Releases stored once, governing exactly their interval of dates of service, looked up by date."""

from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import PPRRVU
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms import warehouse
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.schedule import governing_row, list_releases

FIXTURE_FILES = [
    PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv",
    PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv",
    PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv",
    PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv",
    PPRRVU / "RVU24AR" / "PPRRVU24_JAN.csv",
    PPRRVU / "RVU25D" / "PPRRVU2025_Oct.txt",
    PPRRVU / "RVU26A.zip",
]


@pytest.fixture
def loaded(workspace):
    load_schedule_files(workspace, FIXTURE_FILES)
    return workspace


def lookup(workspace, code, modifier, service_date):
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        return governing_row(con, code, modifier, service_date)


def test_intervals_run_to_the_day_before_the_next_release(loaded):
    with warehouse.connect(loaded.warehouse, read_only=True) as con:
        intervals = [(r["release"], r["effective_from"], r["effective_to"]) for r in list_releases(con)]
    assert intervals == [
        ("RVU20D", date(2020, 10, 1), date(2020, 12, 31)),
        ("RVU21A", date(2021, 1, 1), date(2022, 12, 31)),
        ("RVU23A", date(2023, 1, 1), date(2023, 12, 31)),
        ("RVU24A", date(2024, 1, 1), date(2024, 3, 8)),
        ("RVU24AR", date(2024, 3, 9), date(2025, 9, 30)),
        ("RVU25D", date(2025, 10, 1), date(2025, 12, 31)),
        ("RVU26A", date(2026, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("code", "modifier", "service_date", "release", "work_rvu"),
    [
        ("99213", "", date(2020, 12, 15), "RVU20D", "0.97"),  # docs/crediting.md worked lines
        ("99213", "", date(2021, 1, 4), "RVU21A", "1.30"),
        ("71046", "26", date(2023, 3, 1), "RVU23A", "0.22"),
        ("71046", "TC", date(2023, 3, 1), "RVU23A", "0.00"),
        ("27447", "", date(2023, 3, 1), "RVU23A", "19.60"),
        ("27447", "", date(2020, 10, 1), "RVU20D", "20.72"),
        ("27447", "", date(2026, 2, 1), "RVU26A", "19.11"),
        ("99214", "", date(2025, 10, 1), "RVU25D", "1.92"),
        ("93010", "26", date(2021, 6, 1), "RVU21A", "0.17"),  # professional-only code: its plain row
        ("71046", "50", date(2023, 3, 1), "RVU23A", "0.22"),  # other modifiers price from the plain row
    ],
)
def test_lookup_uses_the_release_in_force_on_the_date_of_service(
    loaded, code, modifier, service_date, release, work_rvu
):
    row = lookup(loaded, code, modifier, service_date)
    assert (row["release"], row["work_rvu"]) == (release, Decimal(work_rvu))


def test_rvu24ar_governs_from_march_9_2024_with_its_new_conversion_factor(loaded):
    before = lookup(loaded, "99213", "", date(2024, 3, 8))
    after = lookup(loaded, "99213", "", date(2024, 3, 9))
    assert (before["release"], before["conv_factor"]) == ("RVU24A", Decimal("32.7442"))
    assert (after["release"], after["conv_factor"]) == ("RVU24AR", Decimal("33.2875"))
    assert before["work_rvu"] == after["work_rvu"] == Decimal("1.30")


def test_lookup_refuses_dates_before_the_first_release_and_codes_not_in_it(loaded):
    with pytest.raises(
        WrvuError, match="no fee schedule governs 2020-09-30: the first loaded release, RVU20D, starts 2020-10-01"
    ):
        lookup(loaded, "99213", "", date(2020, 9, 30))
    with pytest.raises(WrvuError, match="99999 is not in RVU21A"):
        lookup(loaded, "99999", "", date(2021, 5, 1))
    with pytest.raises(WrvuError, match="93000 has no 26 row in RVU21A"):
        lookup(loaded, "93000", "26", date(2021, 5, 1))


def test_loading_the_same_file_again_is_a_no_op(loaded):
    again = load_schedule_files(loaded, [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv"])
    assert again == [
        f"RVU20D (from 2020-10-01): 33 rows already loaded, nothing to do - {PPRRVU / 'RVU20D' / 'PPRRVU20_OCT.csv'}"
    ]
    # the CSV of a release whose TXT is loaded prices the same rows: also a no-op
    assert "nothing to do" in load_schedule_files(loaded, [PPRRVU / "RVU25D" / "PPRRVU2025_Oct.csv"])[0]


def test_another_file_for_a_loaded_release_is_refused_unless_replace(loaded):
    revised = PPRRVU / "RVU24AR" / "PPRRVU24_JAN.csv"
    with pytest.raises(WrvuError, match="release RVU24A is already loaded from .*pass --replace"):
        load_schedule_files(loaded, [revised], release="RVU24A")
    assert "replaced" in load_schedule_files(loaded, [revised], release="RVU24A", replace=True)[0]
    assert lookup(loaded, "99213", "", date(2024, 1, 2))["conv_factor"] == Decimal("33.2875")


def test_two_releases_never_share_a_first_date(loaded):
    with pytest.raises(WrvuError, match="release RVU24A .* already governs from 2024-01-01"):
        load_schedule_files(
            loaded, [PPRRVU / "RVU24AR" / "PPRRVU24_JAN.csv"], release="RVU24X", effective_from=date(2024, 1, 1)
        )


def test_one_bad_file_among_several_stores_nothing(workspace, tmp_path):
    bad = tmp_path / "PPRRVU21_APR.csv"
    bad.write_text("npi,employee_id\n1234567893,E1\n")
    with pytest.raises(WrvuError, match="not a PPRRVU file"):
        load_schedule_files(workspace, [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv", bad])
    assert not workspace.warehouse.exists()


def test_a_folder_loads_every_pprrvu_file_in_it(workspace):
    lines = load_schedule_files(workspace, [PPRRVU / "RVU25D"])
    assert [line.split(" - ")[0] for line in lines] == [
        "RVU25D (from 2025-10-01): 33 rows loaded",
        "RVU25D (from 2025-10-01): 33 rows already loaded, nothing to do",
    ]
