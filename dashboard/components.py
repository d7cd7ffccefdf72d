"""Reusable page parts: the accessible chart card, data tables, download links, tiles, messages.

The chart card is how every chart appears: plotly.js charts are not keyboard-operable and their SVG
has no accessible name (plotly.js #4264), so each sits in a container with role="img" and an
accessible name (its title) and description (a plain-language summary shown beneath it), above a caption, a data-table alternative in a
<details> disclosure, and a CSV download of exactly the frame drawn.

A chart's "download this data" link is a real request (`dashboard.downloads`: `/download/<chart>.csv?...`)
that rebuilds the section for the viewer, checks every parameter and is audited; the frame drawn is kept
on the link server-side so the download holds exactly what is on screen. Tables are escaped HTML drawn by one dcc.Markdown rather than `html.Td`
components: Dash 4 wraps every component, and thousands of cells took seconds to appear (data_table).
"""

from __future__ import annotations

import re
from html import escape
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

import plotly.graph_objects as go
import polars as pl
from dash import ClientsideFunction, Input, Output, State, clientside_callback, dcc, html

from dashboard import exports, ids

TABLE_ROW_LIMIT = 500  # a longer table is cut (with a note): the CSV download has every row
GRAPH_CONFIG = {
    # No mode bar: its buttons are invisible tab stops inside the chart's role="img" container
    # (axe nested-interactive), and plotly.js puts "Share chart..." (sendChartToCloud, which would
    # send official data to an outside service) on it. Zoom by dragging and double-click to reset
    # still work with a mouse; every value is in the data table beneath each chart.
    "displayModeBar": False,
    "displaylogo": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "showTips": False,
    "responsive": True,
    # Offline: plotly.js must never reach for its CDN; the server answers with an empty base map.
    "topojsonURL": "/_oversight/topojson/",
    "modeBarButtonsToRemove": ["sendDataToCloud", "select2d", "lasso2d", "toImage"],
}


def slug(text: str) -> str:
    """'Scores by region, October 2026' -> 'scores-by-region-october-2026' (for file names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "data"


def format_value(value: object) -> str:
    """A cell as text: numbers to at most one decimal place, dates as 'Oct 2026', None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.1f}" if value == value else "-"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%b %Y") if value.day == 1 else value.strftime("%d %b %Y")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _th_td(tag: str, text: str, scope: str) -> str:
    # One line per cell: a blank line in a value would end dcc.Markdown's HTML block and let the rest of
    # the value be read as markdown (links, images from other hosts). HTML collapses the whitespace anyway.
    text = " ".join(text.split())
    return f'<{tag} scope="{scope}">{escape(text)}</{tag}>' if scope else f"<{tag}>{escape(text)}</{tag}>"


