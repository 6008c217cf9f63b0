"""A document (document.py) as a PDF, laid out by reportlab's platypus: US Letter, the title on top,
tables that split across pages under their repeated header row, each chart kept on the page of its
heading, and the footer with the page number on every page. The same document gives the same bytes
(reportlab's invariant mode: no creation date, no random file id), so a close can hash what it wrote.
The PDF's author is `doc.meta["author"]` (as the HTML's <meta name="author">), else wrvu."""

import io
from html import escape
from itertools import groupby

from reportlab import platypus, rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, TableStyle

from wrvu.transforms.charts import (
    AXIS,
    FALLBACK_FONT,
    FALLBACK_GLYPHS,
    FONT,
    FONT_BOLD,
    GLYPHS,
    GRID,
    INK,
    MUTED,
    ZEBRA,
    drawing_of,
    unaccented,
)
from wrvu.transforms.document import (
    BandChart,
    BarChart,
    Document,
    Facts,
    Heading,
    LineChart,
    Paragraph,
    ScatterChart,
    Table,
)

# Binary streams: ASCII85 makes the fonts and pages a quarter bigger and costs 1.5 ms a statement.
rl_config.useA85 = 0

MARGIN = 0.7 * inch
FRAME_WIDTH = LETTER[0] - 2 * MARGIN
CELL_SIZE, CELL_PAD, MIN_COLUMN = 8.5, 4.0, 48.0
FOOTER_SIZE, PAGE_NUMBER_WIDTH = 7.5, 60.0


def _style(name: str, size: float = 9.5, **kw) -> ParagraphStyle:
    kw.setdefault("fontName", FONT)
    kw.setdefault("textColor", INK)
    return ParagraphStyle(name, fontSize=size, leading=round(size * 1.32, 1), **kw)


STYLES = {
    "title": _style("title", 17, fontName=FONT_BOLD, spaceAfter=3),
    "subtitle": _style("subtitle", 10.5, textColor=MUTED, spaceAfter=10),
    2: _style("h2", 12.5, fontName=FONT_BOLD, spaceBefore=12, spaceAfter=5, keepWithNext=1),
    3: _style("h3", 10.5, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=4, keepWithNext=1),
    "body": _style("body", spaceAfter=6),
    "note": _style("note", 8, textColor=MUTED, spaceAfter=6),
    "warning": _style(
        "warning",
        backColor=colors.HexColor("#fff4e0"),
        borderColor=colors.HexColor("#E69F00"),
        borderWidth=0.8,
        borderPadding=(5, 6, 6, 6),
        spaceBefore=8,
        spaceAfter=12,
    ),
    "caption": _style("caption", 8.5, textColor=MUTED, spaceBefore=4, spaceAfter=3, keepWithNext=1),
    "footer": _style("footer", FOOTER_SIZE, textColor=MUTED),
}
_CELL_STYLES = {
    (right, bold): _style(
        f"cell{right:d}{bold:d}", CELL_SIZE, fontName=FONT_BOLD if bold else FONT, alignment=right * TA_RIGHT
    )
    for right in (False, True)
    for bold in (False, True)
}


def _markup(text: str) -> str:
    """The text as reportlab's paragraph markup: escaped (`<` and `&` are markup there), each run of
    letters Vera lacks in the fallback font, and a letter that font lacks too unaccented."""

    def source(ch: str) -> int:
        return 0 if ch in GLYPHS else 1 if ch in FALLBACK_GLYPHS else 2

    parts = []
    for kind, chars in groupby(text, source):
        run = "".join(chars)  # only runs of Vera's letters can hold `<` or `&`
        parts.append((escape(run, quote=False), f'<font name="{FALLBACK_FONT}">{run}</font>', unaccented(run))[kind])
    return "".join(parts)


def _cell(text: str, width: float, right: bool, bold: bool = False) -> str | platypus.Paragraph:
    """A plain string (drawn fastest) where it fits and Vera has its letters, else a paragraph that wraps."""
    font = FONT_BOLD if bold else FONT
    if GLYPHS.issuperset(text) and stringWidth(text, font, CELL_SIZE) <= width - 2 * CELL_PAD:
        return text
    return platypus.Paragraph(_markup(text), _CELL_STYLES[right, bold])


