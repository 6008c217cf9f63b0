"""Each quarantine reason, exactly: the field blamed and the sentence a user reads."""

from datetime import date

import polars as pl
import pytest

from tests.ingest_helpers import NPI_A
from wrvu.transforms.validate import PatientKeys, validate_claim_lines

KEY = bytes.fromhex("00" * 32)
GOOD = {
    "transaction_id": "T1",
    "claim_id": "C1",
    "rendering_npi": NPI_A,
    "service_date": "2021-02-01",
    "post_date": "2021-02-02",
    "cpt_code": "99213",
    "units": "1",
    "patient_id": "MRN1",
}


def validate(*rows: dict, date_format: str | None = None):
    raw = pl.DataFrame([{**GOOD, **row} for row in rows]).with_row_index("source_row", offset=2)
    return validate_claim_lines(
        raw.with_columns(pl.col("source_row").cast(pl.Int64)),
        date_format=date_format,
        today=date(2026, 11, 23),
        patients=PatientKeys(KEY),
    )


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"transaction_id": " "}, "transaction_id", "missing"),
        ({"patient_id": None}, "patient_id", "missing"),
        (
            {"rendering_npi": "1234567890"},
            "rendering_npi",
            "'1234567890' is not a 10-digit NPI with a valid check digit",
        ),
        (
            {"rendering_npi": "1.23457E+09"},
            "rendering_npi",
            "'1.23457E+09' is not a 10-digit NPI with a valid check digit",
        ),
        ({"service_date": "2021-02-30"}, "service_date", "'2021-02-30' is not a date in the format %Y-%m-%d"),
        (
            {"service_date": "2027-01-01", "post_date": "2027-01-02"},
            "service_date",
            "service date 2027-01-01 is in the future",
        ),
        ({"service_date": "2021-02-03"}, "service_date", "service date 2021-02-03 is after post date 2021-02-02"),
        ({"post_date": "02/02/2021"}, "post_date", "'02/02/2021' is not a date in the format %Y-%m-%d"),
        ({"service_date": "21-02-01"}, "service_date", "'21-02-01' is not a date in the format %Y-%m-%d"),
        ({"cpt_code": "NO SHOW"}, "cpt_code", "'NO SHOW' is not a CPT/HCPCS code"),
        ({"cpt_code": "UNAPPLIED PAYMENT"}, "cpt_code", "'UNAPPLIED PAYMENT' is not a CPT/HCPCS code"),
        ({"modifier_1": "2"}, "modifier_1", "'2' is not a modifier (two letters or digits)"),
        ({"units": "abc"}, "units", "'abc' is not a whole number of units"),
        ({"units": "1.5"}, "units", "'1.5' is not a whole number of units"),
        ({"units": "100000"}, "units", "'100000' is an implausible number of units (beyond +/-9999)"),
        ({"place_of_service": "ABC"}, "place_of_service", "'ABC' is not a place of service (1-2 digits)"),
    ],
)
def test_each_reason(change, field, reason):
    result = validate(GOOD, change)
    assert result.accepted["source_row"].to_list() == [2]
    assert result.quarantined.select("source_row", "field", "reason").rows() == [(3, field, reason)]


def test_the_first_failing_field_is_blamed_and_the_raw_row_hides_the_patient():
    result = validate({"claim_id": "", "cpt_code": "NO SHOW", "patient_id": "SECRET"})
    assert result.quarantined.select("field", "reason").rows() == [("claim_id", "missing")]
    raw = result.quarantined["raw_row"][0]
    assert "SECRET" not in raw and '"cpt_code":"NO SHOW"' in raw and '"patient_key":' in raw


def test_accepted_lines_are_typed_and_normalised():
    result = validate(
        {
            "cpt_code": " 100 ",
            "modifier_1": "rt",
            "modifier_2": "lt ",
            "units": "+2.00",
            "place_of_service": "1",
            "service_date": "02/01/2021",
            "post_date": "02/03/2021",
        },
        date_format="%m/%d/%Y",
    )
    row = result.accepted.row(0, named=True)
    assert (row["cpt_code"], row["modifier_1"], row["modifier_2"], row["units"], row["place_of_service"]) == (
        "00100",
        "RT",
        "LT",
        2,
        "01",
    )
    assert (row["service_date"], row["post_date"]) == (date(2021, 2, 1), date(2021, 2, 3))
    assert result.quarantined.height == 0


def test_keyed_patient_hash():
    one = validate(GOOD).accepted["patient_key"][0]
    assert one == validate(GOOD).accepted["patient_key"][0]
    other = validate_claim_lines(
        pl.DataFrame([GOOD]).with_columns(source_row=pl.lit(2, pl.Int64)),
        date_format=None,
        today=date(2026, 11, 23),
        patients=PatientKeys(bytes.fromhex("11" * 32)),
    ).accepted["patient_key"][0]
    assert one != other


def test_every_row_is_accepted_or_quarantined():
    rows = [GOOD, {"units": "x"}, {"cpt_code": "PMT"}, {"transaction_id": "T9"}, {"rendering_npi": ""}]
    result = validate(*rows)
    assert result.accepted.height + result.quarantined.height == len(rows)
    assert sorted(result.accepted["source_row"].to_list() + result.quarantined["source_row"].to_list()) == [
        2,
        3,
        4,
        5,
        6,
    ]


def test_the_patient_key_is_hmac_sha256_with_the_workspace_key_truncated_to_64_bits():
    import hashlib
    import hmac

    expected = int.from_bytes(hmac.new(KEY, b"MRN1", hashlib.sha256).digest()[:8], "big", signed=True)
    assert validate(GOOD).accepted["patient_key"][0] == expected


def test_patient_keys_are_remembered_across_batches_and_a_long_key_is_hashed_first():
    import hashlib
    import hmac

    long_key = bytes(range(100))
    patients = PatientKeys(long_key, remember=2)
    ids = ["MRN1", "Müller-1", "MRN1", "x" * 300]
    expected = {
        i: int.from_bytes(hmac.new(long_key, i.encode(), hashlib.sha256).digest()[:8], "big", signed=True) for i in ids
    }
    for batch in (ids[:2], ids):  # the second batch overflows what is remembered: it starts again
        keys = patients.of(pl.Series(batch))
        assert dict(keys.iter_rows()) == {i: expected[i] for i in batch}
