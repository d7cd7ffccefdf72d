"""The validation report of one return as Dash components (the Check a return page's picture).

The same content as `oversight validate`: status, the line to act on first, authority, period and a
table of every finding (rule, severity, rows, column, value, message, hint), where the issues of one
rule that say the same thing on several rows are one finding (etl.findings). A pure function of the
ValidationResult.
"""

from __future__ import annotations

import polars as pl
from dash import html

from dashboard import ids
from dashboard.components import csv_link, scroll_region, slug, xlsx_link
from etl.findings import Finding, group_issues, lead_line
from etl.returns import ValidationResult
from etl.wording import plural

STATUS_TEXT = {
    "accepted": "Accepted: this return meets the standard and would load as it is.",
    "queried": "Queried: this return would load, but each query below costs recording-quality points; fix them before you send it.",
    "rejected": "Rejected: nothing in this return would load; fix every error below and check it again.",
}


def message_panel(text: str) -> html.Div:
    return html.Div(text, className="upload-error", role="alert", id=ids.CHECK_MESSAGE)


def _finding_row(finding: Finding) -> html.Tr:
    return html.Tr(
        [
            html.Td(html.Code(finding.rule)),
            html.Td(finding.severity),
            html.Td("file" if not finding.rows else finding.where.split(" ", 1)[1]),
            html.Td(finding.column or ""),
            html.Td(", ".join(finding.values[:4]) + (" …" if len(finding.values) > 4 else "")),
            html.Td(finding.message),
            html.Td(finding.hint),
        ]
    )


def issues_table(result: ValidationResult) -> html.Div:
    """The report's table: one row per finding (errors first), as `oversight validate` lists them."""
    findings = group_issues(result.issues, result.file)
    errors = sum(1 for f in findings if f.severity == "error")
    head = html.Thead(
        html.Tr([html.Th(c, scope="col") for c in ("Rule", "Severity", "Rows", "Column", "Value", "Message", "How to fix")])
    )
    caption = (f"{plural(errors, 'error')} and {plural(len(findings) - errors, 'query', 'queries')} in "
               f"{result.file}. Row 0 is the header; row 1 is the first data row.")
    table = html.Table([html.Caption(caption), head, html.Tbody([_finding_row(finding) for finding in findings])],
                       className="table table-sm", id=ids.CHECK_ISSUES_TABLE)
    return scroll_region(table, caption)


def report_frame(result: ValidationResult) -> pl.DataFrame:
    """The report as rows for download: the file's facts on every row, then each issue (errors first);
    one row saying there were none when the return is clean."""
    facts = {"file": result.file, "status": result.status, "authority_code": result.authority_code or "",
             "period": result.to_dict()["period"] or ""}
    ordered = sorted(result.issues, key=lambda i: (i.severity != "error", i.row if i.row is not None else -1, i.rule))
    rows = [{**facts, "rule": i.rule, "severity": i.severity, "row": "file" if i.row is None else str(i.row),
             "column": i.column or "", "value": "" if i.value is None else str(i.value), "message": i.message,
             "how_to_fix": i.hint} for i in ordered]
    if not rows:
        rows = [{**facts, "rule": "", "severity": "", "row": "", "column": "", "value": "",
                 "message": "No errors and no queries.", "how_to_fix": ""}]
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})


def validation_report(result: ValidationResult) -> html.Div:
    """The validation report shown after an upload, the same content as `oversight validate`."""
    period = result.to_dict()["period"]
    facts = html.Dl(
        [
            html.Dt("File"), html.Dd(result.file),
            html.Dt("Format"), html.Dd(f"{result.file_format.upper()}" + (f", {result.encoding}" if result.encoding else "")),
            html.Dt("Authority"), html.Dd(result.authority_code or "not found in the file"),
            html.Dt("Period"), html.Dd(period or "not found in the file"),
        ],
        className="row-facts",
    )
    parts: list = [
        html.Div(
            STATUS_TEXT[result.status],
            className=f"validation-status status-{result.status}",
            id=ids.CHECK_STATUS,
            role="status",
        ),
        html.P(lead_line(result), className="validation-lead"),
        facts,
    ]
    if result.issues:
        parts.append(issues_table(result))
    else:
        parts.append(html.P("No errors and no queries."))

    # Not stamped as synthetic: the report is about the user's own file, not the demonstration data.
    frame, name = report_frame(result), f"check-report-{slug(result.file)}"
    parts.append(html.Div([csv_link(frame, name, "Download this report (CSV)", synthetic=False), " ",
                           xlsx_link(frame, name, "Download this report (Excel)", synthetic=False)],
                          className="download-buttons no-print mb-3"))
    parts.append(html.P("Nothing from this file has been stored. Send the return through the usual channel.", className="text-muted"))
    return html.Div(parts)
