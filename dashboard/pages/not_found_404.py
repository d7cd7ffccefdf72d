"""The site's own page for an address that is no page (served with status 404 by the route guard)."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Page not found", title="Page not found", order=99)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Page not found"),
            html.P("If you typed the web address, check it is correct. If you pasted it, check you copied all of it."),
            html.P(["Go to the ", dcc.Link("national overview", href="/"), "."]),
        ]
    )
