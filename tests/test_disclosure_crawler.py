"""The disclosure crawler: sign in as each role through the real sign-in page of a real running server,
walk every page, call every server callback (taken from the app's own callback map) with a sample of
input values, fetch every download link a reply carries (`/download/<chart>.csv?...`, as that viewer)
and decode every export, and check that nothing a viewer is not entitled to
comes back: no count of 1 to 4 of another authority, no rate built on a hidden count and no
observed-practice share of an authority the viewer is not entitled to (in tables, downloads or the raw
JSON of charts), and no count recoverable by subtracting what the viewer got from a published region total.

What "hidden" means is computed independently of the pages, from the database and the suppression
pattern (`dashboard.queries.disclosure.build_pattern`); `tests/test_disclosure_audit.py` checks that
the pattern itself gives nothing away by combining published cells.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard import disclosure
from dashboard.queries.authority import COUNTED_DIMENSIONS
from support.site_client import SiteClient
from support.live_server import free_port, start_server, wait_until_serving
from dashboard.viewer import Viewer
from etl.users import DEMO_USERS, add_user
from etl.write_session import write_session

CALLBACK = "/_dash-update-component"
SECOND_COUNCIL = ("crawler.council@example.gov.uk", "a long enough crawler password")
SAMPLES_PER_INPUT = 3
MAX_CALLS_PER_CALLBACK = 10
AUTHORITY_CODE = re.compile(r"^E(0[6-9]|10)\d{6}$")
COUNT_COLUMNS = {"observed", "sent", "received", "difference", "count", "numerator"}
DATA_URI = re.compile(r"data:(text/csv|application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet);base64,"
                      r"([A-Za-z0-9+/=]+)")
LONG_FLOAT = re.compile(r"-?\d+\.\d{6,}")
DOWNLOAD_ROUTE = "/download/"  # dashboard.downloads.ROUTE: chart and table downloads, real requests


# ---- the server and the viewers --------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawl_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo database with a second council user in the demo council's region."""
    copy = tmp_path_factory.mktemp("crawler") / "oversight.duckdb"
    shutil.copyfile(demo_db, copy)
    with write_session(copy, "users") as con:
        own, region = con.execute(
            "select u.authority_code, a.region_code from app_user as u join ref_authority as a on a.gss_code = u.authority_code "
            "where u.username = ?", [DEMO_USERS[2].username]).fetchone()
        other = con.execute(
            "select gss_code from ref_authority where region_code = ? and gss_code <> ? and valid_to is null "
            "order by gss_code limit 1", [region, own]).fetchone()[0]
        add_user(con, SECOND_COUNCIL[0], SECOND_COUNCIL[1], "council", authority_code=other)
    return copy


@pytest.fixture(scope="module")
def server(crawl_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """`oversight serve` on the copy, with signed-out (public) access switched on so that role is crawled too."""
    port = free_port()
    log = tmp_path_factory.mktemp("crawler-server") / "serve.log"
    previous = os.environ.get("OVERSIGHT_PUBLIC_ACCESS")
    os.environ["OVERSIGHT_PUBLIC_ACCESS"] = "1"
    try:
        process = start_server(crawl_db, port, log)
    finally:
        if previous is None:
            os.environ.pop("OVERSIGHT_PUBLIC_ACCESS")
        else:
            os.environ["OVERSIGHT_PUBLIC_ACCESS"] = previous
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url + "/sign-in", process, 90)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# ---- what each viewer may not see (from the database, not from the pages) ------------------------------

@dataclass
class Truth:
    viewer: Viewer
    hidden_values: dict[str, set[float]] = field(default_factory=lambda: defaultdict(set))
    visible_values: dict[str, set[float]] = field(default_factory=lambda: defaultdict(set))
    region_of: dict[str, str] = field(default_factory=dict)
    region_counts: dict[tuple, float] = field(default_factory=dict)
    denominators: dict[tuple, float] = field(default_factory=dict)
    hidden_shares: dict[tuple[str, str], set[float]] = field(default_factory=lambda: defaultdict(set))
    # Every value the viewer is shown (any level, rates and shares): a hidden value equal to one of them
    # (a region's 10 of 93 and an authority's, say) proves nothing when it appears.
    shown_values: set[float] = field(default_factory=set)

    def entitled(self, code: str) -> bool:
        return self.viewer.entitled_to(code)