def _widths(columns: tuple[str, ...], rows, numeric: tuple[bool, ...], font: str = FONT) -> list[float]:
    """Each column as wide as its widest cell and header; where they exceed the page, headers wrap at
    words, and past that the text columns narrow (not below MIN_COLUMN) and their cells wrap."""
    count = len(columns)
    body = [max((stringWidth(r[i], font, CELL_SIZE) for r in rows), default=0.0) for i in range(count)]
    head = [stringWidth(c, FONT_BOLD, CELL_SIZE) for c in columns]
    word = [max((stringWidth(w, FONT_BOLD, CELL_SIZE) for w in c.split()), default=0.0) for c in columns]
    natural = [max(b, h) + 2 * CELL_PAD for b, h in zip(body, head, strict=True)]
    if sum(natural) <= FRAME_WIDTH:
        return natural
    tight = [max(b, w) + 2 * CELL_PAD for b, w in zip(body, word, strict=True)]
    spare = FRAME_WIDTH - sum(tight)
    if spare >= 0:  # headers wrap, and the room left goes to the columns whose headers wrap most
        wanted = [n - t for n, t in zip(natural, tight, strict=True)]
        return [t + w * spare / sum(wanted) for t, w in zip(tight, wanted, strict=True)]
    give = [0.0 if numeric[i] else max(0.0, tight[i] - MIN_COLUMN) for i in range(count)]
    share = min(1.0, -spare / sum(give)) if sum(give) else 0.0
    return [t - g * share for t, g in zip(tight, give, strict=True)]


_TABLE_STYLE = [
    ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, round(CELL_SIZE * 1.25, 1)),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
]


def _table(block: Table) -> list[Flowable]:
    caption = [platypus.Paragraph(_markup(block.caption), STYLES["caption"])] if block.caption else []
    if not block.columns:
        return caption
    numeric = tuple(block.numeric) + (False,) * (len(block.columns) - len(block.numeric))
    widths = _widths(block.columns, block.rows, numeric)
    header = [
        platypus.Paragraph(_markup(c), _CELL_STYLES[right, True])
        for c, right in zip(block.columns, numeric, strict=True)
    ]
    rows = [[_cell(text, w, right) for text, w, right in zip(row, widths, numeric, strict=True)] for row in block.rows]
    style = _TABLE_STYLE + [
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, AXIS),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
    ]
    style += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i, right in enumerate(numeric) if right]
    table = platypus.Table([header, *rows], colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(style))
    return [*caption, table, Spacer(0, 8)]


def _facts(block: Facts) -> list[Flowable]:
    """Label and value in two columns, the values right-aligned, the strong rows bold."""
    if not block.rows:
        return []
    widths = _widths(("", ""), block.rows, (False, True), FONT_BOLD)
    widths[0] = min(widths[0] + 16, FRAME_WIDTH - widths[1])  # a gap between the label and its value
    rows = [
        [_cell(label, widths[0], False, label in block.strong), _cell(value, widths[1], True, label in block.strong)]
        for label, value in block.rows
    ]
    style = _TABLE_STYLE + [("ALIGN", (1, 0), (1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)]
    style += [("FONT", (0, i), (-1, i), FONT_BOLD) for i, (label, _) in enumerate(block.rows) if label in block.strong]
    return [platypus.Table(rows, colWidths=widths, hAlign="LEFT", style=TableStyle(style)), Spacer(0, 8)]


def _story(doc: Document) -> list[Flowable]:
    story = [platypus.Paragraph(_markup(doc.title), STYLES["title"])]
    if doc.subtitle:
        story.append(platypus.Paragraph(_markup(doc.subtitle), STYLES["subtitle"]))
    for previous, block in zip((None, *doc.blocks), doc.blocks, strict=False):
        match block:
            case Heading():
                story.append(platypus.Paragraph(_markup(block.text), STYLES[3 if block.level >= 3 else 2]))
            case Paragraph():
                story.append(platypus.Paragraph(_markup(block.text), STYLES.get(block.kind, STYLES["body"])))
            case Facts():
                story += _facts(block)
            case Table():
                story += _table(block)
            case LineChart() | ScatterChart() | BarChart() | BandChart():
                chart = [drawing_of(block), Spacer(0, 10)]
                if isinstance(previous, Heading):  # the heading stays on its chart's page
                    chart.insert(0, story.pop())
                story.append(KeepTogether(chart))
    return story


def pdf_bytes(doc: Document) -> bytes:
    """The document as a US Letter PDF."""
    footer = platypus.Paragraph(_markup(doc.footer), STYLES["footer"])
    _, footer_height = footer.wrap(FRAME_WIDTH - PAGE_NUMBER_WIDTH, LETTER[1])
    bottom = max(MARGIN, footer_height + 30)  # a long footer pushes the text up, not off the page

    def decorate(canvas, template) -> None:
        canvas.saveState()
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, bottom - 12, LETTER[0] - MARGIN, bottom - 12)
        footer.drawOn(canvas, MARGIN, bottom - 18 - footer_height)
        canvas.setFont(FONT, FOOTER_SIZE)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(LETTER[0] - MARGIN, bottom - 18 - FOOTER_SIZE, f"page {template.page}")
        canvas.restoreState()

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=bottom,
        title=doc.title,
        author=doc.meta.get("author", "wrvu"),
        subject=doc.subtitle,
        creator="wrvu",
        lang="en",
        displayDocTitle=True,
        invariant=1,
    )
    template.build(_story(doc), onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
