"""The charts of a document (document.py) as reportlab Drawings, one function per kind and `drawing_of`
to pick it: the PDF draws them as they are and the HTML embeds them as SVG, so both show one picture.
They are drawn with reportlab's shapes rather than its chart widgets (reportlab.graphics.charts): the
layout a statement needs (legend rows that wrap, thinned month labels, bars under lines, point labels
that keep out of each other's way) is simpler to draw than to configure, and drawing is cheap.

The fonts are here too, as the charts measure their text with them. Bitstream Vera, shipped with
reportlab, draws every text; it lacks most of Latin Extended-A (ő, ą, ř, ș), so a text with such a
letter is drawn in Geist, which Prefect's package ships, and a letter neither font has is drawn without
its accent (ő as o): never as an empty box, whatever the machine has installed."""

import importlib.util
import math
import pathlib
import string
import unicodedata
from dataclasses import dataclass

import reportlab
from reportlab.graphics.shapes import Circle, Drawing, Line, Path, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from wrvu.transforms.document import BandChart, BarChart, Chart, LineChart, ScatterChart

# no italic: a third font to embed in every PDF, for the captions alone
FONT, FONT_BOLD, FALLBACK_FONT = "WrvuSans", "WrvuSans-Bold", "WrvuSans-Fallback"


def _register(name: str, path: pathlib.Path) -> frozenset[str]:
    """Registers the TrueType font with reportlab; returns the characters it has a glyph for."""
    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    return frozenset(map(chr, font.face.charToGlyph)) | frozenset(string.whitespace)


def _register_fallback() -> frozenset[str]:
    """Geist, the font of Prefect's web UI, has Latin Extended-A and Vietnamese. It is a variable font:
    reportlab embeds its default instance, the regular weight, also inside bold text."""
    spec = importlib.util.find_spec("prefect")
    for folder in (spec and spec.submodule_search_locations) or ():
        try:
            glyphs = _register(
                FALLBACK_FONT, pathlib.Path(folder) / "server" / "ui-v2" / "fonts" / "Geist-VariableFont_wght.ttf"
            )
        except (OSError, TTFError):
            continue
        pdfmetrics.registerFontFamily(FALLBACK_FONT, FALLBACK_FONT, FALLBACK_FONT, FALLBACK_FONT, FALLBACK_FONT)
        return glyphs
    return frozenset()


_VERA = pathlib.Path(reportlab.__file__).parent / "fonts"
GLYPHS = _register(FONT, _VERA / "Vera.ttf")  # the bold face has the same characters
_register(FONT_BOLD, _VERA / "VeraBd.ttf")
pdfmetrics.registerFontFamily(FONT, FONT, FONT_BOLD, FONT, FONT_BOLD)
FALLBACK_GLYPHS = _register_fallback()


def unaccented(text: str) -> str:
    """The text with each letter Vera lacks as its base letter (ő as o), or `?` where it has none."""
    return "".join(
        ch if ch in GLYPHS else "".join(c for c in unicodedata.normalize("NFKD", ch) if c in GLYPHS) or "?"
        for ch in text
    )


def drawable(text: str, font: str) -> tuple[str, str]:
    """The font and the text to draw `text` in one font: `font` (a Vera face) when Vera has every
    letter, else the fallback when it has them all, else `font` with the missing letters unaccented."""
    if GLYPHS.issuperset(text):
        return font, text
    if FALLBACK_GLYPHS.issuperset(text):
        return FALLBACK_FONT, text
    return font, unaccented(text)


WIDTH = 500.0  # a Letter page's text width (511 pt at the PDF's margins)
PLOT_HEIGHT = 150.0
SCATTER_HEIGHT = 180.0  # room for the point labels
ROW_HEIGHT = 17.0  # a BandChart row
LABELLED_POINTS = 30  # a ScatterChart labels at most this many points
EDGE = 2.0
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, POINT_SIZE = 10.0, 7.5, 7.0, 6.5
TITLE_HEIGHT, LEGEND_ROW, TOP_LABEL, BELOW_TICKS, BELOW_LABEL = 17.0, 12.0, 16.0, 13.0, 12.0

