"""Administration (national administrators): users, the audit trail and its export, and the refresh.

Users are listed here and changed with `oversight users ...` (the web service never writes the
database). The refresh button starts the same `oversight refresh` as the CLI, under the same lock
(`etl.refresh_job`); its progress (files done of all, the current file, outcomes so far) is polled
every 2 seconds, only while it runs.
"""

from __future__ import annotations

import subprocess

import dash
import duckdb
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import components, database
from dashboard.auth import guard
from dashboard.auth.access import is_admin
from dashboard.viewer import current_viewer
from etl import audit
from etl.errors import OversightError
from etl.refresh_job import OUTCOMES, latest_job, oversight_command, refresh_running, start_refresh
from etl.users import list_users

dash.register_page(__name__, path="/admin", name="Administration", title="Administration", order=8,
                   audience="admin")

ADMIN_REFRESH_BUTTON = "admin-refresh-button"
ADMIN_REFRESH_STATUS = "admin-refresh-status"
ADMIN_REFRESH_POLL = "admin-refresh-poll"
ADMIN_REFRESH_MESSAGE = "admin-refresh-message"
ADMIN_USERS_SECTION = "admin-users-section"
ADMIN_USER_CHOICE = "admin-user-choice"
ADMIN_USER_DISABLE = "admin-user-disable"
ADMIN_USER_ENABLE = "admin-user-enable"
ADMIN_USER_MESSAGE = "admin-user-message"
NOT_FOR_YOU = "This page is for national administrators."
AUDIT_ROWS = 200


def layout(**_query: str) -> html.Div:
    if guard.warming_up():
        return controls_skeleton()
    viewer = current_viewer()
    if not is_admin(viewer):
        # The refusal alone: no control, no data (every callback checks the viewer again on the server).
        return html.Div([html.H1("Administration"), components.message(NOT_FOR_YOU)])
    cfg = guard.config()
    audit.record(cfg.store, guard.actor(viewer), "admin_view", target="/admin")
    job = latest_job(cfg.store, database.db_path())
    users = _users()  # read once for the table and the dropdown
    return html.Div(
        [
            html.H1("Administration"),
            html.H2("Refresh"),
            html.P(f"Loads every new return in the inbox ({cfg.inbox}), as `oversight refresh` does, under the same "
                   "lock: if a refresh is already running, this one stops at once and says so."),
            html.Button("Start a refresh now", id=ADMIN_REFRESH_BUTTON, className="btn btn-primary mb-2"),
            html.Div(id=ADMIN_REFRESH_MESSAGE, **{"aria-live": "polite"}),
            html.Div(refresh_status(), id=ADMIN_REFRESH_STATUS, **{"aria-live": "polite"}),
            dcc.Interval(id=ADMIN_REFRESH_POLL, interval=2000, disabled=job is None or not job.running),
            html.H2("Users", className="mt-4"),
            html.P(["Add users and change roles or passwords with ", html.Code("oversight users add|set-role|set-password"),
                    " on the server (docs/security.md). Disabling a user here runs ", html.Code("oversight users disable"),
                    ": it ends their sessions at their next request."]),
            html.Div(users_table(users), id=ADMIN_USERS_SECTION),
            html.Div(
                [
                    html.Label("User", htmlFor=ADMIN_USER_CHOICE, className="form-label"),
                    dcc.Dropdown(id=ADMIN_USER_CHOICE, options=_user_options(users), clearable=True, searchable=True),
                    html.Button("Disable", id=ADMIN_USER_DISABLE, className="btn btn-outline-danger mt-2 me-2"),
                    html.Button("Enable", id=ADMIN_USER_ENABLE, className="btn btn-outline-secondary mt-2"),
                ],
                className="col-12 col-md-6 mb-2",
            ),
            dcc.Loading(html.Div(id=ADMIN_USER_MESSAGE, **{"aria-live": "polite"})),
            html.H2("Audit trail", className="mt-4"),
            html.P(["The latest events, newest first. ",
                    html.A("Download the whole audit trail (CSV)", href="/admin/audit.csv", id="admin-audit-csv")]),
            audit_table(),
        ]
    )