def table_html(frame: pl.DataFrame, caption: str, headings: list[str], links: Sequence[str | None] | None = None,
               sorted_by: tuple[int, str] | None = None, suppressed: Sequence[bool] | None = None,
               statistical: bool | None = None) -> str:
    """The frame as an HTML table: a caption, a row of column headers, each row headed by its first cell.

    `links`: per row, an address for its first cell (a link to that authority's page), or None.
    `sorted_by`: (column index, 'ascending' | 'descending') marks that header with aria-sort.
    `suppressed`: per row, whether it holds values withheld from the viewer, printed 'c'
    (default: from the frame's own `disclosure` column, see `exports.suppressed_rows`).
    `statistical`: whether other nulls are values that do not exist, printed 'x' (default: the frame
    has a `disclosure` column); otherwise a null is '-'. See `exports.shown`.
    Every value (caption, headings, cells, addresses) is escaped; the only markup is the fixed structure.
    """
    head = "".join(
        _th_td("th", text, "col") if not sorted_by or i != sorted_by[0]
        else f'<th scope="col" aria-sort="{escape(sorted_by[1])}">{escape(" ".join(text.split()))}</th>'
        for i, text in enumerate(headings)
    )
    rows = []
    marks = list(suppressed) if suppressed is not None else exports.suppressed_rows(frame)
    statistical = exports.is_statistical(frame) if statistical is None else statistical
    for index, row in enumerate(frame.iter_rows()):
        href = links[index] if links is not None and index < len(links) else None
        withheld = index < len(marks) and marks[index]
        cells = []
        for i, (column, value) in enumerate(zip(frame.columns, row)):
            value = exports.shown(value, withheld, column, statistical)
            if i == 0 and href:
                text = " ".join(format_value(value).split())
                cells.append(f'<th scope="row"><a href="{escape(href)}">{escape(text)}</a></th>')
            else:
                cells.append(_th_td("th", format_value(value), "row") if i == 0 else _th_td("td", format_value(value), ""))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="table table-sm"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def data_table(
    frame: pl.DataFrame, caption: str, table_id: str | None = None,
    labels: Mapping[str, str] | None = None, row_limit: int = TABLE_ROW_LIMIT,
    links: Sequence[str | None] | None = None, sort: tuple[str, str] | None = None,
) -> html.Div:
    """A plain, accessible HTML table of the frame (caption, column headers with scope): the app's one
    table builder.

    Dash 4 renders each html.* element through its own wrapper, so a table of a few thousand html.Td
    cells took seconds to appear in Chromium (the overview's tables: 13 s). The table is therefore HTML
    written by `table_html` (every value escaped) and drawn by dcc.Markdown as plain DOM, one component.
    `labels` chooses and names the columns; `links` gives each row's first cell an address; `sort`
    (column, 'ascending' | 'descending') marks the sorted column for screen readers.
    """
    labels = labels or {}
    columns = [name for name in frame.columns if not labels or name in labels] if labels else frame.columns
    shown = frame.select(columns).head(row_limit)
    # Withheld values are read from the `disclosure` column even when `labels` leaves it out.
    marks = exports.suppressed_rows(frame.head(row_limit))
    statistical = exports.is_statistical(frame)
    headings = [labels.get(c, c.replace("_", " ").capitalize()) for c in columns]
    sorted_by = (columns.index(sort[0]), sort[1]) if sort and sort[0] in columns else None
    note = (
        [html.P(f"Showing the first {row_limit:,} of {frame.height:,} rows; the CSV download has them all.", className="govuk-hint")]
        if frame.height > row_limit else []
    )
    for symbol in exports.symbols_used(shown, marks, statistical):
        note.append(html.P(exports.KEYS[symbol], className="govuk-hint suppression-key"))
    props = {"id": table_id} if table_id else {}
    # Safe: table_html escapes every value; the only markup is its fixed table structure.
    table = dcc.Markdown(table_html(shown, caption, headings, links, sorted_by, marks, statistical), dangerously_allow_html=True,
                         className="table-markdown")
    return html.Div([scroll_region(table, caption, **props), *note])


def scroll_region(table: object, label: str, **props: object) -> html.Div:
    """A table in a region that scrolls sideways when it is wider than the screen (WCAG 1.4.10: the page
    itself reflows at 320 px), focusable so the keyboard can scroll it and named for screen readers."""
    return html.Div(table, className="table-scroll", tabIndex=0, role="region", **{"aria-label": label}, **props)


def plain_table(frame: pl.DataFrame, columns: Mapping[str, str], caption: str, table_id: str | None = None,
                row_limit: int = TABLE_ROW_LIMIT) -> html.Div:
    """`data_table` of the chosen columns (labels in `columns`), for lists read from top to bottom."""
    return data_table(frame.select(list(columns)), caption, table_id, labels=columns, row_limit=row_limit)


def csv_link(frame: pl.DataFrame, filename: str, label: str = "Download this data (CSV)",
             link_id: str | None = None, synthetic: bool | None = None) -> html.A:
    """An `<a download>` holding the frame as CSV (formulas neutralised, synthetic data stamped)."""
    content = exports.csv_bytes(frame, synthetic)
    props = {"id": link_id} if link_id else {}
    return html.A(
        label, href=exports.data_uri(content, exports.CSV_MIME), download=f"{filename}.csv",
        className="btn btn-secondary btn-sm chart-download no-print", **props,
    )


def xlsx_link(data: pl.DataFrame | Mapping[str, pl.DataFrame], filename: str, label: str = "Download (Excel)",
              link_id: str | None = None, synthetic: bool | None = None) -> html.A:
    """An `<a download>` holding the frame(s) as an XLSX workbook."""
    content = exports.xlsx_bytes(data, synthetic)
    props = {"id": link_id} if link_id else {}
    return html.A(
        label, href=exports.data_uri(content, exports.XLSX_MIME), download=f"{filename}.xlsx",
        className="btn btn-secondary btn-sm chart-download no-print", **props,
    )


def download_link(name: str, params: Mapping[str, object], frame: pl.DataFrame, filename: str, label: str,
                  file_format: str = "csv", link_id: str | None = None, described_as: str | None = None,
                  synthetic: bool | None = None) -> html.A:
    """A link to download `frame` as `/download/<name>.<format>?<params>` (see `dashboard.downloads`).

    `name` must be registered with `downloads.register` by the page, with the function that draws this
    link from `params`. The frame is kept on the link for the route (never sent to the browser). A plain
    `<a href>`: reached with Tab, followed with Enter; `described_as` names what is downloaded for
    screen readers when the visible label is generic. `synthetic`: False for published (real) figures;
    None stamps the file when the database holds demonstration data.
    """
    from dashboard import downloads

    props = {"id": link_id} if link_id else {}
    if described_as:
        props["aria-label"] = f"{label}: {described_as}"
    link = html.A(label, href=downloads.href(name, file_format, params), download=f"{filename}.{file_format}",
                  className="btn btn-secondary btn-sm chart-download no-print", **props)
    return downloads.attach(link, name, file_format, frame, filename, synthetic)


