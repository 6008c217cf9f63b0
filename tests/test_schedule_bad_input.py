"""Bad fee-schedule files exit 2 naming the file, line and field, and store nothing; the quirks of
real files (Ctrl-Z line, CRLF or LF, quoted commas, padded labels, stripped zeros) are not errors."""

import zipfile

import pytest

from tests.conftest import PPRRVU

GOOD = PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv"


def lines_of(path):
    return path.read_bytes().decode("latin-1").split("\r\n")


def write_variant(tmp_path, lines, name="PPRRVU20_OCT.csv", newline="\r\n"):
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode("latin-1"))
    return path


def line_number_of(lines, code):
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(code + ","))


def assert_refused(result, *fragments):
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.count("\n") == 0, "one line"
    for fragment in fragments:
        assert fragment in message, message


def test_not_a_pprrvu_file(wrvu, workspace, tmp_path):
    roster = tmp_path / "PPRRVU20_OCT.csv"
    roster.write_text("npi,employee_id,provider_name\n1234567893,E1,Rivera\n")
    assert_refused(wrvu("schedule", "load", str(roster)), f"{roster}:1:", "not a PPRRVU file")
    assert not workspace.warehouse.exists()


def test_a_file_of_another_cms_kind(wrvu, tmp_path):
    gpci = tmp_path / "GPCI2020.csv"
    gpci.write_text(
        "Medicare Administrative Contractor,State,Locality Number,Locality Name,PW GPCI\n01112,CA,26,LOS ANGELES,1.046\n"
    )
    assert_refused(wrvu("schedule", "load", str(gpci), "--release", "RVU20D"), "not a PPRRVU file")


def test_truncated_row(wrvu, workspace, tmp_path):
    lines = lines_of(GOOD)
    at = line_number_of(lines, "99213")
    cut = lines[: at - 1] + [lines[at - 1][:40]]
    assert_refused(wrvu("schedule", "load", str(write_variant(tmp_path, cut))), f"PPRRVU20_OCT.csv:{at}:", "truncated")
    assert not workspace.warehouse.exists()


def test_non_numeric_work_rvu_names_line_and_field(wrvu, workspace, tmp_path):
    lines = lines_of(GOOD)
    at = line_number_of(lines, "99213")
    lines[at - 1] = lines[at - 1].replace(",0.97,", ",O.97,", 1)
    assert_refused(
        wrvu("schedule", "load", str(write_variant(tmp_path, lines))),
        f"PPRRVU20_OCT.csv:{at}: WORK RVU: 'O.97' is not a number",
    )
    assert not workspace.warehouse.exists()


def test_truncated_fixed_width_record(wrvu, tmp_path):
    records = (PPRRVU / "RVU25D" / "PPRRVU2025_Oct.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "PPRRVU2025_Oct.txt"
    path.write_bytes(b"".join(records[:10]) + records[10][:90])
    assert_refused(wrvu("schedule", "load", str(path)), "PPRRVU2025_Oct.txt:11:", "truncated")


def test_zip_without_a_pprrvu_file(wrvu, tmp_path):
    bundle = tmp_path / "RVU26A.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("GPCI2026.csv", "a,b\n")
    assert_refused(wrvu("schedule", "load", str(bundle)), "RVU26A.zip", "no PPRRVU file")


def test_name_without_a_release_needs_release(wrvu, tmp_path):
    path = tmp_path / "fee_schedule.csv"
    path.write_bytes(GOOD.read_bytes())
    assert_refused(wrvu("schedule", "load", str(path)), "cannot tell the release", "--release")
    assert wrvu("schedule", "load", str(path), "--release", "RVU20D").exit_code == 0


def test_quirks_of_real_files_are_not_errors(wrvu, tmp_path):
    lines = lines_of(GOOD)
    header = next(i for i, line in enumerate(lines) if line.startswith("HCPCS,"))
    lines[header] = lines[header].replace("MOD,", "MOD  ,").replace("RVU,", "RVU ,", 1)  # padded labels
    lines = [line.replace("00100,", "100,", 1) if line.startswith("00100,") else line for line in lines]
    path = write_variant(tmp_path, lines, newline="\n")  # LF instead of CRLF
    assert "\x1a" in path.read_text(encoding="latin-1")
    result = wrvu("schedule", "load", str(path))
    assert result.exit_code == 0, result.output
    shown = wrvu("schedule", "show", "100", "--date", "2020-11-01", "--json")
    assert '"cpt_code": "00100"' in shown.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("schedule", "show", "99213", "--date", "2020-09-30"), "no fee schedule governs 2020-09-30"),
        (("schedule", "show", "99999", "--date", "2020-11-01"), "99999 is not in RVU20D"),
        (("schedule", "show", "99213", "--date", "11/01/2020"), "is not a date as YYYY-MM-DD"),
    ],
)
def test_show_exits_2_with_a_clear_message(wrvu, args, fragment):
    assert wrvu("schedule", "load", str(GOOD)).exit_code == 0
    result = wrvu(*args)
    assert result.exit_code == 2 and fragment in result.stderr
