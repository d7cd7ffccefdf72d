"""The page shell around every page: skip link, GOV.UK-style header and navigation, the synthetic-data
banner, the page content, and the footer (accessibility statement, data attribution).

`shell()` is the app's layout function: Dash calls it for every page load, so the banner follows the
database being served now (it appears whenever meta('contains_synthetic_data') = 'true').
"""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html

from dashboard import database, ids
from dashboard.auth.access import account_bar, may_open

SERVICE_NAME = "Prevent recording oversight"
BANNER_TEXT = (
    "Synthetic demonstration data. Every authority's figures on this site are invented to show how the "
    "dashboard works. They are not real returns and must not be used for any decision."
)
ATTRIBUTION = (
    "Boundaries and populations: Office for National Statistics, licensed under the Open Government "
    "Licence v3.0; contains OS data © Crown copyright and database right. Statistical neighbours: "
    "Department for Education. Returns: local authorities' monthly Prevent recording returns."
)


# The page template: Dash's own, with the page's language declared (WCAG 3.1.1), without the <footer>
# Dash wraps its scripts in (a second contentinfo landmark beside the site's footer), and with a message
# for a browser that runs no JavaScript (Dash draws every page with it; the sign-in form needs none), which
# otherwise saw "Loading..." for ever.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en-GB">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <noscript>
            <main class="container py-4" id="no-javascript">
                <h1>This dashboard needs JavaScript</h1>
                <p>Its pages, charts and tables are drawn in your browser. Switch JavaScript on for this
                site, or use a browser that runs it, then reload the page.</p>
            </main>
        </noscript>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def nav_pages() -> list[dict]:
    """Pages for the navigation: registered pages in `order`, except hidden ones (order >= 90)."""
    pages = sorted(dash.page_registry.values(), key=lambda page: (page.get("order") or 0, page["name"]))
    return [page for page in pages if (page.get("order") if page.get("order") is not None else 0) < 90
            and may_open(page)]  # pages for one audience (council, admin): dashboard.auth.access


def is_current(page: dict, pathname: str | None) -> bool:
    """Whether `pathname` is `page` or a page under it (/authority/report is within /authority)."""
    if not pathname:
        return False
    path = page["relative_path"].rstrip("/") or "/"
    here = pathname.rstrip("/") or "/"
    return here == path or (path != "/" and here.startswith(path + "/"))


def nav_list(pathname: str | None = None) -> html.Ul:
    """The navigation links; the current page's link carries aria-current="page" (as GOV.UK's does).

    dcc.Link takes no aria attributes, so the current page is a plain link (following it reloads the
    page it is already on, which is harmless); the others stay dcc.Link for in-app navigation.
    """
    items = []
    for page in nav_pages():
        if is_current(page, pathname):
            link = html.A(page["name"], href=page["relative_path"], className="nav-link active",
                          **{"aria-current": "page"})
        else:
            link = dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
        items.append(html.Li(link, className="nav-item"))
    return html.Ul(items, className="nav app-nav")


def header() -> html.Header:
    return html.Header(
        html.Div(
            [
                dcc.Link(SERVICE_NAME, href="/", className="navbar-brand govuk-header__link"),
                html.Nav(
                    nav_list(),
                    id=ids.SHELL_NAV,
                    **{"aria-label": "Main"},
                ),
                account_bar(),  # signed in as ..., sign out (dashboard.auth.access)
            ],
            className="container",
        ),
        className="govuk-header app-header",
        role="banner",
    )


def synthetic_banner() -> html.Div | None:
    if not database.contains_synthetic_data():
        return None
    return html.Div(
        html.Div([html.Strong("Synthetic demonstration data. "), BANNER_TEXT.split(". ", 1)[1]], className="container"),
        id=ids.SHELL_BANNER,
        className="synthetic-banner app-synthetic-banner",
        role="region",  # a labelled landmark, so no content sits outside landmarks
        **{"aria-label": "Synthetic demonstration data"},
    )


def footer() -> html.Footer:
    return html.Footer(
        html.Div(
            [
                html.Ul(
                    [
                        html.Li(dcc.Link("Accessibility statement", href="/accessibility")),
                        html.Li(dcc.Link("How the scores work", href="/how-scores-work")),
                        html.Li(dcc.Link("Methodology: technical annex", href="/methodology")),
                    ],
                    className="list-inline",
                ),
                html.P(ATTRIBUTION, className="small"),
            ],
            className="container",
        ),
        className="app-footer mt-5 py-4 border-top no-print",
        role="contentinfo",
    )


def shell() -> html.Div:
    """The whole page: pages render into `dash.page_container` inside <main>."""
    banner = synthetic_banner()
    return html.Div(
        [
            # Our own Location (not the pages router's private one) drives the navigation's current page.
            dcc.Location(id=ids.SHELL_LOCATION),
            html.A("Skip to main content", href=f"#{ids.SHELL_MAIN}", className="govuk-skip-link"),
            header(),
            *([banner] if banner is not None else []),
            html.Main(
                dash.page_container,
                id=ids.SHELL_MAIN,
                className="container py-4",
                tabIndex=-1,  # so the skip link moves keyboard focus here
            ),
            footer(),
        ]
    )


def mark_current_page(pathname: str | None) -> html.Ul:
    """Rebuild the navigation whenever the address changes, so aria-current follows the page shown."""
    return nav_list(pathname if isinstance(pathname, str) else None)


def register_callbacks(app: dash.Dash) -> None:
    """Wire the shell to `app` (called by `create_app`): its page template and its callback.

    On the app rather than with module-level `@callback`: this module is imported once, and Dash hands
    module-level callbacks only to the first app created in a process (tests create several).
    """
    app.index_string = INDEX_STRING
    app.callback(Output(ids.SHELL_NAV, "children"), Input(ids.SHELL_LOCATION, "pathname"))(mark_current_page)
