"""Readable renderings (rich) of validation results, run summaries and database status."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from .wording import plural


# --- one validation result (`oversight validate`) ----------------------------------------------

_STATUS_STYLE = {"accepted": "bold green", "queried": "bold yellow", "rejected": "bold red"}
_STATUS_TEXT = {
    "accepted": "ACCEPTED: this return meets the standard and would load as it is.",
    "queried": "QUERIED: this return would load, but each query costs recording-quality points; fix them before you send it.",
    "rejected": "REJECTED: nothing in this return would load; fix every error below and check it again.",
}


def _rule_titles() -> dict[str, str]:
    from .spec import load_standard

    return {rule.id: rule.title for rule in load_standard().rules.values()}


def render_validation(result) -> Group:
    """The validation report of one return: status, the line to act on first, and every finding with its fix.

    Issues of one rule that say the same thing are one finding with their rows listed (etl.findings).
    """
    from .findings import group_issues, lead_line

    period = result.to_dict()["period"]
    encoding = f", {result.encoding}" if result.encoding else ""
    facts = Text.assemble(
        ("File ", "dim"), (result.file, "bold"), (f"  ({result.file_format.upper()}{encoding}, {result.size_bytes:,} bytes)\n", "dim"),
        ("Authority ", "dim"), (result.authority_code or "not found", ""), ("   Period ", "dim"), (period or "not found", ""),
        ("   Rows read ", "dim"), (str(len(result.rows)), ""),
    )
    parts: list = [
        Text(_STATUS_TEXT[result.status], style=_STATUS_STYLE[result.status]),
        Text(lead_line(result), style="bold"),
        facts,
    ]
    findings = group_issues(result.issues, result.file)
    if findings:
        errors = sum(1 for f in findings if f.severity == "error")
        queries = len(findings) - errors
        parts.append(Text(
            f"\n{plural(errors, 'error')} and {plural(queries, 'query', 'queries')}. "
            "Row 0 is the header; row 1 is the first data row.",
            style="bold",
        ))
    # One block per finding rather than a table: messages and hints are sentences, and a table of
    # sentences is unreadable in an 80-column terminal.
    titles = _rule_titles()
    for finding in findings:
        style = "red" if finding.severity == "error" else "yellow"
        parts.append(Text.assemble(
            ("\n", ""), (f"{finding.rule} {finding.severity}", f"bold {style}"), (f": {titles.get(finding.rule, '')}\n", "bold"),
            ("  ", ""), (finding.message, ""), ("\n  How to fix: ", "bold"), (finding.hint, ""),
        ))
    return Group(*parts)


# --- run summaries and status (load/refresh and `oversight status`) ----------------------------


def render_run(summary) -> Group:
    """The summary table of one load or refresh, with the files that need attention."""
    from .periods import format_period

    counts = Table(title=f"{summary.command.capitalize()} run {summary.run_id}: {summary.status}", box=box.SIMPLE_HEAD)
    for column in ("Seen", "Accepted", "Queried", "Rejected", "Unchanged", "Superseded", "Seconds", "Files/s"):
        counts.add_column(column, justify="right")
    counts.add_row(
        str(summary.files_seen), str(summary.count("accepted")), str(summary.count("queried")),
        str(summary.count("rejected")), str(summary.count("unchanged")), str(summary.superseded),
        f"{summary.duration_s:.1f}", f"{summary.returns_per_second:.0f}",
    )
    parts: list = [counts]
    attention = [o for o in summary.files if o.status in ("rejected", "queried")]
    if attention:
        files = Table(title="Files with errors or queries", show_header=True)
        for column in ("File", "Status", "Authority", "Period", "Issues", "Moved to"):
            files.add_column(column)
        for outcome in attention[:50]:
            files.add_row(
                outcome.file, outcome.status, outcome.authority_code or "?",
                format_period(outcome.period) if outcome.period else "?", str(outcome.issue_count),
                outcome.moved_to or "",
            )
        parts.append(files)
        if len(attention) > 50:
            parts.append(Text(f"... and {len(attention) - 50} more (use --json for the full list)"))
    for warning in summary.warnings:
        parts.append(Text(f"Note: {warning[0].upper()}{warning[1:]}.", style="yellow"))
    for name, why, moved in summary.set_aside:
        where = f" Moved to {moved}." if moved else " Left in the inbox."
        parts.append(Text(f"Not read: {name}, {why}.{where}", style="yellow"))
    if summary.contains_synthetic_data:
        parts.append(Text("This database contains SYNTHETIC demonstration data.", style="bold yellow"))
    return Group(*parts)


def render_status(report) -> Group:
    """`oversight status`: recent runs, then the latest period's returns."""
    from .periods import format_period

    parts: list = [Text("Acc accepted, Qry queried, Rej rejected, Same unchanged (already loaded).", style="dim")]
    if report.contains_synthetic_data:
        parts.append(Text("This database contains SYNTHETIC demonstration data.", style="bold yellow"))
    runs = Table(title="Latest load runs", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column in ("Run", "Command", "Status", "Started (UTC)", "Secs", "Seen", "Acc", "Qry", "Rej", "Same"):
        runs.add_column(column, no_wrap=True)
    for run in report.runs:
        runs.add_row(
            str(run["run_id"]), run["command"], run["status"], f"{run['started_at']:%Y-%m-%d %H:%M}",
            f"{run['duration_s']:.1f}" if run["duration_s"] is not None else "",
            *(str(run[k]) for k in ("files_seen", "files_accepted", "files_queried", "files_rejected", "files_unchanged")),
        )
    parts.append(runs)
    if report.period is None:
        parts.append(Text("No returns have been loaded yet."))
        return Group(*parts)
    title = f"Returns for {format_period(report.period)} (deadline {report.deadline:%d %B %Y})"
    totals = Table(title=title, show_header=True)
    for column in ("Expected", "Received", "Late", "Rejected", "Missing"):
        totals.add_column(column, justify="right")
    totals.add_row(*(str(len(x)) for x in (report.expected, report.received, report.late, report.rejected, report.missing)))
    parts.append(totals)
    chase = [(a, "missing") for a in report.missing] + [(a, "rejected") for a in report.rejected] + [
        (a, "late") for a in report.late
    ]
    if chase:
        table = Table(title="To chase", show_header=True)
        for column in ("Code", "Authority", "Why"):
            table.add_column(column)
        for authority, why in chase:
            table.add_row(authority.code, authority.name, why)
        parts.append(table)
    return Group(*parts)