# Okabe-Ito, distinct to the common colour blindnesses; its yellow is left out, unreadable on white
PALETTE = tuple(map(colors.HexColor, ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")))
INK = colors.HexColor("#222222")
MUTED = colors.HexColor("#666666")
FAINT = colors.HexColor("#a8a8a8")
AXIS = colors.HexColor("#9a9a9a")
GRID = colors.HexColor("#e6e6e6")
ZEBRA = colors.HexColor("#f4f4f4")
BAR = colors.HexColor("#c9c9c9")  # bars under lines stay behind them
DASHES = {"solid": None, "dashed": [5, 3], "dotted": [0.1, 2.8]}  # dots: round caps on a zero-length dash


def _tint(color: colors.Color, white: float) -> colors.Color:
    """The colour mixed with `white` parts of white: a light fill that needs no transparency."""
    return colors.Color(*(c + (1 - c) * white for c in (color.red, color.green, color.blue)))


def _band_fill(index: int) -> colors.Color:
    return _tint(PALETTE[(5 + index) % len(PALETTE)], 0.6)


def _text(x: float, y: float, text: str, size: float = LABEL_SIZE, *, anchor="start", color=INK, bold=False) -> String:
    font, text = drawable(text, FONT_BOLD if bold else FONT)
    return String(x, y, text, fontName=font, fontSize=size, fillColor=color, textAnchor=anchor)


def _width(text: str, size: float, bold: bool = False) -> float:
    font, text = drawable(text, FONT_BOLD if bold else FONT)
    return pdfmetrics.stringWidth(text, font, size)


def _fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """The text, cut with an ellipsis where it is wider than `width`."""
    if _width(text, size, bold) <= width:
        return text
    while text and _width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _Axis:
    """Nice ticks (1, 2, 2.5 or 5 times a power of ten) over the values, and the map from a value to a
    coordinate once `place` has said where the axis runs. An end of the axis is the tick past the
    values where that wastes less than half a step, else just past the values."""

    def __init__(self, values, *, include_zero: bool | None = None, pad: float = 0.0, count: int = 5, suffix=""):
        """include_zero None: zero is included where the values reach at least half-way to it."""
        finite = [v for v in values if v is not None and math.isfinite(v)]
        self.empty = not finite
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        low, high = lo - pad * (hi - lo), hi + pad * (hi - lo)
        lo, hi = (0.0 if low < 0 <= lo else low), (0.0 if high > 0 >= hi else high)  # padding crosses no zero
        if include_zero or (include_zero is None and (0 < lo < hi / 2 or lo / 2 < hi < 0)):
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi == lo:
            lo, hi = (lo - abs(lo) / 10, hi + abs(hi) / 10) if lo else (0.0, 1.0)
        raw = (hi - lo) / count
        magnitude = 10 ** math.floor(math.log10(raw))
        self.step = step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
        below, above = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        self.lo = below if lo - below <= step / 2 else lo - (hi - lo) / 50
        self.hi = above if above - hi <= step / 2 else hi + (hi - lo) / 50
        first, last = math.ceil(self.lo / step - 1e-9), math.floor(self.hi / step + 1e-9)
        self.ticks = [round(i * step, 12) for i in range(first, last + 1)]
        self.decimals = next(d for d in range(13) if abs(self.step * 10**d - round(self.step * 10**d)) < 1e-6)
        self.suffix = suffix
        self.start, self.end = 0.0, 1.0

    def place(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.lo) * (self.end - self.start) / (self.hi - self.lo)

    def label(self, value: float) -> str:
        """With thousands separators and the step's decimals; `-0` as 0."""
        return f"{value if abs(value) > self.step / 1e6 else 0.0:,.{self.decimals}f}{self.suffix}"

    def label_width(self) -> float:
        return max(_width(self.label(t), TICK_SIZE) for t in self.ticks)

    def zero(self) -> float:
        """The coordinate of zero, or of the axis end nearest to it: where bars start."""
        return self(min(max(0.0, self.lo), self.hi))


@dataclass(frozen=True)
class _Key:
    """A legend entry: a swatch of the mark and the name."""

    name: str
    color: colors.Color
    mark: str = "line"  # line | box | dot | tick
    style: str = "solid"


def _swatch(key: _Key, x: float, y: float):
    if key.mark == "box":
        return Rect(x, y - 1, 10, 7, fillColor=key.color, strokeColor=None)
    if key.mark == "dot":
        return Circle(x + 4, y + 2.5, 3, fillColor=key.color, strokeColor=colors.white, strokeWidth=0.5)
    if key.mark == "tick":
        return Line(x + 4, y - 2, x + 4, y + 7, strokeColor=key.color, strokeWidth=1.6)
    return _line([(x, y + 2.5), (x + 18, y + 2.5)], key.color, key.style)


def _swatch_width(key: _Key) -> float:
    return 18 if key.mark == "line" else 10


def _legend_rows(keys: list[_Key]) -> list[list[tuple[float, _Key]]]:
    """The keys placed left to right, wrapped into rows of the chart's width."""
    rows: list[list[tuple[float, _Key]]] = []
    x = EDGE
    for key in keys:
        width = _swatch_width(key) + 4 + _width(key.name, LABEL_SIZE)
        if not rows or (x + width > WIDTH - EDGE and rows[-1]):
            rows.append([])
            x = EDGE
        rows[-1].append((x, key))
        x += width + 14
    return rows


def _frame(title: str, keys: list[_Key], body: float) -> Drawing:
    """A drawing with the title and the legend on top of a body `body` high, at the bottom."""
    rows = _legend_rows([k for k in keys if k.name])
    top = body + len(rows) * LEGEND_ROW + 4
    drawing = Drawing(WIDTH, top + TITLE_HEIGHT)
    drawing.add(_text(EDGE, top + 5, _fit(title, WIDTH - 2 * EDGE, TITLE_SIZE, True), TITLE_SIZE, bold=True))
    for i, row in enumerate(rows):
        y = top - (i + 1) * LEGEND_ROW + 3
        for x, key in row:
            drawing.add(_swatch(key, x, y))
            drawing.add(_text(x + _swatch_width(key) + 4, y, key.name))
    return drawing


def _line(points: list[tuple[float, float]], color: colors.Color, style: str = "solid", width: float = 1.6):
    dots = style == "dotted"
    return PolyLine(
        [c for p in points for c in p],
        strokeColor=color,
        strokeWidth=width + 0.4 * dots,
        strokeDashArray=DASHES.get(style),
        strokeLineCap=1 if dots else 0,
        strokeLineJoin=1,
    )


def _strokes(segments: list[tuple[float, float, float, float]], color: colors.Color, width: float = 0.6) -> Path:
    """Line segments (grid lines, ticks) as one path: one shape to render instead of one each."""
    path = Path(strokeColor=color, strokeWidth=width, fillColor=None)
    for x1, y1, x2, y2 in segments:
        path.moveTo(x1, y1)
        path.lineTo(x2, y2)
    return path


def _boxes(boxes: list[tuple[float, float, float, float]], color: colors.Color) -> Path:
    """Rectangles of one colour (x, y, width, height; the bars of a series) as one path."""
    path = Path(fillColor=color, strokeColor=None)
    for x, y, w, h in boxes:
        path.moveTo(x, y)
        path.lineTo(x + w, y)
        path.lineTo(x + w, y + h)
        path.lineTo(x, y + h)
        path.closePath()
    return path


def _runs(values) -> list[list[int]]:
    """The indexes of the values in runs without a gap (None or not finite)."""
    runs: list[list[int]] = []
    previous = False
    for i, v in enumerate(values):
        present = v is not None and math.isfinite(v)
        if present:
            if not previous:
                runs.append([])
            runs[-1].append(i)
        previous = present
    return runs


def _y_axis(drawing: Drawing, y: _Axis, left: float, right: float, label: str) -> None:
    """Horizontal grid lines with their tick labels on the left; the axis's name above them."""
    drawing.add(_strokes([(left, y(t), right, y(t)) for t in y.ticks], GRID))
    for t in y.ticks:
        drawing.add(_text(left - 4, y(t) - 2.5, y.label(t), TICK_SIZE, anchor="end", color=MUTED))
    drawing.add(_text(EDGE, y.end + TOP_LABEL - 9, label, LABEL_SIZE, color=MUTED))


def _x_axis(drawing: Drawing, x: _Axis, bottom: float, top: float, label: str) -> None:
    """Vertical grid lines with their tick labels below; the axis's name under them, centred."""
    drawing.add(_strokes([(x(t), bottom, x(t), top) for t in x.ticks], GRID))
    for t in x.ticks:
        drawing.add(_text(x(t), bottom - 10, x.label(t), TICK_SIZE, anchor="middle", color=MUTED))
    drawing.add(_text((x.start + x.end) / 2, bottom - BELOW_TICKS - 9, label, LABEL_SIZE, anchor="middle", color=MUTED))


def _categories(drawing: Drawing, labels, left: float, slot: float, bottom: float) -> None:
    """The category (month) labels under their slots, every second or third one where they would
    overlap, with a small tick under each slot."""
    widest = max((_width(label, TICK_SIZE) for label in labels), default=0.0)
    every = max(1, math.ceil((widest + 6) / slot))
    centres = [left + (i + 0.5) * slot for i in range(len(labels))]
    drawing.add(_strokes([(x, bottom, x, bottom - 2.5) for x in centres], AXIS))
    for i in range(0, len(labels), every):
        drawing.add(_text(centres[i], bottom - 10, labels[i], TICK_SIZE, anchor="middle", color=MUTED))


def _baseline(drawing: Drawing, y: float, left: float, right: float) -> None:
    drawing.add(Line(left, y, right, y, strokeColor=AXIS, strokeWidth=0.8))


def _no_data(drawing: Drawing, left: float, bottom: float, right: float, top: float) -> None:
    drawing.add(_text((left + right) / 2, (bottom + top) / 2 - 3, "no data", LABEL_SIZE, anchor="middle", color=MUTED))


def line_chart(chart: LineChart) -> Drawing:
    """Lines over the months, the bars behind them and the bands behind both."""
    plot_height = chart.plot_height or PLOT_HEIGHT
    series = [
        *chart.lines,
        *([chart.bars] if chart.bars else []),
        *(s for _, low, high in chart.bands for s in (low, high)),
    ]
    count = max([len(chart.x_labels)] + [len(s.values) for s in series])
    y = _Axis([v for s in series for v in s.values], include_zero=True if chart.bars else None)
    keys = [_Key(line.name, PALETTE[i % len(PALETTE)], "line", line.style) for i, line in enumerate(chart.lines)]
    keys += [_Key(chart.bars.name, BAR, "box")] if chart.bars else []
    keys += [_Key(name, _band_fill(i), "box") for i, (name, _, _) in enumerate(chart.bands)]
    drawing = _frame(chart.title, keys, TOP_LABEL + plot_height + BELOW_TICKS)
    left, right, bottom = EDGE + y.label_width() + 5, WIDTH - EDGE, BELOW_TICKS
    y.place(bottom, bottom + plot_height)
    slot = (right - left) / max(count, 1)

    def x(i: int) -> float:
        return left + (i + 0.5) * slot

    _y_axis(drawing, y, left, right, chart.y_label)
    for k, (_, low, high) in enumerate(chart.bands):
        spans = list(zip(low.values, high.values, strict=False))
        for run in _runs([None if lo is None or hi is None else hi - lo for lo, hi in spans]):
            if len(run) == 1:  # one month alone: a sliver, as a polygon needs two
                lo, hi = spans[run[0]]
                box = (x(run[0]) - 2, min(y(lo), y(hi)), 4, abs(y(hi) - y(lo)))
                drawing.add(_boxes([box], _band_fill(k)))
            else:
                outline = [(x(i), y(spans[i][1])) for i in run] + [(x(i), y(spans[i][0])) for i in reversed(run)]
                drawing.add(Polygon([c for p in outline for c in p], fillColor=_band_fill(k), strokeColor=None))
    if chart.bars:
        bars = [(i, y(chart.bars.values[i])) for run in _runs(chart.bars.values) for i in run]
        width = min(slot * 0.6, 24.0)  # a month alone: a bar, not a wall
        boxes = [(x(i) - width / 2, min(y.zero(), end), width, abs(end - y.zero())) for i, end in bars]
        drawing.add(_boxes(boxes, BAR))
    _baseline(drawing, y.zero(), left, right)
    for i, line in enumerate(chart.lines):
        color = PALETTE[i % len(PALETTE)]
        for run in _runs(line.values):
            if len(run) == 1:  # a month between gaps: a dot, as a line needs two
                drawing.add(Circle(x(run[0]), y(line.values[run[0]]), 1.8, fillColor=color, strokeColor=None))
            else:
                drawing.add(_line([(x(j), y(line.values[j])) for j in run], color, line.style))
    _categories(drawing, chart.x_labels, left, slot, bottom)
    if y.empty:
        _no_data(drawing, left, bottom, right, bottom + plot_height)
    return drawing


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


_ANCHOR_SHARE = {"start": 0.0, "middle": 0.5, "end": 1.0}  # of a text's width left of its x


def _point_labels(points: list[tuple[float, float, str]], area, taken: list) -> list[String]:
    """Each point's label beside it, on the side (right, left, above, below, diagonals) where it
    covers the least of the labels placed before, the points and the plot's edge."""
    taken = taken + [(px - 3.5, py - 3.5, px + 3.5, py + 3.5) for px, py, _ in points]
    labels = []
    h = POINT_SIZE
    for px, py, text in points:
        w = _width(text, POINT_SIZE)
        sides = [(px + 5, py - h / 2, "start"), (px - 5, py - h / 2, "end"), (px, py + 5, "middle")]
        sides += [(px, py - 5 - h, "middle"), (px + 4, py + 4, "start"), (px + 4, py - 4 - h, "start")]
        sides += [(px - 4, py + 4, "end"), (px - 4, py - 4 - h, "end")]
        boxes = [(tx - w * _ANCHOR_SHARE[a], ty, tx - w * _ANCHOR_SHARE[a] + w, ty + h) for tx, ty, a in sides]
        costs = [sum(_overlap(b, t) for t in taken) + 4 * (w * h - _overlap(b, area)) for b in boxes]
        best = costs.index(min(costs))
        taken.append(boxes[best])
        tx, ty, anchor = sides[best]
        labels.append(_text(tx, ty + 1, text, POINT_SIZE, anchor=anchor))
    return labels


def _farthest(points: list[tuple[float, float, str]], centre: tuple[float, float], count: int) -> list:
    """The `count` points farthest from the quadrant lines' crossing (the ones a reader looks for), in
    their order: labelling hundreds of points would bury them all (and take quadratic time)."""
    if len(points) <= count:
        return points
    cx, cy = (c if math.isfinite(c) else 0.0 for c in centre)
    kept = set(sorted(range(len(points)), key=lambda i: -math.hypot(points[i][0] - cx, points[i][1] - cy))[:count])
    return [p for i, p in enumerate(points) if i in kept]


def scatter_chart(chart: ScatterChart) -> Drawing:
    """Points coloured by group, labelled (the LABELLED_POINTS farthest from the crossing), quadrants split
    by dashed lines and named in the corners."""
    points = [p for p in chart.points if math.isfinite(p.x) and math.isfinite(p.y)]
    order = list(dict.fromkeys([*chart.group_order, *(p.group for p in points)]))  # a group's colour is fixed
    color = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(order)}
    groups = [g for g in order if any(p.group == g for p in points)]
    x = _Axis([p.x for p in points] + [chart.x_line], include_zero=False, pad=0.06, count=6)
    y = _Axis([p.y for p in points] + [chart.y_line], include_zero=False, pad=0.08)
    keys = [_Key(g, color[g], "dot") for g in groups]
    drawing = _frame(chart.title, keys, TOP_LABEL + SCATTER_HEIGHT + BELOW_TICKS + BELOW_LABEL)
    left = EDGE + y.label_width() + 5
    right = WIDTH - EDGE - _width(x.label(x.ticks[-1]), TICK_SIZE) / 2
    bottom = BELOW_TICKS + BELOW_LABEL
    plot_top = bottom + SCATTER_HEIGHT
    x.place(left, right)
    y.place(bottom, plot_top)
    _y_axis(drawing, y, left, right, chart.y_label)
    _x_axis(drawing, x, bottom, plot_top, chart.x_label)
    _baseline(drawing, bottom, left, right)
    dashed = {"strokeColor": AXIS, "strokeWidth": 0.9, "strokeDashArray": [4, 3]}
    if math.isfinite(chart.x_line):
        drawing.add(Line(x(chart.x_line), bottom, x(chart.x_line), plot_top, **dashed))
    if math.isfinite(chart.y_line):
        drawing.add(Line(left, y(chart.y_line), right, y(chart.y_line), **dashed))
    taken = []
    corners = [(left + 4, plot_top - 11, "start"), (right - 4, plot_top - 11, "end")]
    corners += [(left + 4, bottom + 5, "start"), (right - 4, bottom + 5, "end")]
    for name, (cx, cy, anchor) in zip(chart.quadrant_names, corners, strict=False):
        if name:
            w = _width(name, LABEL_SIZE)
            x0 = cx if anchor == "start" else cx - w
            taken.append((x0, cy, x0 + w, cy + LABEL_SIZE))
            drawing.add(_text(cx, cy, name, LABEL_SIZE, anchor=anchor, color=FAINT))
    placed = [(x(p.x), y(p.y), p.label) for p in points]
    for p, (px, py, _) in zip(points, placed, strict=True):
        drawing.add(Circle(px, py, 3.2, fillColor=color[p.group], strokeColor=colors.white, strokeWidth=0.6))
    labelled = _farthest([p for p in placed if p[2]], (x(chart.x_line), y(chart.y_line)), LABELLED_POINTS)
    for label in _point_labels(labelled, (left, bottom, right, plot_top), taken):
        drawing.add(label)
    if not points:
        _no_data(drawing, left, bottom, right, plot_top)
    return drawing


def bar_chart(chart: BarChart) -> Drawing:
    """Bars grouped by category, one colour per series; fractions read in % where `percent`."""
    plot_height = chart.plot_height or PLOT_HEIGHT
    unit = 100.0 if chart.percent else 1.0
    count = max([len(chart.categories)] + [len(s.values) for s in chart.series])
    values = [[None if v is None or not math.isfinite(v) else v * unit for v in s.values] for s in chart.series]
    y = _Axis([v for vs in values for v in vs], include_zero=True, suffix="%" if chart.percent else "")
    keys = [_Key(s.name, PALETTE[i % len(PALETTE)], "box") for i, s in enumerate(chart.series)]
    drawing = _frame(chart.title, keys, TOP_LABEL + plot_height + BELOW_TICKS)
    left, right, bottom = EDGE + y.label_width() + 5, WIDTH - EDGE, BELOW_TICKS
    y.place(bottom, bottom + plot_height)
    slot = (right - left) / max(count, 1)
    bar = min(slot * 0.8 / max(len(values), 1), 36.0)
    _y_axis(drawing, y, left, right, chart.y_label)
    base = y.zero()
    for j, vs in enumerate(values):
        at = [(left + (i + 0.5) * slot + (j - len(values) / 2) * bar, y(v)) for i, v in enumerate(vs) if v is not None]
        drawing.add(
            _boxes([(x0 + 0.5, min(base, end), bar - 1, abs(end - base)) for x0, end in at], PALETTE[j % len(PALETTE)])
        )
    _baseline(drawing, y.zero(), left, right)
    _categories(drawing, chart.categories, left, slot, bottom)
    if y.empty:
        _no_data(drawing, left, bottom, right, bottom + plot_height)
    return drawing


BAND_OUTER, BAND_INNER, VALUE_DOT = _tint(PALETTE[0], 0.78), _tint(PALETTE[0], 0.45), PALETTE[1]


def band_chart(chart: BandChart) -> Drawing:
    """One row per label: p25-p90 shaded light, p25-p75 darker, p50 a tick, the value a dot."""
    rows = chart.rows
    x = _Axis([v for r in rows for v in (r.value, r.p25, r.p50, r.p75, r.p90)], count=6)
    keys = [
        _Key("p25–p90", BAND_OUTER, "box"),
        _Key("p25–p75", BAND_INNER, "box"),
        _Key("p50", INK, "tick"),
        _Key("value", VALUE_DOT, "dot"),
    ]
    label_width = min(max((_width(r.label, LABEL_SIZE) for r in rows), default=0.0), 160.0)
    bottom = BELOW_TICKS + BELOW_LABEL
    top = bottom + ROW_HEIGHT * max(len(rows), 1)
    drawing = _frame(chart.title, keys, top + 4)
    left = EDGE + label_width + 10
    right = WIDTH - EDGE - _width(x.label(x.ticks[-1]), TICK_SIZE) / 2
    x.place(left, right)
    zebra = [(EDGE, top - (i + 1) * ROW_HEIGHT, right - EDGE, ROW_HEIGHT) for i in range(1, len(rows), 2)]
    drawing.add(_boxes(zebra, ZEBRA))
    _x_axis(drawing, x, bottom, top, chart.x_label)
    _baseline(drawing, bottom, left, right)

    def known(*values) -> bool:
        return all(v is not None and math.isfinite(v) for v in values)

    for i, r in enumerate(rows):
        cy = top - (i + 0.5) * ROW_HEIGHT
        drawing.add(_text(EDGE, cy - 2.7, _fit(r.label, label_width, LABEL_SIZE), LABEL_SIZE))
        for low, high, fill in ((r.p25, r.p90, BAND_OUTER), (r.p25, r.p75, BAND_INNER)):
            if known(low, high):
                drawing.add(Rect(x(low), cy - 4.5, x(high) - x(low), 9, fillColor=fill, strokeColor=None))
        if known(r.p50):
            drawing.add(Line(x(r.p50), cy - 6, x(r.p50), cy + 6, strokeColor=INK, strokeWidth=1.6))
        if known(r.value):
            drawing.add(Circle(x(r.value), cy, 3.6, fillColor=VALUE_DOT, strokeColor=colors.white, strokeWidth=0.7))
    if x.empty:
        _no_data(drawing, left, bottom, right, top)
    return drawing


_DRAWERS = {LineChart: line_chart, ScatterChart: scatter_chart, BarChart: bar_chart, BandChart: band_chart}


def drawing_of(chart: Chart) -> Drawing:
    return _DRAWERS[type(chart)](chart)
