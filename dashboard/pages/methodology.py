"""Page 6, Methodology and standard: rendered at request time from docs/ and etl/scoring.toml.

The page reads the same files the code uses (the scoring configuration the scorer loads, the
return standard generated from etl/spec), so it cannot disagree with the code. Markdown is rendered
by dcc.Markdown with raw HTML switched off, so nothing in a file can run in the browser.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import components, ids
from dashboard.docs_render import config_tables, demote_headings, link_sections, load_config, read_doc, scoring_config_rows
from etl.settings import PROJECT_ROOT

dash.register_page(__name__, path="/methodology", name="Technical annex", title="Methodology: technical annex", order=7)

DOCS_DIR = PROJECT_ROOT / "docs"
SECTIONS = (
    # (anchor id, heading, file)
    ("methodology", "How recording quality is scored", "methodology.md"),
    ("standard", "The monthly return standard", "return-standard.md"),
)


def config_section(config: dict) -> list:
    """Every table of the scoring configuration, each under its section name (as in the TOML)."""
    tables = config_tables(config)
    if not tables:
        return [components.message("The scoring configuration (etl/scoring.toml) could not be read.")]
    parts: list = []
    for title, frame in tables:
        labels = {column: column.replace("_", " ").capitalize() for column in frame.columns}
        parts.append(html.H3(f"[{title}]", className="govuk-heading-s"))
        parts.append(components.plain_table(frame, labels, f"Scoring configuration: {title}"))
    return [html.Div(parts, id=ids.METHOD_CONFIG_TABLE)]


def doc_section(anchor: str, heading: str, filename: str) -> html.Section:
    text = read_doc(DOCS_DIR / filename)
    if text is None:
        content = components.message(f"docs/{filename} has not been written yet.")
    else:
        content = dcc.Markdown(
            link_sections(demote_headings(text)),
            dangerously_allow_html=False,  # files are data: no raw HTML, no script
            link_target="_self",
            className="markdown-body",
        )
    return html.Section([html.H2(heading, id=anchor), content], **{"aria-labelledby": anchor})


def layout(**_query: str) -> html.Div:
    rows = scoring_config_rows()
    return html.Div(
        [
            html.H1("Methodology: technical annex"),
            html.P(
                "The formulas behind the recording-quality scores and flags, the return standard authorities "
                "submit against, and the scoring settings in force. This page is built from the same files the "
                "scoring and validation code reads, so it always matches them.",
                className="lead",
            ),
            html.P(["For a plain-English account, read ", dcc.Link("How the scores work", href="/how-scores-work"), "."]),
            html.Nav(
                html.Ul(
                    [html.Li(html.A(heading, href=f"#{anchor}")) for anchor, heading, _ in SECTIONS]
                    + [html.Li(html.A("Scoring configuration", href="#configuration"))],
                    className="link-list",
                ),
                **{"aria-label": "Contents"},
            ),
            *[doc_section(*section) for section in SECTIONS],
            html.Section(
                [
                    html.H2("Scoring configuration", id="configuration"),
                    html.P(
                        "Weights of each dimension in the composite score, the thresholds each measure is "
                        "judged against and the score bands, read from etl/scoring.toml."
                    ),
                    *config_section(load_config()),
                    components.csv_link(
                        rows, "scoring-configuration", "Download the configuration (CSV)",
                        link_id=ids.METHOD_CONFIG_DOWNLOAD, synthetic=False,
                    ),
                ],
                **{"aria-labelledby": "configuration"},
            ),
        ],
        id=ids.METHOD_PAGE,
    )
