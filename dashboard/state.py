"""The view's state in the URL query string: parse and validate it with allow-lists, build links.

Every filter on a page lives in the query string (`/regional?period=2026-10&window=rolling12`), so a
link restores the view. Pages read the query in `layout(**query)` (Dash passes the parameters), pick
each value from an allow-list with `pick` (a bad or stale link still opens, on the default), and keep
the address bar in step with the controls through `sync_url` (registered once per page module), a
clientside callback that calls
`history.replaceState` (so the page is not re-rendered and focus stays where it was).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import parse_qsl, urlencode

from dash import Input, Output, clientside_callback, dcc

from etl.errors import InvalidInputError, quoted
from etl.periods import format_period, parse_period

# The period types, the one list (labels as the controls show them; short enough never to be cut off).
WINDOWS: dict[str, str] = {"rolling12": "12 months to the month", "month": "The month only"}
DEFAULT_WINDOW = "rolling12"
MAX_QUERY_VALUE = 64  # no legitimate value is longer: period, window, codes, measure names


def parse_query(search: str | None) -> dict[str, str]:
    """'?a=1&b=2' -> {'a': '1', 'b': '2'}; the last value wins; over-long values are dropped."""
    if not isinstance(search, str):
        return {}
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=False)
    return {key: value for key, value in pairs if len(value) <= MAX_QUERY_VALUE}


def build_href(path: str, params: Mapping[str, object | None]) -> str:
    """A link to `path` with the given state (None and '' are left out)."""
    clean = {key: _text(value) for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def _text(value: object) -> str:
    return format_period(value) if isinstance(value, date) else str(value)


def pick(value: object, allowed: Iterable[str], default: str) -> str:
    """The value if it is allowed, else the default (for layouts: a stale link still opens)."""
    allowed_values = set(allowed)
    return value if isinstance(value, str) and value in allowed_values else default


def check_choice(value: object, allowed: Iterable[str], what: str) -> str:
    """The value if it is allowed, else InvalidInputError naming the allowed values (for callbacks)."""
    allowed_values = list(allowed)
    if isinstance(value, str) and value in allowed_values:
        return value
    shown = ", ".join(allowed_values[:12]) + (", ..." if len(allowed_values) > 12 else "")
    raise InvalidInputError(f"{what} {quoted(value)} is not one of the choices on offer ({shown}); choose one from the list")


def check_window(value: object) -> str:
    return check_choice(value, WINDOWS, "period type")


def check_period(value: object, periods: Iterable[date], holding: str = "scores") -> date:
    """A 'YYYY-MM' string that is one of `periods`, as a date; InvalidInputError otherwise.

    The one period check of every callback: `periods` is the allow-list the page offers (months with
    scores, or with returns: `holding` names what the months hold, for the message). The message never
    echoes more than 40 characters of what was sent."""
    available = sorted(periods)
    if not isinstance(value, str):
        raise InvalidInputError(f"period {quoted(value)} is not a month in the form YYYY-MM; choose a month from the list")
    period = parse_period(value)
    if period not in set(available):
        span = f"{format_period(available[0])} to {format_period(available[-1])}" if available else "none yet"
        raise InvalidInputError(f"there are no {holding} for period {format_period(period)}; choose a month from {span}")
    return period


def pick_period(value: object, periods: Iterable[date]) -> date | None:
    """The period in the link if it is on offer, else the latest one (None when there are none)."""
    available = sorted(periods)
    if not available:
        return None
    try:
        return check_period(value, available)
    except InvalidInputError:
        return available[-1]


# The clientside function: build the query string from the controls' values and replace the address.
# replaceState (not pushState, not a dcc.Location write) because the Dash pages router re-renders the
# whole page whenever its location changes, which would lose focus on every keystroke.
_SYNC_JS = """
function() {
    const names = %s;
    const params = new URLSearchParams();
    for (let i = 0; i < names.length; i++) {
        const value = arguments[i];
        if (value !== null && value !== undefined && value !== '') { params.set(names[i], String(value)); }
    }
    const query = params.toString();
    const url = window.location.pathname + (query ? '?' + query : '') + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
        window.history.replaceState(window.history.state, '', url);
    }
    return query;
}
"""


def sync_url(store_id: str, controls: Mapping[str, str]) -> dcc.Store:
    """Keep the query string in step with `controls` ({param: component id}, each by its `value`).

    Call once per page, at import of the page module (never inside `layout`, which runs on every
    request: each call registers a callback). Returns the `dcc.Store` the callback writes the query
    string to; put it (or `url_store(store_id)`) in the page layout.
    """
    clientside_callback(
        _SYNC_JS % json.dumps(list(controls)),
        Output(store_id, "data"),
        [Input(component_id, "value") for component_id in controls.values()],
    )
    return url_store(store_id)


def url_store(store_id: str) -> dcc.Store:
    """The small store the `sync_url` callback writes the query string to (it needs an output)."""
    return dcc.Store(id=store_id)