def controls_skeleton() -> html.Div:
    """Every control id the page's callbacks name, with no data: Dash's validation layout (built once at
    start-up and sent to every visitor in the page's config) must know the ids but hold nothing private."""
    return html.Div([html.Button(id=ADMIN_REFRESH_BUTTON), html.Div(id=ADMIN_REFRESH_MESSAGE),
                     html.Div(id=ADMIN_REFRESH_STATUS), dcc.Interval(id=ADMIN_REFRESH_POLL, disabled=True),
                     html.Div(id=ADMIN_USERS_SECTION), dcc.Dropdown(id=ADMIN_USER_CHOICE, options=[]),
                     html.Button(id=ADMIN_USER_DISABLE), html.Button(id=ADMIN_USER_ENABLE),
                     html.Div(id=ADMIN_USER_MESSAGE)], hidden=True)


def _users() -> list:
    with database.connection() as con:
        try:
            return list_users(con)
        except duckdb.Error:  # a database from before the user store has no users
            return []


def _user_options(users: list) -> list[dict]:
    return [{"label": f"{u.username} ({'disabled' if u.disabled_at else u.role})", "value": u.username} for u in users]


def users_table(users: list) -> html.Div:
    head = html.Thead(html.Tr([html.Th(t, scope="col") for t in ("User", "Name", "Role", "Authority", "Administrator", "State")]))
    rows = [html.Tr([html.Td(u.username), html.Td(u.display_name), html.Td(u.role), html.Td(u.authority_code or ""),
                     html.Td("yes" if u.is_admin else "no"),
                     html.Td("disabled" if u.disabled_at else ("demo" if u.is_demo else "active"))]) for u in users]
    caption = f"{len(users)} users"
    return components.scroll_region(html.Table([html.Caption(caption), head, html.Tbody(rows)], className="table table-sm",
                                               id="admin-users"), caption)


def audit_table() -> html.Div:
    events = audit.events(guard.config().store, limit=AUDIT_ROWS)
    head = html.Thead(html.Tr([html.Th(t, scope="col") for t in ("When (UTC)", "User", "Role", "Event", "About", "Detail", "Address")]))
    rows = [html.Tr([html.Td(e["at"]), html.Td(e["username"] or ""), html.Td(e["role"]), html.Td(e["event"]),
                     html.Td(e["target"] or ""), html.Td(e["detail"] or ""), html.Td(e["address"] or "")]) for e in events]
    caption = f"The latest {len(events)} audit events"
    return components.scroll_region(html.Table([html.Caption(caption), head, html.Tbody(rows)], className="table table-sm",
                                               id="admin-audit"), caption)


def refresh_status() -> object:
    cfg = guard.config()
    job = latest_job(cfg.store, database.db_path())
    if job is None:
        return html.P("No refresh has been started from the site yet.", id="admin-refresh-state")
    started = f"started {job.started_at:%d %B %Y %H:%M:%S} UTC by {job.started_by}"
    if job.running:
        return html.Div([html.P(f"Refresh running: {started}. This page updates every 2 seconds.", id="admin-refresh-state"),
                         *progress_view(job.progress())])
    if job.exit_code == 0:
        summary = job.summary() or {}
        files = summary.get("files") or []
        counts = {state: sum(1 for f in files if f.get("status") == state) for state in ("accepted", "queried", "rejected", "unchanged")}
        text = (f"Last refresh finished {job.finished_at:%H:%M:%S} UTC ({started}): {len(files)} files; "
                + ", ".join(f"{n} {state}" for state, n in counts.items()) + ".")
        unread = [entry for entry in summary.get("set_aside") or [] if isinstance(entry, dict)]
        warnings = [str(w)[:400] for w in summary.get("warnings") or [] if isinstance(w, str)]
        if not unread and not warnings:
            return html.P(text, id="admin-refresh-state")
        parts = [html.P(text, id="admin-refresh-state")]
        if warnings:
            parts.append(html.Ul([html.Li(f"Note: {w[:1].upper()}{w[1:]}.") for w in warnings[:5]], id="admin-refresh-warnings"))
        if unread:
            parts += [html.P(f"Not read from the inbox ({len(unread)}):"),
                      html.Ul([html.Li(f"{str(e.get('name'))[:200]}, {str(e.get('reason'))[:300]}") for e in unread[:20]],
                              id="admin-refresh-set-aside")]
        return html.Div(parts)
    tail = job.output().strip().splitlines()[-3:]
    return html.Div([html.P(f"Last refresh failed ({started}, exit code {job.exit_code}):", id="admin-refresh-state"),
                     html.Pre("\n".join(line[:300] for line in tail))])


