"""Geometry of the uniformity heat map, drawn as SVG by ``templates/reports/_heatmap.html``.

Pure layout (no Flask, no ORM), shared by the web page and the PDF so both show the same
picture. Resolved cells darken with the number of searches; items that could not be
completed are orange and marked "U"; unresolved cells are pale grey and marked "–";
a deviation gets a thick dark-red frame. Colour is never the only cue: every cell also
carries its count or letter, and the data table beside the picture holds every value.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL = 40
GAP = 3
TOP = 28  # room for item numbers
#: Font sizes (px) of the labels, of a cell's count and of the legend.
LABEL_FONT = 14
CELL_FONT = 14
LEGEND_FONT = 13
#: A generous average glyph width (DejaVu Sans is about 0.6 em): layout here has no font metrics,
#: so labels get room for wide glyphs rather than overlap.
GLYPH = 0.65
LEGEND_BOX = 22
LEGEND_ROW = 32
MIN_WIDTH = 480

UNRESOLVED = "#eeeeee"
UNABLE = "#e66100"
#: Blues from light to dark (ColorBrewer "Blues", colour-blind safe) by searches.
SHADES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
FLAG = "#7f0000"


@dataclass(frozen=True)
class Mark:
    """What one matrix cell holds: ``None`` status means unresolved."""

    resolved: bool
    unable: bool
    searches: int
    flagged: bool
    title: str


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    fill: str
    text: str
    text_fill: str
    flagged: bool
    title: str


@dataclass(frozen=True)
class Label:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class HeatMap:
    width: int
    height: int
    cell: int
    boxes: list[Box]
    rows: list[Label]
    columns: list[Label]
    #: Each legend key: its sample box and its text's position and words.
    legend: list[tuple[Box, Label]]
    legend_box: int = LEGEND_BOX
    label_font: int = LABEL_FONT
    cell_font: int = CELL_FONT
    legend_font: int = LEGEND_FONT


def text_width(text: str, font: int) -> int:
    """An upper estimate of how wide ``text`` draws at ``font`` px."""
    return round(len(text) * font * GLYPH) + 1


def _shade(searches: int, most: int) -> str:
    if most <= 1:
        return SHADES[2]
    step = round((searches - 1) / (most - 1) * (len(SHADES) - 1))
    return SHADES[max(0, min(step, len(SHADES) - 1))]


def _box(x: int, y: int, mark: Mark, most: int) -> Box:
    if not mark.resolved:
        return Box(x, y, UNRESOLVED, "–", "#444444", mark.flagged, mark.title)
    if mark.unable:
        return Box(x, y, UNABLE, "U", "#000000", mark.flagged, mark.title)
    fill = _shade(mark.searches, most)
    text_fill = "#ffffff" if fill in SHADES[3:] else "#000000"
    return Box(x, y, fill, str(mark.searches), text_fill, mark.flagged, mark.title)


def _legend(top: int, width: int, most: int) -> tuple[list[tuple[Box, Label]], int]:
    """The keys left to right, each as wide as its words, wrapping onto a new line rather than
    overlapping; and the height they take."""
    keys = (
        (Mark(False, False, 0, False, ""), "not resolved"),
        (Mark(True, True, 0, False, ""), "unable to complete"),
        (Mark(True, False, 1, False, ""), "few searches"),
        (Mark(True, False, most, False, ""), f"most searches ({most})"),
        (Mark(True, False, most, True, ""), "deviation (thick frame)"),
    )
    legend = []
    x, y = 0, top
    for mark, text in keys:
        wide = LEGEND_BOX + 8 + text_width(text, LEGEND_FONT)
        if x and x + wide > width:
            x, y = 0, y + LEGEND_ROW
        box = _box(x + 2, y, mark, max(most, 2))
        legend.append((box, Label(x + 2 + LEGEND_BOX + 8, y + LEGEND_BOX // 2 + LEGEND_FONT // 3, text)))
        x += wide + 24
    return legend, y + LEGEND_ROW - top


def layout(
    row_labels: list[str], column_labels: list[str], marks: list[list[Mark]], most: int | None = None
) -> HeatMap:
    """Cells, labels and legend; shades run up to ``most`` searches (by default the most in ``marks``)."""
    if most is None:
        most = max((m.searches for row in marks for m in row if m.resolved and not m.unable), default=1)
    pitch = CELL + GAP
    left = max((text_width(t, LABEL_FONT) for t in row_labels), default=0) + 12
    boxes = [_box(left + j * pitch, TOP + i * pitch, m, most) for i, row in enumerate(marks) for j, m in enumerate(row)]
    rows = [Label(left - 8, TOP + i * pitch + CELL // 2 + LABEL_FONT // 3, text) for i, text in enumerate(row_labels)]
    columns = [Label(left + j * pitch + CELL // 2, TOP - 9, text) for j, text in enumerate(column_labels)]
    width = max(left + len(column_labels) * pitch, MIN_WIDTH)
    legend, legend_height = _legend(TOP + len(row_labels) * pitch + 14, width, most)
    return HeatMap(width, TOP + len(row_labels) * pitch + 14 + legend_height, CELL, boxes, rows, columns, legend)
