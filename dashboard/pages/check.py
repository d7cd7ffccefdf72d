"""Page 5, Check a return: a council uploads a CSV or XLSX and sees the `oversight validate` report.

Nothing is stored or loaded: the bytes are decoded in memory, passed to
`etl.validate.validate_bytes` and dropped. Limits are enforced three times: in the browser before
sending (assets/30-upload-guard.js), on the request size (Flask MAX_CONTENT_LENGTH, see
`dashboard.upload.request_limit_bytes`), and on the decoded size (`dashboard.upload`), because a crafted request can skip the first.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import components, ids
from dashboard.figures.check import message_panel, validation_report
from dashboard.upload import decode_upload, human_size
from etl.errors import OversightError
from etl.returns import ValidationResult
from etl.settings import Limits

dash.register_page(__name__, path="/check", name="Check a return", title="Check a return", order=5)


def validate_upload(data: bytes, name: str) -> ValidationResult:
    """Run the same validation as `oversight validate`; nothing is written anywhere."""
    from etl.validate import validate_bytes

    return validate_bytes(data, name)


def layout(**_query: str) -> html.Div:
    limits = Limits()
    return html.Div(
        [
            html.H1("Check a return"),
            html.P(
                "Check your authority's monthly return against the standard before you send it. You will see "
                "every problem the national data team's checks would find, and can download the report. The file "
                "is checked in memory and is not stored or loaded."
            ),
            html.P(
                f"Upload one CSV or Excel (.xlsx) file of up to {human_size(limits.max_file_bytes)} "
                f"and {limits.max_rows:,} rows.",
                className="govuk-hint",
                id=ids.CHECK_HINT,
            ),
            *components.upload_zone(ids.CHECK_UPLOAD, "Your return (CSV or Excel file)", limits.max_file_bytes),
            dcc.Loading(html.Div(id=ids.CHECK_RESULT, className="mt-3"), type="default"),
            html.H2("Start from the template"),
            html.P(
                "The Excel template has the sections and categories already listed, with drop-downs for the "
                "code lists. Fill in the counts, your authority code and the month."
            ),
            html.Button("Download the XLSX template", id=ids.CHECK_TEMPLATE_BUTTON, className="btn btn-secondary", n_clicks=0),
            dcc.Download(id=ids.CHECK_TEMPLATE_DOWNLOAD),
            html.P(
                [
                    "The rules are listed in ",
                    dcc.Link("the technical annex", href="/methodology#standard"),
                    ".",
                ],
                className="mt-3",
            ),
        ]
    )


components.guard_upload(ids.CHECK_UPLOAD)


@callback(Output(ids.CHECK_RESULT, "children"), Input(ids.CHECK_UPLOAD_STORE, "data"), prevent_initial_call=True)
def check_upload(upload: object) -> html.Div | str:
    """Validate an uploaded return; every failure becomes a clear message, never a traceback."""
    if upload is None:
        return ""
    if not isinstance(upload, dict):
        return message_panel("The upload could not be read. Upload the file again.")
    try:
        data, name = decode_upload(upload.get("contents"), upload.get("filename"))
        result = validate_upload(data, name)
    except OversightError as error:
        return message_panel(str(error))
    return validation_report(result)


@callback(Output(ids.CHECK_TEMPLATE_DOWNLOAD, "data"), Input(ids.CHECK_TEMPLATE_BUTTON, "n_clicks"), prevent_initial_call=True)
def download_template(n_clicks: object) -> dict | None:
    """The blank XLSX return, written to a temporary file and sent."""
    if not isinstance(n_clicks, int) or n_clicks < 1:
        return None
    from etl.template import write_template

    with tempfile.TemporaryDirectory() as folder:
        path = write_template(Path(folder), period=None, authority=None)
        content = Path(path).read_bytes()
    return dcc.send_bytes(content, "prevent-extremism-concerns-return-template.xlsx")
