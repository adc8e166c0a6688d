"""Geometry of the uniformity heat map, drawn as SVG by ``templates/reports/_heatmap.html``.

Pure layout (no Flask, no ORM), shared by the web page and the PDF so both show the same
picture. Resolved cells darken with the number of searches; items that could not be
completed are orange and marked "U"; unresolved cells are pale grey and marked "–";
a deviation gets a thick dark-red frame. Colour is never the only cue: every cell also
carries its count or letter, and the data table beside the picture holds every value.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL = 26
GAP = 2
LEFT = 64  # room for candidate codes
TOP = 22  # room for item numbers
LEGEND_HEIGHT = 44

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
    legend: list[tuple[Box, str]]


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


def layout(row_labels: list[str], column_labels: list[str], marks: list[list[Mark]]) -> HeatMap:
    most = max((m.searches for row in marks for m in row if m.resolved and not m.unable), default=1)
    pitch = CELL + GAP
    boxes = [_box(LEFT + j * pitch, TOP + i * pitch, m, most) for i, row in enumerate(marks) for j, m in enumerate(row)]
    rows = [Label(LEFT - 6, TOP + i * pitch + CELL // 2 + 4, text) for i, text in enumerate(row_labels)]
    columns = [Label(LEFT + j * pitch + CELL // 2, TOP - 8, text) for j, text in enumerate(column_labels)]
    width = max(LEFT + len(column_labels) * pitch, 440)
    top = TOP + len(row_labels) * pitch + 12
    legend_marks = (
        (Mark(False, False, 0, False, ""), "not resolved"),
        (Mark(True, True, 0, False, ""), "unable"),
        (Mark(True, False, 1, False, ""), "few searches"),
        (Mark(True, False, most, False, ""), "most searches"),
        (Mark(True, False, most, True, ""), "deviation"),
    )
    legend = [(_box(8 + k * 86, top, m, max(most, 2)), text) for k, (m, text) in enumerate(legend_marks)]
    return HeatMap(width, top + LEGEND_HEIGHT, CELL, boxes, rows, columns, legend)