@pytest.fixture(scope="module")
def pattern(crawl_db: Path) -> pl.DataFrame:
    from dashboard.queries.disclosure import build_pattern

    con = duckdb.connect(str(crawl_db), read_only=True)
    try:
        return build_pattern(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def measures(crawl_db: Path) -> pl.DataFrame:
    con = duckdb.connect(str(crawl_db), read_only=True)
    try:
        return con.sql("""select level, code, period, "window", measure, value, numerator, denominator from measure_value
                          where list_contains($measures, measure)""",
                       params={"measures": [*disclosure.COUNT_MEASURES, *disclosure.SHARE_MEASURES]}).pl()
    finally:
        con.close()


def truth_for(viewer: Viewer, pattern: pl.DataFrame, measures: pl.DataFrame, membership: dict[str, str]) -> Truth:
    truth = Truth(viewer, region_of=membership)
    hidden = disclosure.hidden_cells(pattern, viewer).with_columns(pl.lit(True).alias("hidden"))
    cells = measures.with_columns(
        pl.col("measure").map_elements(disclosure.series_of_measure, return_dtype=pl.String).alias("series")
    ).join(hidden, on=["level", "code", "period", "window", "series"], how="left").with_columns(pl.col("hidden").fill_null(False))
    for level, code, period, window, measure, value, numerator, denominator, _, is_hidden in cells.iter_rows():
        if value is not None and not is_hidden and (level != "authority" or viewer.entitled_to(code)):
            truth.shown_values.add(round(value, 9))
        if measure in disclosure.SHARE_MEASURES:
            # Kept apart: a share of 100 or 50 is common, so it is looked for only where that share or
            # that authority was asked for (`_share_leaks`), never as any number anywhere.
            if level == "authority" and value is not None and is_hidden:
                truth.hidden_shares[(code, measure)].add(round(value, 9))
            continue
        if level == "authority" and value is not None:
            (truth.hidden_values if is_hidden else truth.visible_values)[code].add(round(value, 9))
            truth.denominators[(code, period, window, measure)] = denominator
        if level == "region" and not is_hidden:
            truth.region_counts[(code, period, window, measure)] = numerator
    return truth


# ---- walking the site ---------------------------------------------------------------------------------

def _components(node, found: dict) -> None:
    """Every component with a plain string id in a layout (JSON), id -> props."""
    if isinstance(node, list):
        for item in node:
            _components(item, found)
    elif isinstance(node, dict):
        props = node.get("props") if "type" in node and "namespace" in node else None
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            for value in props.values():
                _components(value, found)
        else:
            for value in node.values():
                _components(value, found)


def _strings(node, key: str | None = None):
    """Every (key, string) pair in a JSON document (escapes such as \\u002f already resolved)."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, key)
    elif isinstance(node, str):
        yield key, node


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def _links(text: str) -> set[str]:
    return {urllib.parse.urlsplit(href).path for key, href in _strings(_json(text)) if key == "href"
            and href.startswith("/") and not href.startswith(("/_", "/assets", "//"))
            and "." not in href.rsplit("/", 1)[-1]}


def _option_values(props: dict) -> list:
    options = props.get("options") or []
    return [o.get("value") if isinstance(o, dict) else o for o in options]


def _sample(values: list, preferred: list) -> list:
    chosen = [v for v in preferred if v in values]
    if values:
        chosen += [values[0], values[len(values) // 2], values[-1]]
    unique = []
    for value in chosen:
        if value not in unique:
            unique.append(value)
    return unique[: SAMPLES_PER_INPUT + len(preferred)]


def _spec(item: dict, components: dict) -> dict:
    return {"id": item["id"], "property": item["property"], "value": components.get(item["id"], {}).get(item["property"])}


def _outputs(output: str) -> list[dict] | dict:
    if output.startswith(".."):
        parts = [p for p in output.strip(".").split("...") if p]
        return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return {"id": output.rsplit(".", 1)[0], "property": output.rsplit(".", 1)[1]}


def crawl(browser: SiteClient, preferred_codes: list[str]) -> tuple[list[tuple[dict, str]], list[str]]:
    """(context, response text) of every page and callback call, and the callbacks that could not be placed."""
    status, deps_text, _ = browser.get("/_dash-dependencies")
    assert status == 200, deps_text[:300]
    dependencies = [d for d in json.loads(deps_text) if not d.get("clientside_function")]
    _, shell_text, _ = browser.get("/_dash-layout")
    shell: dict = {}
    _components(json.loads(shell_text), shell)
    router = next(d for d in dependencies if "_pages_content.children" in d["output"])
    responses: list[tuple[dict, str]] = []
    shell_seen: dict = {}
    to_visit, seen_pages, placed = {"/"} | _links(shell_text), set(), set()
    fetched: set[str] = set()
    while to_visit:
        path = to_visit.pop()
        if path in seen_pages:
            continue
        seen_pages.add(path)
        _, page_html, _ = browser.get(path)
        responses.append(({"page": path}, page_html))
        inputs = [{"id": i["id"], "property": i["property"],
                   "value": path if i["property"] == "pathname" else ("" if i["property"] == "search" else None)}
                  for i in router["inputs"]]
        body = {"output": router["output"], "outputs": _outputs(router["output"]), "inputs": inputs,
                "state": [_spec(s, shell) for s in router.get("state", [])],
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
        status, text = browser.callback(body)
        if status != 200:
            responses.append(({"page": path, "status": status}, text))
            continue
        responses.append(({"page": path, "callback": "router"}, text))
        to_visit |= _links(text) - seen_pages
        components = dict(shell)
        _components(json.loads(text), components)
        shell_seen.update(components)
        for dep in dependencies:
            if dep is router or dep["output"] in placed:
                continue
            items = dep["inputs"] + dep.get("state", [])
            if not all(isinstance(i["id"], str) and i["id"] in components for i in items):
                continue
            placed.add(dep["output"])
            for inputs in _input_samples(dep["inputs"], components, preferred_codes):
                body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
                        "state": [_spec(s, components) for s in dep.get("state", [])],
                        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}
                status, text = browser.callback(body)
                context = {"page": path, "callback": dep["output"], "status": status,
                           **{i["id"]: i["value"] for i in inputs}}
                responses.append((context, text))
                to_visit |= _links(text) - seen_pages
                responses += fetch_downloads(browser, text, context, fetched)
    # Callbacks of pages this viewer cannot open (or that no link reaches): replayed anyway, with the
    # values last seen for their inputs, as someone replaying another user's request would.
    known = {**shell, **shell_seen}
    unplaced = []
    for dep in dependencies:
        if dep is router or dep["output"] in placed:
            continue
        if not all(isinstance(i["id"], str) for i in dep["inputs"] + dep.get("state", [])):
            unplaced.append(dep["output"])
            continue
        inputs = [_spec(i, known) for i in dep["inputs"]]
        for spec in inputs:
            if spec["property"] == "n_clicks":
                spec["value"] = 1
        body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
                "state": [_spec(s, known) for s in dep.get("state", [])],
                "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}
        status, text = browser.callback(body)
        responses.append(({"callback": dep["output"], "status": status, "replayed": True}, text))
    return responses, unplaced


def _download_links(text: str) -> list[str]:
    return sorted({href for key, href in _strings(_json(text)) if key == "href" and href.startswith(DOWNLOAD_ROUTE)})


def fetch_downloads(browser: SiteClient, text: str, context: dict, fetched: set[str]) -> list[tuple[dict, str]]:
    """Every download link in a reply, fetched as this viewer (each address once). A file served is
    recorded as the payload a dcc.Download would carry, so the same checks read it; the headers every
    download must send are checked here."""
    found = []
    for href in _download_links(text):
        if href in fetched:
            continue
        fetched.add(href)
        request = urllib.request.Request(browser.base + href)
        try:
            with browser.opener.open(request, timeout=300) as response:
                status, data, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, data, headers = error.code, error.read(), error.headers
        entry = {**context, "download": href, "status": status}
        if status != 200:
            found.append((entry, data.decode("utf-8", "replace")[:300]))
            continue
        assert headers["Content-Disposition"].startswith("attachment;"), (href, headers["Content-Disposition"])
        assert "no-store" in headers["Cache-Control"], (href, headers["Cache-Control"])
        name = href.split("?", 1)[0].rsplit("/", 1)[-1]
        payload = {"content": base64.b64encode(data).decode("ascii"), "filename": name, "base64": True}
        found.append((entry, json.dumps({"fetched": payload})))
    return found


def _input_samples(inputs: list[dict], components: dict, preferred: list[str]) -> list[list[dict]]:
    base = [_spec(i, components) for i in inputs]
    for spec in base:
        if spec["property"] == "n_clicks":
            spec["value"] = 1
    calls = [base]
    for index, item in enumerate(inputs):
        props = components[item["id"]]
        if item["property"] != "value":
            continue
        for value in _sample(_option_values(props), preferred):
            if value == base[index]["value"] or len(calls) >= MAX_CALLS_PER_CALLBACK:
                continue
            varied = [dict(spec) for spec in base]
            varied[index]["value"] = value
            calls.append(varied)
    return calls


# ---- reading what came back -------------------------------------------------------------------------------

def _downloads(text: str) -> list[tuple[str, bytes]]:
    document = _json(text)
    found = [(mime, base64.b64decode(payload)) for _, value in _strings(document) if value.startswith("data:")
             for mime, payload in DATA_URI.findall(value)]

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("content"), str) and isinstance(node.get("filename"), str):
                content = node["content"]
                data = base64.b64decode(content) if node.get("base64") else content.encode("utf-8")
                found.append(("xlsx" if node["filename"].endswith(".xlsx") else "text/csv", data))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def _tables(mime: str, data: bytes) -> list[list[list[str]]]:
    """Blocks of rows (the first row of each block its header) from a CSV or every sheet of an XLSX."""
    if "sheet" in mime or mime == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        sheets = [[[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
                  for sheet in book.worksheets]
    else:
        sheets = [list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))]
    blocks = []
    for rows in sheets:
        block: list[list[str]] = []
        for row in rows:
            if not row or len(row) == 1:  # the synthetic stamp, a sheet title or a blank line ends a block
                if block:
                    blocks.append(block)
                block = []
                continue
            block.append(row)
        if block:
            blocks.append(block)
    return blocks


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except (ValueError, AttributeError):
        return None


def _asked_for(context: dict) -> tuple[str | None, str | None]:
    """The measure and the authority a reply was asked for (by its inputs or its download address)."""
    measure = context.get("overview-measure") or context.get("authority-trend-measure")
    code = context.get("authority-code")
    if "download" in context:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(context["download"]).query))
        measure, code = query.get("measure", measure), query.get("code", code)
    return measure, code


def _background(responses: list[tuple[dict, str]]) -> set[float]:
    """Long numbers in replies about a measure that is not a share: layout fractions (2/3 of a facet
    grid) and the like, which a share of 2 in 300 would otherwise match."""
    return {round(float(token), 9) for context, text in responses
            if _asked_for(context)[0] not in (None, *disclosure.SHARE_MEASURES) for token in LONG_FLOAT.findall(text)}


def _share_leaks(context: dict, text: str, truth: Truth, background: set[float]) -> list[str]:
    """A reply about a share, or about an authority, that carries in its own numbers (charts carry full
    precision) a share of an authority the viewer is not entitled to: not counting numbers shown to the
    viewer anyway or seen in replies about other measures. Exports are read in `leaks_in`."""
    measure, code = _asked_for(context)
    wanted = {key: values for key, values in truth.hidden_shares.items()
              if key[1] == measure or (key[0] == code and not truth.entitled(code))}
    numbers = {round(float(token), 9) for token in LONG_FLOAT.findall(text)}
    return [f"{context}: {owner}'s hidden share {share}={number} appears in the reply"
            for (owner, share), values in sorted(wanted.items())
            for number in sorted(numbers & (values - truth.shown_values - background))]


def leaks_in(responses: list[tuple[dict, str]], truth: Truth) -> list[str]:
    found = []
    background = _background(responses)
    visible = {v for values in truth.visible_values.values() for v in values}
    hidden_numbers = {v for code, values in truth.hidden_values.items() if not truth.entitled(code)
                      for v in values} - visible - truth.shown_values
    for context, text in responses:
        # An authority's share is never published to a viewer not entitled to it: any value under a
        # share's column (or under `value` in a download of a share) is one.
        measure = _asked_for(context)[0]
        share_columns = set(disclosure.SHARE_MEASURES) | ({"value"} if measure in disclosure.SHARE_MEASURES else set())
        # A rate built on a hidden count, anywhere in the reply (charts carry full-precision floats).
        numbers = {round(float(token), 9) for token in LONG_FLOAT.findall(text)}
        for number in sorted(numbers & hidden_numbers):
            found.append(f"{context}: a hidden rate {number} appears in the reply")
        for mime, data in _downloads(text):
            for block in _tables(mime, data):
                header = [h.strip().lower() for h in block[0]]
                for row in block[1:]:
                    codes = [cell for cell in row if AUTHORITY_CODE.match(cell.strip())]
                    if not codes or truth.entitled(codes[0]):
                        continue
                    code = codes[0]
                    for name, cell in zip(header, row):
                        value = _number(cell)
                        if value is None:
                            continue
                        if name in COUNT_COLUMNS and disclosure.is_small(value):
                            found.append(f"{context}: {name}={cell} for {code} in an export")
                        if name in share_columns:
                            found.append(f"{context}: {name}={cell} is {code}'s hidden share in an export")
                        rounded = round(value, 9)
                        if rounded in truth.hidden_values.get(code, set()) and rounded not in truth.visible_values.get(code, set()) \
                                and rounded != 0:
                            found.append(f"{context}: {name}={cell} is a hidden rate of {code} in an export")
                found.extend(_differencing(context, header, block[1:], truth))
                found.extend(_points_leaks(context, header, block[1:], truth))
        found.extend(_share_leaks(context, text, truth, background))
    return found


def _points_leaks(context: dict, header: list[str], rows: list[list[str]], truth: Truth) -> list[str]:
    """Points lost to a cause that counts concerns or records, in an export about an authority the viewer is
    not entitled to: with the published count of concerns they give the count back (docs/methodology.md,
    disclosure control). Any number under a points column of such a cause is one."""
    code = _asked_for(context)[1]
    if code is None or truth.entitled(code) or "dimension" not in header:
        return []
    at = header.index("dimension")
    points = [i for i, name in enumerate(header) if "points" in name]
    return [f"{context}: {header[i]}={row[i]} of a {row[at]} cause of {code} in an export"
            for row in rows if re.sub(r"[ -]", "_", row[at].strip().lower()) in COUNTED_DIMENSIONS
            for i in points if _number(row[i]) is not None]


def _differencing(context: dict, header: list[str], rows: list[list[str]], truth: Truth) -> list[str]:
    """Recompute each region total from what the viewer got: if one authority's value is missing, the
    region's published count less the others' counts gives it; it must not be 1 to 4."""
    period, window, measure = (context.get(k) for k in ("overview-period", "overview-window", "overview-measure"))
    if "download" in context:  # a fetched download: its own address says what it holds
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(context["download"]).query))
        period, window, measure = query.get("period", period), query.get("window", window), query.get("measure", measure)
    if not (period and window and measure in disclosure.COUNT_MEASURES) or "authority_code" not in header or "value" not in header:
        return []
    from etl.periods import parse_period

    month = parse_period(period)
    code_at, value_at = header.index("authority_code"), header.index("value")
    by_region: dict[str, list[tuple[str, float | None]]] = defaultdict(list)
    for row in rows:
        code = row[code_at]
        by_region[truth.region_of.get(code, "")].append((code, _number(row[value_at])))
    found = []
    for region, members in by_region.items():
        total = truth.region_counts.get((region, month, window, measure))
        unknown = [code for code, value in members if value is None and not truth.entitled(code)]
        if total is None or len(unknown) != 1:
            continue
        known = 0.0
        for code, value in members:
            if value is not None:
                known += value * truth.denominators[(code, month, window, measure)] / 10_000
            elif truth.entitled(code):
                unknown_own = truth.denominators.get((code, month, window, measure))
                if unknown_own is None:
                    continue
        recovered = round(total - known)
        if disclosure.is_small(recovered):
            found.append(f"{context}: region {region} total {total:.0f} less the others gives {unknown[0]} = {recovered}")
    return found


# ---- the test --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["public", "council", "second council", "national"])
def test_no_viewer_gets_a_count_they_are_not_entitled_to_directly_or_by_differencing(
        role, server, crawl_db, pattern, measures):
    con = duckdb.connect(str(crawl_db), read_only=True)
    try:
        users = dict(con.execute("select username, authority_code from app_user").fetchall())
        membership = dict(con.execute("select gss_code, region_code from ref_authority").fetchall())
    finally:
        con.close()
    browser = SiteClient(server)
    if role == "public":
        viewer = Viewer.public()
    elif role == "national":
        browser.sign_in(DEMO_USERS[1].username, DEMO_USERS[1].password)
        viewer = Viewer.national()
    elif role == "council":
        browser.sign_in(DEMO_USERS[2].username, DEMO_USERS[2].password)
        viewer = Viewer.council(users[DEMO_USERS[2].username])
    else:
        browser.sign_in(*SECOND_COUNCIL)
        viewer = Viewer.council(users[SECOND_COUNCIL[0]])
    neighbours = [code for code, region in membership.items()
                  if region == membership.get(viewer.authority_code or users[DEMO_USERS[2].username])][:3]
    # A share whose values are rarely round, so that its full-precision values in charts can be told apart.
    preferred = [c for c in [viewer.authority_code, *neighbours] if c] + ["share_family_member_known"]
    responses, unplaced = crawl(browser, preferred)

    assert unplaced == [], f"callbacks with pattern-matching ids the crawler cannot call yet: {unplaced}"
    pages = {c["page"] for c, _ in responses if "page" in c}
    assert {"/", "/regional", "/authority", "/returns"} <= pages, f"pages reached: {sorted(pages)}"
    errors = [(c, t[:200]) for c, t in responses if c.get("status", 200) >= 500]
    assert errors == [], errors
    calls = [c for c, _ in responses if "callback" in c]
    assert len(calls) > 20, "the crawler reached too few callbacks to mean anything"
    downloads = sum(len(_downloads(text)) for _, text in responses)
    assert downloads > 5, "the crawler decoded too few exports to mean anything"
    fetched = [c for c, _ in responses if "download" in c]
    assert len({c["download"].split("?")[0] for c in fetched if c["status"] == 200}) >= 8, \
        "the crawler fetched too few kinds of chart download to mean anything"
    assert [c for c in fetched if c["status"] >= 500] == []
    # No data leave as a data: URL in a reply any more; the one left is the methodology page's scoring
    # settings (static configuration, no counts).
    inline = [c for c, text in responses if DATA_URI.search(text) and c.get("page") != "/methodology"]
    assert inline == [], f"data: URL exports are back in replies: {inline[:5]}"

    truth = truth_for(viewer, pattern, measures, membership)
    leaks = leaks_in(responses, truth)
    if role == "national":
        # National viewers are entitled to everything; read as if the public had got the same replies,
        # the checks must fire (in charts, in exports and by differencing), or they prove nothing.
        as_public = leaks_in(responses, truth_for(Viewer.public(), pattern, measures, membership))
        assert any("appears in the reply" in leak for leak in as_public), "no hidden rate found in national replies"
        assert any("in an export" in leak for leak in as_public), "no hidden count found in national exports"
        shares = [leak for leak in as_public if "'s hidden share" in leak]
        assert any("in the reply" in leak for leak in shares), "no hidden share found in national replies"
        assert any("in an export" in leak for leak in shares), "no hidden share found in national exports"
        return
    assert leaks == [], "\n".join(leaks[:20])


def test_the_crawlers_checks_find_a_planted_leak(pattern, measures, crawl_db):
    """The checks can fail: a reply carrying a hidden rate, an export with a small count of another
    authority, an export with the points of another authority's completeness cause, and a map table with
    one authority missing from a region are each reported."""
    con = duckdb.connect(str(crawl_db), read_only=True)
    try:
        membership = dict(con.execute("select gss_code, region_code from ref_authority").fetchall())
    finally:
        con.close()
    truth = truth_for(Viewer.public(), pattern, measures, membership)
    code, values = next((c, v) for c, v in truth.hidden_values.items() if v - truth.visible_values.get(c, set()) - {0.0})
    hidden_rate = next(iter(sorted(values - truth.visible_values.get(code, set()) - {0.0})))
    figure = json.dumps({"response": {"chart": {"figure": {"data": [{"y": [hidden_rate]}]}}}})
    table = f"authority_code,observed\r\n{code},3\r\n".encode()
    export = json.dumps({"response": {"dl": {"data": {"content": base64.b64encode(table).decode(), "filename": "x.csv",
                                                      "base64": True}}}})
    leaks = leaks_in([({"planted": "figure"}, figure), ({"planted": "export"}, export)], truth)
    assert any("hidden rate" in leak and "figure" in leak for leak in leaks)
    assert any("observed=3" in leak for leak in leaks)
    points = ("dimension,rule_id,points_lost,disclosure\r\nvalidity,E106,1.5,\r\n"
              "completeness,not_recorded.sex,0.588235,\r\ncompleteness,not_recorded.age_band,,c\r\n").encode()
    export = json.dumps({"response": {"dl": {"data": {"content": base64.b64encode(points).decode(), "filename": "x.csv",
                                                      "base64": True}}}})
    leaks = leaks_in([({"download": f"/download/authority-points.csv?code={code}"}, export)], truth)
    assert [leak for leak in leaks if "points" in leak] == [
        f"{{'download': '/download/authority-points.csv?code={code}'}}: points_lost=0.588235 of a completeness cause "
        f"of {code} in an export"]

    # One region, one period: every authority's value published but one; the region total gives it.
    month = measures.filter(pl.col("window") == "rolling12")["period"].max()
    rows = measures.filter((pl.col("level") == "authority") & (pl.col("period") == month)
                           & (pl.col("window") == "rolling12") & (pl.col("measure") == disclosure.TOTAL_MEASURE))
    target = rows.filter(disclosure.small(pl.col("numerator")))["code"][0]
    region = membership[target]
    members = rows.filter(pl.col("code").is_in([c for c, r in membership.items() if r == region]))
    lines = ["authority_code,value"] + [f"{c},{'' if c == target else v}" for c, v in members.select("code", "value").iter_rows()]
    context = {"overview-period": month.strftime("%Y-%m"), "overview-window": "rolling12",
               "overview-measure": disclosure.TOTAL_MEASURE}
    planted = Truth(Viewer.public(), region_of=membership, region_counts=truth.region_counts,
                    denominators=truth.denominators)
    found = _differencing(context, ["authority_code", "value"], [line.split(",") for line in lines[1:]], planted)
    recovered = int(members.filter(pl.col("code") == target)["numerator"][0])
    assert disclosure.is_small(recovered) and found, (recovered, found)
