"""The PDF and HTML renderers and the charts: a clinician's statement says the same in both, escapes
what billing extracts put in it, renders accented names, and no chart crashes on thin data."""

import io
import math
import re
from html.parser import HTMLParser

import pytest
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from wrvu.transforms.charts import drawing_of, unaccented
from wrvu.transforms.document import (
    BandChart,
    BandRow,
    BarChart,
    Document,
    Facts,
    Heading,
    Line,
    LineChart,
    Paragraph,
    Point,
    ScatterChart,
    Table,
)
from wrvu.transforms.render_html import html_bytes
from wrvu.transforms.render_pdf import pdf_bytes

NAME = "Zoë Kővári-Núñez"
MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))
FACTS = Facts(
    rows=(
        ("Credited wRVUs, year to date", "5,312.40"),
        ("Threshold, year to date (prorated for 0.90 FTE)", "4,860.00"),
        ("wRVUs above threshold", "452.40"),
        ("Rate per wRVU above threshold", "$52.00"),
        ("Incentive earned, year to date", "$23,524.80"),
        ("Paid through 2025-11", "$21,310.00"),
        ("True-up in the January payroll", "$2,214.80"),
    ),
    strong=("True-up in the January payroll",),
)
SERVICES = Table(
    columns=("CPT", "Description", "Units", "wRVUs", "Share of wRVUs"),
    rows=tuple(
        (code, text, f"{units:,}", f"{rvus:,.2f}", f"{share:.1f}%")
        for code, text, units, rvus, share in (
            ("99214", "Office visit, established patient, moderate", 1412, 2682.80, 50.5),
            ("99213", "Office visit, established patient, low", 904, 1175.20, 22.1),
            ("99215", "Office visit, established patient, high", 201, 562.80, 10.6),
            ("99204", "Office visit, new patient, moderate", 96, 250.56, 4.7),
            ("G2211", "Visit complexity add-on", 1180, 389.40, 7.3),
            ("99497", "Advance care planning, first 30 minutes", 44, 66.00, 1.2),
            ("93000", "Electrocardiogram with interpretation", 210, 35.70, 0.7),
            ("99396", "Preventive visit, established, 40-64 years", 38, 72.20, 1.4),
            ("20610", "Arthrocentesis, major joint", 31, 24.80, 0.5),
            ("11102", "Tangential biopsy of skin, single lesion", 27, 17.82, 0.3),
        )
    ),
    numeric=(False, False, True, True, True),
    caption="The ten services with the most credited wRVUs, year to date",
)
PEERS = (
    ("Zoë Kővári-Núñez", 62, 51.0, "Internal medicine"),
    ("José Peña", 48, 46.5, "Internal medicine"),
    ("Paweł Wąsik", 75, 55.2, "Internal medicine"),
    ("Anna Müller", 35, 49.0, "Family medicine"),
    ("Łucja Nowak", 55, 60.1, "Family medicine"),
    ("Chloé Dubois", 81, 44.3, "Family medicine"),
    ("Ngọc Trần", 22, 57.7, "Pediatrics"),
    ("Sam Okafor", 90, 52.9, "Pediatrics"),
)


