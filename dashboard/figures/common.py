"""Shared look of every chart: the Government Analysis Function palette, fonts and base layout.

Palette (Analysis Function guidance, colour-blind safe): categorical dark blue #12436D, turquoise
#28A197, dark pink #801650, orange #F46A25; sequential #12436D, #2073BC, #6BACE6. Meaning is never
carried by colour alone: flags also differ by marker shape and are named in text and tables.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable, ParamSpec

import plotly.graph_objects as go

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
MID_BLUE = "#2073BC"
LIGHT_BLUE = "#6BACE6"
GREY = "#505A5F"  # GOV.UK secondary text: 7:1 on white
LIGHT_GREY = "#B1B4B6"
FONT = "Arial, Helvetica, sans-serif"
# The Analysis Function's sequential blues. The palest is a clear mid-light blue, so the lowest value is
# never mistaken for "no value" (NO_VALUE, a pale grey, which the map also names on hover).
SEQUENTIAL = [[0.0, LIGHT_BLUE], [0.5, MID_BLUE], [1.0, DARK_BLUE]]
NO_VALUE = "#F3F2F1"
# A trace whose points are authorities carries this `meta` (and the GSS codes as `ids`, or as
# `locations` on the map): assets/40-accessible-controls.js opens the benchmark page of a clicked one.
AUTHORITY_LINK = "authority-link"


def empty_figure(text: str) -> go.Figure:
    """A blank chart that says why it is blank (no data for the choice)."""
    figure = go.Figure()
    figure.update_layout(
        xaxis={"visible": False}, yaxis={"visible": False}, height=220,
        annotations=[{"text": text, "showarrow": False, "font": {"size": 16, "family": FONT, "color": GREY}}],
        paper_bgcolor="white", plot_bgcolor="white", margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return fit_text(figure)


def base_layout(figure: go.Figure, height: int = 420, **extra: object) -> go.Figure:
    """Plain white background, system fonts, legend above the plot, room for axis titles."""
    settings: dict[str, object] = {
        "height": height,
        "font": {"family": FONT, "size": 14, "color": "#0B0C0C"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
    }
    figure.update_layout(**{**settings, **extra})
    figure.update_xaxes(showline=True, linecolor=GREY, gridcolor="#E5E5E5", zeroline=False)
    figure.update_yaxes(showline=True, linecolor=GREY, gridcolor="#E5E5E5", zeroline=False)
    return figure


# --- chart text that fits a 320 px screen -----------------------------------------------------------
# WCAG 2.2 1.4.10 (Reflow): every page works at 320 CSS pixels, where a chart's drawing is about 262 px
# wide. Plotly neither wraps nor shrinks text: a title, legend entry or note longer than the drawing is
# cut off at its edge. So chart text is wrapped here, on the server, to widths that fit there, measured
# with the advance widths of Arial (FONT; Liberation Sans and Helvetica share them), in 1/1000 em.
NARROW_TEXT_WIDTH = 240  # px a line of chart text may take: the narrowest drawing less a margin
AXIS_TITLE_WIDTH = 200   # an x-axis title is centred on the plot area, which a tick-label margin may shift
LEGEND_SYMBOL_WIDTH = 40  # px a legend entry's symbol and gap take before its text
LINE_HEIGHT = 1.3        # plotly's line spacing, in ems
_WIDTHS = {
    **dict.fromkeys("ijl", 222), **dict.fromkeys("frt", 278), "r": 333, **dict.fromkeys("ckvxyzJs", 500),
    **dict.fromkeys("abdeghnopqu0123456789_?$#", 556), "m": 833, "w": 722, **dict.fromkeys("FTZ", 611),
    **dict.fromkeys("ABEKPSVXY&", 667), **dict.fromkeys("CDHNRU", 722), **dict.fromkeys("GOQ", 778), "M": 833,
    "W": 944, "L": 556, "I": 278, " ": 278, ".": 278, ",": 278, ":": 278, ";": 278, "/": 278, "'": 191,
    '"': 355, "(": 333, ")": 333, "[": 278, "]": 278, "-": 333, "%": 889, "+": 584, "=": 584, "<": 584, ">": 584,
}
_WIDEST = 1000  # any other character (a dash, an accented or non-Latin letter): counted as a full em


def text_width(text: str, size: float) -> float:
    """Pixels `text` takes in Arial at `size` px (one line, no markup)."""
    return sum(_WIDTHS.get(character, _WIDEST) for character in text) * size / 1000


def wrap_text(text: str, width: float = NARROW_TEXT_WIDTH, size: float = 14) -> str:
    """`text` on lines (joined by plotly's <br>) of at most `width` pixels at `size` px: between words, and
    within a word too long for a line after an underscore or hyphen (FAMILY_MEMBER_KNOWN_TO_PREVENT), or
    anywhere as a last resort. Lines already broken with <br> are wrapped each on its own."""
    lines: list[str] = []
    for paragraph in text.split("<br>"):
        line = ""
        for word in paragraph.split(" "):
            joined = f"{line} {word}" if line else word
            if text_width(joined, size) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            line = ""
            for piece in _pieces(word, width, size):
                if line and text_width(line + piece, size) > width:
                    lines.append(line)
                    line = ""
                line += piece
        lines.append(line)
    return "<br>".join(lines)


def _pieces(word: str, width: float, size: float) -> list[str]:
    """A word cut after each underscore or hyphen, and any piece still wider than `width` cut to fit."""
    pieces, piece = [], ""
    for character in word:
        if piece and text_width(piece + character, size) > width:
            pieces.append(piece)
            piece = ""
        piece += character
        if character in "_-":
            pieces.append(piece)
            piece = ""
    return pieces + ([piece] if piece else [])


def plot_height(layout: go.Layout) -> float:
    """Pixels between the top and bottom margins (plotly's defaults where the figure sets none)."""
    margin = layout.margin
    return (float(layout.height or 450) - float(margin.t if margin.t is not None else 100)
            - float(margin.b if margin.b is not None else 80))


def _rows_of_their_own_height(figure: go.Figure, wrapped: dict[str, str], size: int, bars: list) -> dict[str, float]:
    """Turn the rows of a horizontal bar chart from categories, which plotly spaces evenly (so every row
    took the height its longest name needed), into positions on a numeric axis in pixels, each row as
    tall as the figure's even share plus the extra lines of its own name. The figure grows by those
    lines; bars keep their thickness and place in their row. Each trace keeps its row names as
    `hovertext` (and hover shows them where it showed %{y}). Returns each row's bar top, where its name
    sits."""
    layout = figure.layout
    plot = plot_height(layout)
    order = list(layout.yaxis.categoryarray or dict.fromkeys(y for trace in figure.data for y in (trace.y or ())))
    pitch = plot / len(order)  # the even share of each row, in pixels
    line = round(LINE_HEIGHT * size)
    centres: dict[str, float] = {}
    bottom = 0.0
    for row in order:  # plotly draws the first category at the bottom
        centres[row] = bottom + pitch / 2  # the bar where it was; the name's extra lines go above it
        bottom += pitch + wrapped.get(row, "").count("<br>") * line
    half = max(trace.width for trace in bars) * pitch / 2
    bar_ids = {id(trace) for trace in bars}
    for trace in figure.data:
        if trace.y is None or not any(y in centres for y in trace.y):
            continue
        names = list(trace.y)
        trace.update(y=[centres.get(y, y) for y in names], hovertext=trace.hovertext or names)
        if trace.hovertemplate:
            trace.hovertemplate = trace.hovertemplate.replace("%{y}", "%{hovertext}")
        elif trace.hoverinfo not in ("skip", "none"):
            trace.hovertemplate = "%{hovertext}: %{x}<extra></extra>"
        if id(trace) in bar_ids:
            trace.width = trace.width * pitch
    layout.height += bottom - plot
    figure.update_yaxes(type="linear", range=[0, bottom], tickvals=list(centres.values()), ticktext=list(centres),
                        zeroline=False)
    return {row: centre + half for row, centre in centres.items()}


def axis_title(measure_label: str, unit: str) -> str:
    """'Composite score (score out of 100)', on as many lines as a phone needs."""
    return wrap_text(f"{measure_label} ({unit})", AXIS_TITLE_WIDTH)


def fit_text(figure: go.Figure) -> go.Figure:
    """Wrap every axis title, legend entry and note of `figure` to fit a chart on a 320 px screen (see
    NARROW_TEXT_WIDTH), and let plotly widen the margins for the axis titles' lines. Every figure
    builder returns its figure through this."""
    layout = figure.layout
    size = float(layout.font.size or 14)
    plot = plot_height(layout)

    def wrap_title(axis, room: float) -> None:
        if axis.title and axis.title.text:
            axis.title.text = wrap_text(axis.title.text, room, float(axis.title.font.size or size))
            axis.automargin = True

    figure.for_each_xaxis(lambda axis: wrap_title(axis, AXIS_TITLE_WIDTH))
    figure.for_each_yaxis(lambda axis: wrap_title(axis, max(min(AXIS_TITLE_WIDTH, plot), 60)))
    for note in layout.annotations:
        if note.text:
            note.text = wrap_text(note.text, NARROW_TEXT_WIDTH, float(note.font.size or size))
    legend_size = float(layout.legend.font.size or size)
    for trace in figure.data:
        if trace.name and trace.showlegend is not False:
            trace.name = wrap_text(trace.name, NARROW_TEXT_WIDTH - LEGEND_SYMBOL_WIDTH, legend_size)
    return figure


P = ParamSpec("P")


def narrow_screen_text(builder: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """Decorates a figure builder: whatever it returns passes through fit_text."""
    @wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        return fit_text(builder(*args, **kwargs))

    build.fits_narrow_screens = True  # type: ignore[attr-defined]
    return build


def labels_above_rows(figure: go.Figure, labels: list[str], size: int = 13) -> None:
    """Each row of a horizontal chart named above its bar, left-aligned, instead of as a tick label
    beside it: the plot keeps the full width on a phone (a 200-300 pixel label margin left a sliver).

    Rows need about 50 pixels each for a one-line name and the bar (call after setting the height).
    Where the rows are horizontal bars (see `_rows_of_their_own_height`), each name sits on its bar's top
    edge and a name that needs more lines on a 320 px screen makes its own row taller; otherwise the name
    sits just above the row's centre and every row gets the extra lines of the longest name."""
    figure.update_yaxes(showticklabels=False, showgrid=False)
    wrapped = [wrap_text(label, NARROW_TEXT_WIDTH, size) for label in labels]
    bars = [trace for trace in figure.data if trace.type == "bar" and trace.orientation == "h" and trace.width]
    font = {"size": size, "family": FONT, "color": "#0B0C0C"}
    if bars and figure.layout.height:
        tops = _rows_of_their_own_height(figure, dict(zip(labels, wrapped)), size, bars)
        for label, text in zip(labels, wrapped):
            figure.add_annotation(x=0, xref="paper", y=tops[label], yref="y", yshift=1, text=text,
                                  showarrow=False, xanchor="left", yanchor="bottom", align="left", font=font)
        return
    extra_lines = max((text.count("<br>") for text in wrapped), default=0)
    if extra_lines and figure.layout.height:  # rows evenly spaced: each gets the longest name's extra lines
        figure.layout.height += round(extra_lines * LINE_HEIGHT * size) * len(labels)
    for label, text in zip(labels, wrapped):
        figure.add_annotation(x=0, xref="paper", y=label, yref="y", yshift=12, text=text, showarrow=False,
                              xanchor="left", yanchor="bottom", align="left", font=font)
