"""How the scores work: the plain-English account for users (docs/how-the-scores-work.md), with the
composite weights and bands read from the scoring configuration the scorer uses. The formulas and
every setting are in the technical annex (the Methodology page)."""

from __future__ import annotations

import dash
import polars as pl
from dash import dcc, html

from dashboard import components, ids
from dashboard.docs_render import load_config, read_doc
from etl.settings import PROJECT_ROOT

dash.register_page(__name__, path="/how-scores-work", name="How the scores work", title="How the scores work",
                   order=6)

DOC = PROJECT_ROOT / "docs" / "how-the-scores-work.md"


def weights_frame(config: dict) -> pl.DataFrame:
    """dimension, weight (%) of the composite, from the scoring configuration ([composite] weights)."""
    weights = (config.get("composite") or {}).get("weights") or {}
    return pl.DataFrame(
        {"dimension": [name.replace("_", " ").capitalize() for name in weights],
         "weight": [round(100 * float(value), 1) for value in weights.values()]},
        schema={"dimension": pl.String, "weight": pl.Float64},
    )


def bands_frame(config: dict) -> pl.DataFrame:
    """band, from (score): the composite's bands, highest first."""
    bands = config.get("bands") or []
    return pl.DataFrame({"band": [b.get("name", "") for b in bands], "from": [float(b.get("min_score", 0)) for b in bands]},
                        schema={"band": pl.String, "from": pl.Float64})


def layout(**_query: str) -> html.Div:
    text = read_doc(DOC)
    body = text.split("\n", 1)[1] if text else None  # the page owns the h1
    config = load_config()
    return html.Div(
        [
            html.H1("How the scores work"),
            dcc.Markdown(body, className="markdown-body", dangerously_allow_html=False,
                         link_target="_self") if body else components.message("docs/how-the-scores-work.md is missing."),
            html.H2("The weights and bands in force"),
            components.data_table(weights_frame(config), "Weight of each question in the composite score (%)",
                                  ids.HOW_WEIGHTS_TABLE, labels={"dimension": "Question", "weight": "Weight (%)"}),
            components.data_table(bands_frame(config), "Bands of the composite score", ids.HOW_BANDS_TABLE,
                                  labels={"band": "Band", "from": "From a score of"}),
        ],
        id=ids.HOW_PAGE,
    )