def progress_view(progress: dict | None) -> list:
    """Files done of all, the current file and the outcomes so far, from the refresh's last progress line."""
    if progress is None:
        return [html.P("Starting: taking the write lock and listing the inbox.", id="admin-refresh-progress-text")]
    done, total = progress["done"], progress["total"]
    counts = progress.get("counts") if isinstance(progress.get("counts"), dict) else {}
    so_far = ", ".join(f"{int(counts.get(state, 0))} {state}" for state in OUTCOMES)
    if done >= total:
        text = (f"All {total} files read ({so_far}). Now rescoring and putting the new database in place; "
                "then loaded files are archived and rejected ones quarantined.")
    else:
        current = str(progress.get("file") or "")[:200]
        verb = "reading" if progress.get("state") == "reading" else "last stored"
        text = f"{done} of {total} files done; {verb} {current}. So far: {so_far}."
    return [html.Label("Files done", htmlFor="admin-refresh-progress", className="visually-hidden"),
            html.Progress(value=str(done), max=str(max(total, 1)), id="admin-refresh-progress", className="w-100"),
            html.P(text, id="admin-refresh-progress-text")]


@callback(
    Output(ADMIN_REFRESH_MESSAGE, "children"),
    Output(ADMIN_REFRESH_POLL, "disabled", allow_duplicate=True),
    Input(ADMIN_REFRESH_BUTTON, "n_clicks"),
    prevent_initial_call=True,
)
def start(n_clicks: object) -> tuple[object, bool]:
    viewer = current_viewer()
    if not is_admin(viewer):
        return components.message(NOT_FOR_YOU), True
    cfg = guard.config()
    if refresh_running(database.db_path()):
        return components.message("A refresh or load is running now: wait for it to finish, then start another."), False
    if not cfg.inbox.is_dir():
        return components.message(f"The inbox {cfg.inbox} does not exist: set OVERSIGHT_INBOX to the inbox folder."), True
    try:
        job = start_refresh(database.db_path(), cfg.inbox, cfg.store, viewer.user_id or "unknown")
    except (OversightError, OSError) as error:
        return components.message(f"The refresh could not start: {error}"), True
    audit.record(cfg.store, guard.actor(viewer), "refresh_started", target=str(cfg.inbox), detail=f"job {job.job_id}")
    return components.message("Refresh started.", kind="info"), False


@callback(
    Output(ADMIN_REFRESH_STATUS, "children"),
    Output(ADMIN_REFRESH_POLL, "disabled"),
    Input(ADMIN_REFRESH_POLL, "n_intervals"),
    prevent_initial_call=True,
)
def poll(_n: object) -> tuple[object, bool]:
    if not is_admin():
        return components.message(NOT_FOR_YOU), True
    cfg = guard.config()
    job = latest_job(cfg.store, database.db_path())
    return refresh_status(), job is None or not job.running


@callback(
    Output(ADMIN_USER_MESSAGE, "children"),
    Output(ADMIN_USERS_SECTION, "children"),
    Output(ADMIN_USER_CHOICE, "options"),
    Input(ADMIN_USER_DISABLE, "n_clicks"),
    Input(ADMIN_USER_ENABLE, "n_clicks"),
    State(ADMIN_USER_CHOICE, "value"),
    prevent_initial_call=True,
)
def change_user(_disable: object, _enable: object, username: object) -> tuple[object, object, object]:
    """Disable or enable a user through `oversight users` (the write session; the service never writes the database)."""
    viewer = current_viewer()
    if not is_admin(viewer):
        return components.message(NOT_FOR_YOU), dash.no_update, dash.no_update
    action = {ADMIN_USER_DISABLE: "disable", ADMIN_USER_ENABLE: "enable"}.get(ctx.triggered_id)
    known = {u.username for u in _users()}
    if action is None or not isinstance(username, str) or username not in known:
        return components.message("Choose a user from the list first."), dash.no_update, dash.no_update
    if action == "disable" and username == viewer.user_id:
        return components.message("You cannot disable your own account."), dash.no_update, dash.no_update
    try:
        result = subprocess.run([*oversight_command(), "users", action, username, "--db", str(database.db_path())],
                                capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return components.message(f"The change could not be made: {error}"), dash.no_update, dash.no_update
    cfg = guard.config()
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["unknown error"]
        return components.message(f"Not changed: {reason[0][:300]}"), dash.no_update, dash.no_update
    audit.record(cfg.store, guard.actor(viewer), "user_change", target=username, detail=action)
    users = _users()  # read again after the change, once for the table and the dropdown
    return (components.message(f"{username}: {action}d.", kind="info"), users_table(users), _user_options(users))
