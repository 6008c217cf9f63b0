"""What people read, as data: a document is a title and a list of blocks (headings, paragraphs, facts,
tables, charts), written once by the code that knows the figures (statements.py, productivity.py) and
drawn by two renderers, HTML (render_html.py) and PDF (render_pdf.py), so that a clinician's PDF and
HTML say the same thing. Every value is already formatted text: the renderers format nothing."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2  # 2 a section, 3 a subsection (the document's title is level 1)


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "body"  # body | note (smaller, grey) | warning (boxed: something the reader must know)


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, two columns, values right-aligned: the figures of a statement."""

    rows: tuple[tuple[str, str], ...]
    strong: tuple[str, ...] = ()  # labels whose row is bold (the action, the true-up)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()  # per column: right-aligned (default: none)
    caption: str = ""


@dataclass(frozen=True)
class Line:
    name: str
    values: tuple[float | None, ...]  # one per x label; None leaves a gap
    style: str = "solid"  # solid | dashed | dotted


@dataclass(frozen=True)
class LineChart:
    """Series over months (x labels such as 2021-03), optional bars under the lines (e.g. the gap
    between two lines), and shaded bands between a low and a high series (benchmark p25-p75)."""

    title: str
    x_labels: tuple[str, ...]
    lines: tuple[Line, ...]
    y_label: str
    bars: Line | None = None
    bands: tuple[tuple[str, Line, Line], ...] = ()  # (name, low, high)
    plot_height: float | None = None  # points; None: the renderers' default


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    group: str = ""  # drawn in its own colour with a legend entry


@dataclass(frozen=True)
class ScatterChart:
    """One point a clinician with dashed quadrant lines at x_line and y_line, each quadrant named."""

    title: str
    points: tuple[Point, ...]
    x_label: str
    y_label: str
    x_line: float
    y_line: float
    quadrant_names: tuple[str, str, str, str] = ("", "", "", "")  # top-left, top-right, bottom-left, bottom-right
    group_order: tuple[str, ...] = ()  # the groups' colours, in this order, whichever are present


@dataclass(frozen=True)
class BarChart:
    """Grouped vertical bars: one group per category, one bar per series (E/M level shares)."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Line, ...]  # values as fractions or amounts, per category
    y_label: str
    percent: bool = False  # values are fractions, the axis reads in %
    plot_height: float | None = None  # points; None: the renderers' default


@dataclass(frozen=True)
class BandRow:
    label: str
    value: float
    p25: float | None
    p50: float | None
    p75: float | None
    p90: float | None


@dataclass(frozen=True)
class BandChart:
    """One row per clinician: the p25-p90 band shaded (p25-p75 darker), p50 marked, the value a dot;
    a row without percentiles shows its dot alone."""

    title: str
    rows: tuple[BandRow, ...]
    x_label: str


Chart = LineChart | ScatterChart | BarChart | BandChart
Block = Heading | Paragraph | Facts | Table | Chart


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    footer: str = ""  # on every PDF page, at the end of the HTML
    meta: dict[str, str] = field(default_factory=dict)  # machine-readable facts, as <meta> in HTML


def number(value, places: int = 2) -> str:
    """1234.5 -> '1,234.50' (a Decimal rounded half up, as the CSVs are); None -> '–' (no figure)."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:,.{places}f}"


def money(value) -> str:
    """-1234.5 -> '-$1,234.50'."""
    if value is None:
        return "–"
    text = number(abs(value))
    return f"-${text}" if value < 0 and text != "0.00" else f"${text}"


def percent(fraction, places: int = 0) -> str:
    """0.256 -> '25.6%' with places=1."""
    return "–" if fraction is None else f"{number(fraction * 100, places)}%"
