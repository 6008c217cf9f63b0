"""837P files ingested like any extract: found by content, a line a row, faulty claims quarantined with
their segment and the row accounting whole; a replacement claim corrects its lines, a void credits
them nothing."""

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, ingest, query
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.errors import InputError

ISA = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *240410*0930*^*00501*000000101*0*P*:~\n"


def claim_837(claim_id: str, frequency: str, lines: list[tuple[str, str, int]], created: str = "20240405") -> str:
    """An 837P of one claim of patient PAT-1 rendered by NPI_A: lines of (line id, code, units)."""
    segments = [
        "GS*HC*SUBMITTER*RECEIVER*20240410*0930*101*X*005010X222A1~",
        "ST*837*0001*005010X222A1~",
        f"BHT*0019*00*B1*{created}*0930*CH~",
        "HL*1**20*1~",
        f"NM1*85*2*NORTHSIDE CLINIC*****XX*{NPI_B}~",
        "HL*2*1*22*0~",
        "SBR*P*18*******CI~",
        "NM1*IL*1*DOE*JANE****MI*PAT-1~",
        f"CLM*{claim_id}*100***11:B:{frequency}*Y*A*Y*Y~",
        "DTP*472*D8*20240301~",
        f"NM1*82*1*SMITH*ANN****XX*{NPI_A}~",
    ]
    for number, (line_id, code, units) in enumerate(lines, start=1):
        segments += [f"LX*{number}~", f"SV1*HC:{code}*100*UN*{units}***1~", f"REF*6R*{line_id}~"]
    segments += [f"SE*{len(segments)}*0001~", "GE*1*101~", "IEA*1*000000101~"]
    return ISA + "\n".join(segments) + "\n"


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    return workspace


def lines(ws) -> list[tuple]:
    return query(
        ws,
        "select transaction_id, claim_id, npi, service_date, post_date, cpt_code, units, credited_wrvu, source_row "
        "from claim_lines order by transaction_id",
    )


def test_an_837p_is_read_like_any_extract_whatever_its_name(ws):
    (ws.inbox / "claims.txt").write_text(claim_837("C1", "1", [("L1", "99213", 1), ("L2", "99214", 2)]))
    [file] = ingest(ws)["files"]
    assert (file["rows_read"], file["rows_accepted"], file["rows_quarantined"]) == (2, 2, 0)
    [l1, l2] = lines(ws)
    # the rendering NPI of the claim (2310B), not the billing provider's; the post date is BHT04
    assert (l1[0], l1[1], l1[2], str(l1[3]), str(l1[4]), l1[5], l1[6]) == (
        "L1",
        "C1",
        NPI_A,
        "2024-03-01",
        "2024-04-05",
        "99213",
        1,
    )
    assert (l2[5], l2[6], str(l2[7])) == ("99214", 2, "3.8400")  # 2 x 1.92 (RVU23A)
    assert l1[8] == 14, "the line's row is its SV1 segment's number in the file (ISA is 1)"


def test_a_replacement_corrects_its_lines_and_a_void_credits_them_nothing(ws):
    (ws.inbox / "original.837").write_text(claim_837("C1", "1", [("L1", "99213", 1), ("L2", "99214", 1)]))
    ingest(ws, run_id="r1")
    (ws.inbox / "replacement.837").write_text(
        claim_837("C1", "7", [("L1", "99213", 1), ("L2", "99215", 1)], created="20240406")
    )
    [file] = ingest(ws, run_id="r2")["files"]
    # both lines are new versions: L2's code changed, and L1 was posted again (the replacement's BHT04)
    assert (file["rows_read"], file["rows_accepted"], file["rows_duplicate"]) == (2, 2, 0)
    assert [(l[0], l[5], str(l[4])) for l in lines(ws)] == [
        ("L1", "99213", "2024-04-06"),
        ("L2", "99215", "2024-04-06"),
    ]
    (ws.inbox / "void.837").write_text(claim_837("C1", "8", [("L1", "99213", 1), ("L2", "99215", 1)], "20240407"))
    ingest(ws, run_id="r3")
    assert [(l[0], l[6], str(l[7])) for l in lines(ws)] == [("L1", 0, "0.0000"), ("L2", 0, "0.0000")]