def download_buttons(data: pl.DataFrame, filename: str, label: str = "this data", *, name: str,
                     params: Mapping[str, object]) -> html.Div:
    """CSV and Excel downloads of one frame, side by side (real requests: see `download_link`)."""
    return html.Div(
        [
            download_link(name, params, data, filename, f"Download {label} (CSV)", "csv"),
            " ",
            download_link(name, params, data, filename, f"Download {label} (Excel)", "xlsx"),
        ],
        className="download-buttons no-print mb-3",
    )


def default_summary(title: str, frame: pl.DataFrame) -> str:
    return f"{title}. The data behind this chart has {frame.height:,} rows; open the table below to read every value."


def chart_card(
    id_prefix: str | None = None,
    title: str = "",
    caption: str = "",
    figure: go.Figure | None = None,
    table_frame: pl.DataFrame | None = None,
    download_id: str | None = None,
    *,
    summary: str | None = None,
    labels: Mapping[str, str] | None = None,
    filename: str | None = None,
    data: pl.DataFrame | None = None,
    graph_id: str | None = None,
    synthetic: bool | None = None,
    download: Mapping[str, object] | None = None,
) -> html.Section:
    """One chart with everything that makes it accessible and reusable.

    - `figure` in a container with role="img", labelled by the title and described by `summary` (a
      plain-language account of what the data shows, shown under the chart; generic when not given);
    - `caption`: what the chart shows, in words (meaning never in colour alone);
    - `table_frame` as an html.Table in a <details> disclosure ("Show the data as a table"), with
      column headings from `labels` (and only those columns, when given);
    - a CSV download of exactly `table_frame` (id `download_id`, file `filename`.csv): a link to
      `/download/<id_prefix>.csv?<download>`, where `download` holds the parameters of the section
      the page registered for `id_prefix` (`dashboard.downloads.register`). Without `download` there
      is no link (the table is still there).
    Ids derive from `id_prefix` (see `ids.card_ids`). `data` and `graph_id` are accepted as
    synonyms of `table_frame` and the graph's id. `synthetic` stamps the CSV (None: ask the database;
    False for real published figures).
    """
    frame = table_frame if table_frame is not None else data
    if frame is None:
        frame = pl.DataFrame()
    if id_prefix is None:
        id_prefix = (graph_id or slug(title)).removesuffix("-graph")
    card = ids.card_ids(id_prefix)
    summary_text = summary or default_summary(title, frame)
    heading_id = f"{id_prefix}-title"
    figure = figure if figure is not None else go.Figure()
    return html.Section(
        [
            html.H3(title, id=heading_id, className="govuk-heading-s"),
            html.P(caption, className="chart-caption"),
            described_graph(dcc.Graph(id=graph_id or card["graph"], figure=figure, config=GRAPH_CONFIG), title, card["summary"]),
            html.P(summary_text, id=card["summary"], className="chart-summary"),
            html.Details(
                [
                    html.Summary("Show the data as a table"),
                    data_table(frame, f"Data for: {title}", card["table"], labels=labels),
                ],
                className="mb-2",
            ),
            *([download_link(id_prefix, download,
                             frame.select([c for c in frame.columns if c in labels or c == "disclosure"]) if labels else frame,
                             filename or slug(title), "Download this data (CSV)", "csv",
                             link_id=download_id or card["csv"], described_as=title, synthetic=synthetic)]
              if download is not None else []),
        ],
        className="card card-body mb-4 chart-card",
        **{"aria-labelledby": heading_id},
    )


def described_graph(graph: dcc.Graph, name: str, summary_id: str) -> html.Div:
    """A chart as one picture for assistive technology: plotly's SVG has no name of its own (plotly.js
    #4264), so its container is an image named `name` and described by the element `summary_id`."""
    return html.Div(graph, role="img", **{"aria-label": name, "aria-describedby": summary_id})


def message(text: str, message_id: str | None = None, kind: str = "warning") -> html.Div:
    """A clear message in place of content (a crafted input, no data yet); never a traceback."""
    props = {"id": message_id} if message_id else {}
    return html.Div(text, className=f"alert alert-{kind}", role="alert", **props)


