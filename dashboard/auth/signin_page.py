"""The sign-in page: a plain HTML form served by Flask (works without JavaScript and with password managers).

Styled by the site's own stylesheets from assets/; no inline script, so the strict CSP holds. The
demonstration accounts and their passwords are listed only when the database holds synthetic data.
"""

from __future__ import annotations

from html import escape

from etl.users import DemoUser

SERVICE_NAME = "Prevent recording oversight"


def render(*, csrf_token: str, next_path: str, error: str | None, notice: str | None, local: bool,
           oidc_label: str | None, demo_users: list[tuple[DemoUser, str | None]], synthetic: bool,
           public_access: bool, status_title: str = "Sign in") -> str:
    parts = [f"<h1 class=\"govuk-heading-l\">{escape(status_title)}</h1>"]
    if error:
        parts.append(
            '<div class="alert alert-danger" role="alert" id="sign-in-error" tabindex="-1">'
            f"<h2 class=\"h5\">There is a problem</h2><p>{escape(error)}</p></div>"
        )
    if notice:
        parts.append(f'<div class="alert alert-info" role="status" id="sign-in-notice"><p>{escape(notice)}</p></div>')
    parts.append(
        "<p>This service holds counts of safeguarding concerns about extremism. Sign in with the account "
        "your organisation gave you; what you see depends on your role.</p>"
    )
    if oidc_label:
        parts.append(
            f'<p><a class="btn btn-primary" id="sign-in-oidc" href="/auth/oidc/login?next={escape(next_path)}">'
            f"Sign in with {escape(oidc_label)}</a></p>"
        )
    if local:
        parts.append(
            '<form method="post" action="/sign-in" id="sign-in-form" novalidate>'
            f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
            f'<input type="hidden" name="next" value="{escape(next_path)}">'
            '<div class="mb-3"><label class="form-label" for="username">User name</label>'
            '<input class="form-control" id="username" name="username" type="text" autocomplete="username" '
            'spellcheck="false" autocapitalize="none" required maxlength="254"></div>'
            '<div class="mb-3"><label class="form-label" for="password">Password</label>'
            '<input class="form-control" id="password" name="password" type="password" '
            'autocomplete="current-password" required maxlength="1024"></div>'
            '<button class="btn btn-success" type="submit" id="sign-in-submit">Sign in</button>'
            "</form>"
        )
    if public_access:
        parts.append('<p class="mt-3"><a href="/">Continue without signing in</a> (published figures only).</p>')
    if synthetic and demo_users:
        rows = "".join(
            f"<tr><td><code>{escape(demo.username)}</code></td><td><code>{escape(demo.password)}</code></td>"
            f"<td>{escape(demo.description)}{(' (' + escape(authority) + ')') if authority else ''}</td></tr>"
            for demo, authority in demo_users
        )
        parts.append(
            '<section class="mt-4" id="demo-accounts" aria-labelledby="demo-accounts-heading">'
            '<h2 class="govuk-heading-m" id="demo-accounts-heading">Demonstration accounts</h2>'
            "<p>This site is serving synthetic demonstration data, so these accounts are open to anyone. "
            "They stop working when real returns are loaded.</p>"
            '<table class="table table-sm"><caption>Demonstration user names and passwords</caption>'
            '<thead><tr><th scope="col">User name</th><th scope="col">Password</th><th scope="col">Sees</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>"
        )
    banner = (
        '<div class="synthetic-banner app-synthetic-banner" role="note" aria-label="Synthetic demonstration data">'
        '<div class="container"><strong>Synthetic demonstration data. </strong>Every authority\'s figures on this '
        "site are invented to show how the dashboard works.</div></div>"
        if synthetic else ""
    )
    return (
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(status_title)} - {SERVICE_NAME}</title>"
        '<link rel="icon" type="image/x-icon" href="/_favicon.ico">'
        '<link rel="stylesheet" href="/assets/00-bootstrap.min.css">'
        '<link rel="stylesheet" href="/assets/10-govuk-theme.css">'
        "</head><body>"
        '<a href="#main-content" class="govuk-skip-link">Skip to main content</a>'
        '<header class="govuk-header app-header" role="banner"><div class="container">'
        f'<a class="navbar-brand govuk-header__link" href="/">{SERVICE_NAME}</a></div></header>'
        f"{banner}"
        f'<main id="main-content" class="container py-4" tabindex="-1"><div class="row"><div class="col-md-8 col-lg-6">'
        f"{''.join(parts)}</div></div></main>"
        '<footer class="app-footer mt-5 py-4 border-top" role="contentinfo"><div class="container">'
        '<p class="small">Sign-in problems: contact your organisation\'s administrator for this service.</p>'
        "</div></footer></body></html>"
    )