def statement() -> Document:
    """A clinician's year-end statement, as statements.py would write it."""
    actual = (410.2, 395.0, 462.8, 448.1, 470.5, 401.9, 388.0, 455.3, 480.6, 472.2, 430.0, 448.8)
    benchmarks = {
        p: tuple(round(base * (1 + (i % 3) / 40), 1) for i in range(12))
        for p, base in ((25, 330.0), (50, 395.0), (75, 455.0), (90, 520.0))
    }
    return Document(
        title=f"Productivity statement: {NAME}, MD",
        subtitle="Year 2025 · Internal medicine · 0.90 clinical FTE · Riverside Medical Group",
        blocks=(
            Heading("Summary"),
            FACTS,
            Paragraph(
                "Each charge line earns the work RVUs CMS published for its service on its date of service, "
                "adjusted by the group's crediting policy; wRVUs above the prorated threshold are paid at the rate "
                "of the plan. Figures are final for the period 2025-12."
            ),
            Paragraph("Two charge lines of 2025-12-30 are held until their modifiers are corrected.", kind="warning"),
            Heading("Monthly wRVUs"),
            LineChart(
                title="wRVUs per month against the specialty's benchmarks",
                x_labels=MONTHS,
                lines=(
                    Line("credited wRVUs", actual),
                    Line("p25", benchmarks[25], "dotted"),
                    Line("p50", benchmarks[50], "dashed"),
                    Line("p75", benchmarks[75], "dashed"),
                    Line("p90", benchmarks[90], "dotted"),
                ),
                y_label="wRVUs",
                bars=Line("above or below p50", tuple(a - b for a, b in zip(actual, benchmarks[50], strict=True))),
                bands=(("p25–p75", Line("p25", benchmarks[25]), Line("p75", benchmarks[75])),),
            ),
            Heading("Services"),
            SERVICES,
            Heading("Peers"),
            ScatterChart(
                title="Productivity and pay per wRVU, peers of the group",
                points=tuple(Point(name, x, y, group) for name, x, y, group in PEERS),
                x_label="wRVU percentile",
                y_label="$ per wRVU",
                x_line=50,
                y_line=52,
                quadrant_names=(
                    "fewer wRVUs, paid more",
                    "more wRVUs, paid more",
                    "fewer wRVUs, paid less",
                    "more wRVUs, paid less",
                ),
            ),
            Heading("E/M levels"),
            BarChart(
                title="Established-patient visits by level",
                categories=("99211", "99212", "99213", "99214", "99215"),
                series=(
                    Line(NAME, (0.01, 0.04, 0.34, 0.53, 0.08)),
                    Line("group", (0.02, 0.07, 0.41, 0.44, 0.06)),
                    Line("CMS, internal medicine", (0.03, 0.06, 0.38, 0.45, 0.08)),
                ),
                y_label="share of visits",
                percent=True,
            ),
            Heading("Benchmarks"),
            BandChart(
                title="Annual wRVUs per clinical FTE against the specialty benchmark",
                rows=tuple(
                    BandRow(name, value, *percentiles)
                    for name, value, percentiles in (
                        (NAME, 5902.7, (4120.0, 4890.0, 5650.0, 6710.0)),
                        ("José Peña", 4410.2, (4120.0, 4890.0, 5650.0, 6710.0)),
                        ("Paweł Wąsik", 6935.0, (4120.0, 4890.0, 5650.0, 6710.0)),
                        ("Anna Müller", 3988.1, (3900.0, 4600.0, 5300.0, 6200.0)),
                        ("Chloé Dubois", 5120.4, (3900.0, 4600.0, 5300.0, 6200.0)),
                        ("Sam Okafor (no benchmark)", 4720.0, (None, None, None, None)),
                    )
                ),
                x_label="wRVUs per clinical FTE, annualized",
            ),
            Paragraph("Benchmarks: the group's licensed survey, 2025 edition, internal medicine.", kind="note"),
        ),
        footer=f"wrvu · statement 2025-12 for {NAME} · closed 2026-01-05 · confidential",
        meta={"author": "Riverside Medical Group", "wrvu:period": "2025-12", "wrvu:clinician": NAME},
    )


def hostile() -> Document:
    """Text from a billing extract, where anyone can type anything."""
    return Document(
        title="<b>Statement</b> & co",
        subtitle="",
        blocks=(
            Paragraph("<script>alert(1)</script>"),
            Table(columns=("claim", "note"), rows=(('=HYPERLINK("x")', "<img src=x onerror=alert(1)>"),)),
            Facts(rows=(("a & b", "<i>1</i>"),)),
        ),
        footer="</footer><script>",
        meta={'x"><script>': "\"'<>"},
    )


@pytest.fixture(scope="module")
def pdf():
    return pdf_bytes(statement())


@pytest.fixture(scope="module")
def html():
    return html_bytes(statement()).decode("utf-8")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class Parsed(HTMLParser):
    """The tags of an HTML file and its text, as a browser would see them."""

    def __init__(self, source: str):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_pdf_says_the_facts_the_table_and_the_accented_names(pdf):
    text = pdf_text(pdf)
    for _, value in FACTS.rows:
        assert value in text, value
    for row in SERVICES.rows:
        for cell in row:
            assert cell in text, cell
    for name in (NAME, "José Peña", "Łucja Nowak", "Anna Müller", "Paweł Wąsik"):
        assert name in text, name


def test_pdf_pages_and_metadata(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) <= 3
    assert reader.metadata.title == statement().title
    assert reader.metadata.author == "Riverside Medical Group"
    assert all(f"page {n}" in page.extract_text() for n, page in enumerate(reader.pages, 1))


def test_pdf_is_the_same_bytes_for_the_same_document(pdf):
    assert pdf_bytes(statement()) == pdf