def upload_zone(upload_id: str, label: str, max_file_bytes: int) -> list:
    """A labelled drag-and-drop upload whose file reaches the server through `<upload_id>-store`.

    No `accept` or `max_size` on dcc.Upload: the browser would silently drop a file of another type or
    size and the user would see nothing. A file over the limit is refused in the browser before it is
    sent (assets/30-upload-guard.js, message in `<upload_id>-client-message`); the server names every
    other problem. `guard_upload(upload_id)` registers the browser check; the page's callback listens
    to the store.
    """
    return [
        dcc.Store(id=f"{upload_id}-limits", data={"max_file_bytes": max_file_bytes}),
        dcc.Store(id=f"{upload_id}-store"),  # ids.CHECK_UPLOAD_STORE and submit's SUBMIT_UPLOAD_STORE
        html.Label(label, htmlFor=upload_id, className="form-label"),
        dcc.Upload(
            id=upload_id,
            children=html.Div([html.Span("Drag and drop a return here, or "), html.Span("choose a file", className="upload-link")]),
            multiple=False,
            className="upload-zone",
            className_active="upload-zone upload-zone-active",
        ),
        html.Div(id=f"{upload_id}-client-message", role="alert", className="mt-2"),
    ]


def guard_upload(upload_id: str) -> None:
    """Register the browser-side size check of an `upload_zone` (once per page module)."""
    clientside_callback(
        ClientsideFunction(namespace="oversight", function_name="guardUpload"),
        Output(f"{upload_id}-store", "data"),
        Output(f"{upload_id}-client-message", "children"),
        Input(upload_id, "contents"),
        State(upload_id, "filename"),
        State(f"{upload_id}-limits", "data"),
        prevent_initial_call=True,
    )


def tile(label: str, value: str, detail: str | None = None, tile_id: str | None = None) -> html.Div:
    """A headline number with its label and a line of context."""
    props = {"id": tile_id} if tile_id else {}
    return html.Div(
        html.Div(
            [
                html.P(label, className="tile-label mb-1"),
                html.P(value, className="tile-value h2 mb-1"),
                html.P(detail or "", className="tile-detail govuk-hint mb-0"),
            ],
            className="card card-body h-100",
        ),
        className="col-6 col-lg-3 mb-3",
        **props,
    )


def control(label: str, control_id: str, options: list[dict], value: object, hint: str | None = None,
            searchable: bool = False, width: str = "col-12 col-md-6 col-xl-3") -> html.Div:
    """A labelled dropdown (keyboard usable; the label is tied to it for screen readers)."""
    return html.Div(
        [
            html.Label(label, htmlFor=control_id, className="form-label"),
            *([html.P(hint, className="govuk-hint small mb-1")] if hint else []),
            dcc.Dropdown(id=control_id, options=options, value=value, clearable=False, searchable=searchable),
        ],
        className=f"{width} mb-3",
    )


def guarded(build: Callable[..., object], *args: object) -> object:
    """Run a section builder; an OversightError (a crafted or stale input, missing data) becomes a
    clear message in place of the section, never a traceback. Other errors are bugs and propagate."""
    from etl.errors import OversightError

    try:
        return build(*args)
    except OversightError as error:
        return message(str(error)[:1].upper() + str(error)[1:])


def month_label(period: date, short: bool = False) -> str:
    """date(2026, 10, 1) -> 'October 2026' ('Oct 2026' when short): the one month label of the app."""
    return period.strftime("%b %Y" if short else "%B %Y")


def period_options(periods: list[date]) -> list[dict]:
    """Dropdown options for periods, newest first, labelled 'October 2026', valued '2026-10'."""
    return [{"label": month_label(p), "value": f"{p.year:04d}-{p.month:02d}"} for p in reversed(periods)]


def window_options() -> list[dict]:
    """The period types on offer (state.WINDOWS, the one list), labels short enough not to be cut off."""
    from dashboard.state import WINDOWS

    return [{"label": label, "value": value} for value, label in WINDOWS.items()]


def window_phrase(window: str, period: date) -> str:
    """'the 12 months to October 2026' or 'October 2026'."""
    return f"the 12 months to {month_label(period)}" if window == "rolling12" else month_label(period)


NO_DATA = "No scores yet: load returns with `oversight refresh`, then reload this page."


def page_body(title: str, empty: bool, message_id: str, content: list) -> html.Div:
    """A page: its heading, then its content, or a message when the database has no scores yet.

    The content is still rendered (hidden) when empty, so every control and section a callback names
    exists on the page and Dash reports no missing ids.
    """
    return html.Div(
        [
            html.H1(title),
            *([message(NO_DATA, message_id)] if empty else []),
            html.Div(content, hidden=empty),
        ]
    )


def default_choice(options: list[str], preferred: str) -> str | None:
    """`preferred` if on offer, else the first option, else None."""
    return preferred if preferred in options else (options[0] if options else None)
