"""Shared look of every chart: the Government Analysis Function palette, fonts and base layout.

Palette (Analysis Function guidance, colour-blind safe): categorical dark blue #12436D, turquoise
#28A197, dark pink #801650, orange #F46A25; sequential #12436D, #2073BC, #6BACE6. Meaning is never
carried by colour alone: flags also differ by marker shape and are named in text and tables.
"""

from __future__ import annotations

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
    return figure


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


def axis_title(measure_label: str, unit: str) -> str:
    """'Composite score (score out of 100)'; a long title on two lines, so a phone does not clip it."""
    text = f"{measure_label} ({unit})"
    return f"{measure_label}<br>({unit})" if len(text) > 34 else text


def labels_above_rows(figure: go.Figure, labels: list[str], size: int = 13) -> None:
    """Each row of a horizontal chart named above its bar, left-aligned, instead of as a tick label
    beside it: the plot keeps the full width on a phone (a 200-300 pixel label margin left a sliver).
    Rows need about 50 pixels each for the label and the bar."""
    figure.update_yaxes(showticklabels=False, showgrid=False)
    for label in labels:
        figure.add_annotation(x=0, xref="paper", y=label, yref="y", yshift=20, text=label, showarrow=False,
                              xanchor="left", yanchor="middle", font={"size": size, "family": FONT, "color": "#0B0C0C"})
