"""Submit a return (council users): upload, the same validation report as `oversight validate`, the
receipt, and the authority's submission history with each version's state and issues.

Only a council viewer may submit, and only for the authority they are bound to (checked again by
`etl.submissions.submit_return` against the authority in the file). An accepted or queried return is
placed in the inbox with its receipt; the next refresh loads it like any file dropped there.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import components
from dashboard.auth import guard
from dashboard.auth.access import authority_label, may_open
from dashboard.figures.check import issues_table, validation_report
from dashboard.queries.submissions import history
from dashboard.upload import decode_upload, human_size
from dashboard.viewer import current_viewer
from etl import audit
from etl.errors import OversightError
from etl.returns import ValidationResult
from etl.settings import Limits
from etl.submissions import submit_return
from etl.wording import plural

dash.register_page(__name__, path="/submit", name="Submit a return", title="Submit a return", order=7,
                   audience="council")

SUBMIT_UPLOAD = "submit-upload"  # components.upload_zone adds submit-upload-store, -limits, -client-message
SUBMIT_UPLOAD_STORE = f"{SUBMIT_UPLOAD}-store"
SUBMIT_RESULT = "submit-result"
SUBMIT_HISTORY = "submit-history"
NOT_FOR_YOU = "Only council users submit returns, each for their own authority. Sign in with your council account."


def layout(**_query: str) -> html.Div:
    viewer = current_viewer()
    allowed = may_open(dash.page_registry[__name__], viewer)
    # The controls are always in the layout (hidden when not allowed), so Dash finds every id its
    # callbacks name; the callbacks check the viewer again whatever is shown.
    return html.Div(
        [
            html.H1("Submit a return"),
            *([] if allowed else [components.message(NOT_FOR_YOU)]),
            html.Div(_form(viewer.authority_code, Limits().max_file_bytes), hidden=not allowed),
        ]
    )


def _form(authority_code: str | None, limit: int) -> list:
    return [
        html.P(
            f"Send your authority's ({authority_label(authority_code)}) monthly return as CSV or Excel (.xlsx), up to "
            f"{human_size(limit)}. It is checked at once against the return standard, with the same report "
            "as `oversight validate`. An accepted or queried return is received with a receipt and loaded at "
            "the next refresh; a rejected one is not sent: fix it and submit it again. Sending a corrected "
            "file for the same month replaces the earlier version."
        ),
        *components.upload_zone(SUBMIT_UPLOAD, "Return file (CSV or XLSX)", limit),
        dcc.Loading(html.Div(id=SUBMIT_RESULT, **{"aria-live": "polite"})),
        html.H2("Your authority's submissions", className="mt-4"),
        html.Div(history_section(), id=SUBMIT_HISTORY),
    ]


components.guard_upload(SUBMIT_UPLOAD)


@callback(
    Output(SUBMIT_RESULT, "children"),
    Output(SUBMIT_HISTORY, "children"),
    Input(SUBMIT_UPLOAD_STORE, "data"),
    prevent_initial_call=True,
)
def submit(upload: object) -> tuple[object, object]:
    """Check the viewer, decode, validate, place in the inbox with a receipt; every failure is a message."""
    viewer = current_viewer()
    if viewer.role != "council" or not viewer.authority_code or not viewer.user_id:
        return components.message(NOT_FOR_YOU), dash.no_update
    if upload is None:
        return "", dash.no_update
    if not isinstance(upload, dict):
        return components.message("The upload could not be read. Upload the file again."), dash.no_update
    cfg = guard.config()
    try:
        data, name = decode_upload(upload.get("contents"), upload.get("filename"))
        receipt, result = submit_return(data, name, inbox=cfg.inbox, store=cfg.store, username=viewer.user_id,
                                        authority_code=viewer.authority_code)
    except OversightError as error:
        return components.message(str(error)), dash.no_update
    audit.record(cfg.store, guard.actor(viewer), "submission", target=viewer.authority_code,
                 detail=f"{receipt.file_name} {receipt.status} sha256={receipt.sha256[:16]}")
    result.issues = receipt.issues
    if receipt.placed:
        heading = (f"Received {receipt.received_at:%d %B %Y at %H:%M} UTC. Receipt {receipt.receipt_id[:12]}; "
                   f"SHA-256 {receipt.sha256}. It will be loaded at the next refresh.")
    else:
        heading = "Not sent: the return was rejected. Fix every error below and submit it again."
    return html.Div([html.P(heading, className="fw-bold", id="submit-receipt"), validation_report(result)]), history_section()


def history_section() -> object:
    viewer = current_viewer()
    if viewer.role != "council" or not viewer.authority_code:
        return ""
    try:
        entries = history(guard.config().store, viewer.authority_code)
    except OversightError as error:
        return components.message(str(error))
    if not entries:
        return html.P("No submissions yet.")
    head = html.Thead(html.Tr([html.Th(text, scope="col") for text in
                               ("Received (UTC)", "Month", "File", "Sent by", "Version", "State", "Issues")]))
    rows = []
    for entry in entries:
        issues = entry["issues"]
        if issues:
            result = ValidationResult(entry["file"], entry["sha256"], 0, "", None, None, None, list(issues))
            detail = html.Details([html.Summary(plural(len(issues), "issue")), issues_table(result)])
        else:
            detail = "none" if issues is not None else ""
        rows.append(html.Tr([
            html.Td(f"{entry['received_at']:%Y-%m-%d %H:%M}"), html.Td(entry["period"] or ""), html.Td(entry["file"]),
            html.Td(entry["by"] or "inbox"), html.Td(str(entry["version"]) if entry["version"] else ""),
            html.Td(entry["state"]), html.Td(detail),
        ]))
    caption = "Every version received for your authority, newest first"
    return components.scroll_region(html.Table([html.Caption(caption), head, html.Tbody(rows)], className="table table-sm",
                                               id="submit-history-table"), caption)
