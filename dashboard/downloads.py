"""Chart and table data downloads as real requests: `GET /download/<chart>.<csv|xlsx>?period=...`.

A download link used to be a `data:` URL inside the callback reply that drew the chart: the data went
into the page whether or not anyone downloaded it, and the audit could only record the reply as a view.
Now each link is an ordinary address, and a download request:
- rebuilds the section the page drew, through the function the page registered (`register`), for the
  viewer of this request: the same sign-in guard, role and disclosure pattern as the page itself;
- validates every parameter on the server: an unknown chart or parameter, a repeated or over-long value,
  or a value not on offer answers 400 with a short message that never echoes the input whole;
- answers with `Content-Disposition: attachment` and `Cache-Control: no-store`; cells are neutralised
  against formula injection, withheld values read `c`, missing ones `x`, and synthetic data are stamped
  (`dashboard.exports`);
- writes one audit event ('download') for each download served.

What is downloaded is the frame the page drew: `attach` keeps it on the link component that
`components.download_link` builds (a plain Python attribute: Dash serialises only declared props, so it
never reaches the browser), and `serve` finds that link in the rebuilt section.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import flask
import polars as pl

from dashboard import exports
from etl.errors import OversightError
from etl.periods import format_period

ROUTE = "/download/"
FORMATS = {"csv": exports.CSV_MIME, "xlsx": exports.XLSX_MIME}
MAX_VALUE = 64  # no legitimate value is longer: periods, codes, measure names (as dashboard.state)
MAX_MESSAGE = 300
_PAYLOAD = "_oversight_download"  # the attribute holding a link's frame (not a Dash prop: never serialised)


@dataclass(frozen=True)
class Source:
    """A section a page draws and the parameters it takes (by name)."""

    name: str
    section: Callable[..., object]
    params: tuple[str, ...]


@dataclass(frozen=True)
class Payload:
    name: str
    file_format: str
    frame: pl.DataFrame | Mapping[str, pl.DataFrame]
    filename: str
    synthetic: bool | None = None  # None: stamped when the database holds demonstration data


# Filled when the page modules are imported (as Dash registers their callbacks), read-only afterwards.
_sources: dict[str, Source] = {}


def register(name: str, section: Callable[..., object], *params: str) -> None:
    """Serve downloads of the chart or table `name` (its id prefix) drawn by `section(**params)`.

    `section` is the page's own function: it validates each parameter (raising InvalidInputError) and
    returns the components it draws, among them the download link(s) of `name`.
    """
    _sources[name] = Source(name, section, tuple(params))


def registered() -> dict[str, Source]:
    return dict(_sources)


def href(name: str, file_format: str, params: Mapping[str, object]) -> str:
    """`/download/<name>.<format>?...` with the section's parameters (dates as YYYY-MM)."""
    query = {key: format_period(value) if isinstance(value, date) else str(value)
             for key, value in params.items() if value is not None}
    return f"{ROUTE}{name}.{file_format}" + (f"?{urlencode(query)}" if query else "")


def attach(link: object, name: str, file_format: str, frame: pl.DataFrame | Mapping[str, pl.DataFrame],
           filename: str, synthetic: bool | None = None) -> object:
    setattr(link, _PAYLOAD, Payload(name, file_format, frame, filename, synthetic))
    return link


def find(tree: object, name: str, file_format: str) -> Payload | None:
    """The payload of the link for `name` in `file_format` in a component tree (None when not drawn)."""
    for node in _walk(tree):
        payload = getattr(node, _PAYLOAD, None)
        if isinstance(payload, Payload) and payload.name == name and payload.file_format == file_format:
            return payload
    return None


def _walk(node: object) -> Iterator[object]:
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)
        return
    if node is None or isinstance(node, (str, int, float)):
        return
    yield node
    yield from _walk(getattr(node, "children", None))


# ---- the route ----------------------------------------------------------------------------------

def serve(filename: str) -> flask.Response:
    """`GET /download/<name>.<format>`: see the module docstring."""
    name, dot, file_format = filename.rpartition(".")
    source = _sources.get(name) if dot else None
    if source is None or file_format not in FORMATS:
        return _refuse(404, "There is no such download.")
    args = flask.request.args
    unknown = sorted(set(args) - set(source.params))
    if unknown:
        return _refuse(400, f"Unknown parameter {unknown[0][:40]!r}: this download takes "
                            f"{', '.join(source.params) or 'no parameters'}.")
    if any(len(args.getlist(key)) > 1 for key in args):
        return _refuse(400, "Give each parameter once.")
    if any(len(value) > MAX_VALUE for value in args.values()):
        return _refuse(400, f"A parameter is longer than {MAX_VALUE} characters: choose a value from the page.")
    values = {key: args.get(key) for key in source.params}
    try:
        tree = source.section(**values)
    except OversightError as error:
        text = str(error)
        return _refuse(400, (text[:1].upper() + text[1:])[:MAX_MESSAGE])
    payload = find(tree, name, file_format)
    if payload is None:
        return _refuse(404, "There is no data to download for these choices.")
    content = exports.file_bytes(payload.frame, file_format, payload.synthetic)
    response = flask.Response(content, mimetype=FORMATS[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{_safe_name(payload.filename)}.{file_format}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.no_store = True
    response.cache_control.private = True
    if flask.request.method == "GET":
        _audit(name, file_format, values)
    return response


def _safe_name(filename: str) -> str:
    cleaned = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_." else "-" for ch in filename)[:100].strip(".-")
    return cleaned or "data"


def _audit(name: str, file_format: str, values: Mapping[str, str | None]) -> None:
    """One 'download' event per download served (not deduplicated: each file that leaves is recorded)."""
    from dashboard.auth import guard
    from etl import audit

    viewer = flask.g.get("viewer")
    query = urlencode({k: v for k, v in values.items() if v is not None})
    audit.record(guard.config().store, guard.actor(viewer), "download", target=f"{name}.{file_format}",
                 detail=json.dumps({"path": flask.request.path, "query": query})[:200])


def _refuse(status: int, text: str) -> flask.Response:
    response = flask.Response(text, status=status, mimetype="text/plain")
    response.cache_control.no_store = True
    return response