def test_a_long_table_splits_across_pages_under_its_header():
    rows = tuple((f"row {i}", f"{i * 1000:,}") for i in range(150))
    data = pdf_bytes(Document("Long", "", (Table(("name", "amount"), rows, (False, True)),)))
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 1
    assert all("amount" in page.extract_text() for page in pages)
    assert "row 149" in pdf_text(data)


def test_html_is_self_contained_and_says_the_same(html):
    parsed = Parsed(html)
    text = "".join(parsed.text)
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in html and "<title>" in html
    assert '<meta name="author" content="Riverside Medical Group">' in html
    for row in SERVICES.rows:
        for cell in row:
            assert f">{cell}<" in html, cell
    for label, value in FACTS.rows:
        assert label in text and value in text
    assert parsed.tags.count("svg") == 4
    assert "script" not in parsed.tags
    outside_namespaces = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", html)
    assert "http://" not in outside_namespaces and "https://" not in outside_namespaces


def test_hostile_text_is_escaped_and_shown_as_text():
    doc = hostile()
    html = html_bytes(doc).decode("utf-8")
    parsed = Parsed(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    text = "".join(parsed.text)
    for shown in (
        "<script>alert(1)</script>",
        '=HYPERLINK("x")',
        "<img src=x onerror=alert(1)>",
        "<b>Statement</b> & co",
    ):
        assert shown in text
    pdf = pdf_text(pdf_bytes(doc))
    for shown in ("<script>alert(1)</script>", '=HYPERLINK("x")', "a & b", "<i>1</i>", "</footer><script>"):
        assert shown in pdf


def test_a_letter_no_font_has_is_drawn_unaccented_or_as_a_question_mark():
    assert unaccented("Kővári 张") == "Kovári ?"
    chart = BandChart("张伟", (BandRow("Đặng Thị 张", 1.0, None, None, None, None),), "x")
    doc = Document("张伟", "", (Paragraph("Đặng 张伟"), Table(("张",), (("Ngọc 张",),)), chart), footer="张")
    assert len(PdfReader(io.BytesIO(pdf_bytes(doc))).pages) == 1
    assert '<p class="body">Đặng 张伟</p>' in html_bytes(doc).decode()  # a browser has fonts of its own


DEGENERATE = {
    "line, empty": LineChart("t", (), (), "y"),
    "line, all None": LineChart(
        "t",
        MONTHS,
        (Line("a", (None,) * 12),),
        "y",
        Line("b", (None,) * 12),
        (("band", Line("l", (None,) * 12), Line("h", (None,) * 12)),),
    ),
    "line, one point": LineChart(
        "t",
        ("2025-01",),
        (Line("a", (3.0,)),),
        "y",
        Line("b", (-1.0,)),
        (("band", Line("l", (1.0,)), Line("h", (2.0,))),),
    ),
    "line, zeros and gaps": LineChart("t", MONTHS * 2, (Line("a", (0.0, None) * 12, "dotted"),), "y"),
    "line, negatives": LineChart(
        "t", MONTHS, (Line("a", tuple(-float(i) for i in range(12)), "dashed"),), "y", Line("b", (-5.0, 3.0) * 6)
    ),
    "scatter, empty": ScatterChart("t", (), "x", "y", 0, 0),
    "scatter, one point": ScatterChart("t", (Point("a", 1, 1),), "x", "y", 1, 1, ("a", "b", "c", "d")),
    "scatter, negatives": ScatterChart("t", (Point("a", -5, -2, "g"), Point("", -1, -9)), "x", "y", -3, -4),
    "scatter, not finite": ScatterChart("t", (Point("a", math.nan, 1), Point("b", 2, math.inf)), "x", "y", math.nan, 0),
    "bar, empty": BarChart("t", (), (), "y"),
    "bar, one category, zero": BarChart("t", ("a",), (Line("s", (0.0,)),), "y", percent=True),
    "bar, negatives and None": BarChart("t", ("a", "b"), (Line("s", (-2.0, None)), Line("r", (3.5,))), "y"),
    "band, empty": BandChart("t", (), "x"),
    "band, one row without percentiles": BandChart("t", (BandRow("a", 0.0, None, None, None, None),), "x"),
    "band, negatives": BandChart("t", (BandRow("a", -3.0, -5.0, -4.0, None, -1.0),), "x"),
}


@pytest.mark.parametrize("chart", DEGENERATE.values(), ids=DEGENERATE.keys())
def test_charts_survive_degenerate_data(chart):
    drawing = drawing_of(chart)
    assert renderPDF.drawToString(drawing).startswith(b"%PDF")
    assert "<svg" in html_bytes(Document("t", "", (chart,))).decode()