def test_a_faulty_claim_is_quarantined_with_its_segment_and_the_others_kept(ws):
    good = claim_837("C1", "1", [("L1", "99213", 1)])
    bad = claim_837("C2", "1", [("L9", "99213", 1)]).replace("SV1*HC:99213*100*UN*1", "SV1*HC:99213*100*UN*one")
    (ws.inbox / "good.837").write_text(good)
    (ws.inbox / "bad.837").write_text(bad)
    summary = ingest(ws)
    counts = {
        f["source_file"].rsplit("/", 1)[1]: (f["rows_read"], f["rows_accepted"], f["rows_quarantined"])
        for f in summary["files"]
    }
    assert counts == {"bad.837": (1, 0, 1), "good.837": (1, 1, 0)}
    [row] = query(ws, "select source_row, field, reason, raw_row from quarantine")
    assert row[0] == 14 and row[1] == "SV104" and "claim C2" in row[2] and "PAT-1" not in row[3]


def test_an_837_without_an_isa_is_refused_naming_the_file(ws):
    (ws.inbox / "claims.837").write_text("GS*HC*X~ST*837*1~")
    with pytest.raises(InputError, match=r"claims\.837.*ISA"):
        ingest(ws)


def test_a_txt_file_is_an_extract_only_when_it_is_an_837p(ws):
    (ws.inbox / "notes.txt").write_text("transaction_id,claim_id\n")
    (ws.inbox / "claims.txt").write_text(claim_837("C1", "1", [("L1", "99213", 1)]))
    summary = ingest(ws)
    assert [f["source_file"].rsplit("/", 1)[1] for f in summary["files"]] == ["claims.txt"]


def test_lines_a_replacement_or_a_void_leaves_out_are_voided(ws):
    (ws.inbox / "original.837").write_text(
        claim_837("C1", "1", [("L1", "99213", 1), ("L2", "99214", 1), ("L3", "99212", 1)])
    )
    (ws.inbox / "other.837").write_text(claim_837("C2", "1", [("M1", "99213", 1)]))
    ingest(ws, run_id="r1")
    # the replacement keeps L1 and drops L2 and L3: the claim is now L1 alone
    (ws.inbox / "replacement.837").write_text(claim_837("C1", "7", [("L1", "99213", 1)], created="20240406"))
    [file] = ingest(ws, run_id="r2")["files"]
    assert (file["rows_read"], file["rows_accepted"], file["rows_quarantined"], file["rows_duplicate"]) == (1, 1, 0, 0)
    implied = query(
        ws,
        "select transaction_id, units, implied_by, source_row from claim_lines_current where claim_id = 'C1' "
        "order by transaction_id",
    )
    assert implied == [("L1", 1, None, 14), ("L2", 0, "claim_replacement", 14), ("L3", 0, "claim_replacement", 14)]
    assert query(ws, "select units from claim_lines where claim_id = 'C2'") == [(1,)], "another claim untouched"
    # a void of C2 that repeats none of its lines still cancels them
    (ws.inbox / "void.837").write_text(claim_837("C2", "8", [("M9", "99213", 1)], created="20240407"))
    ingest(ws, run_id="r3")
    assert query(ws, "select transaction_id, units, implied_by from claim_lines where claim_id = 'C2' order by 1") == [
        ("M1", 0, "claim_void"),
        ("M9", 0, None),
    ]


def test_anesthesia_minutes_are_kept_and_credit_nothing(ws):
    text = claim_837("C1", "1", [("L1", "99213", 1), ("L2", "99213", 45)]).replace(
        "SV1*HC:99213*100*UN*45", "SV1*HC:99213*100*MJ*45"
    )
    (ws.inbox / "anesthesia.837").write_text(text)
    ingest(ws)
    rows = "select transaction_id, units, unit_basis, cast(credited_wrvu as varchar), rule from claim_lines order by 1"
    assert query(ws, rows) == [("L1", 1, "UN", "1.3000", "cms"), ("L2", 45, "MJ", "0.0000", "anesthesia_minutes")]
