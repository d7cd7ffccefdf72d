"""Exports: formula injection neutralised, synthetic data stamped, small counts suppressed."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import exports

DANGEROUS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_is_prefixed(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Hartlepool", "a=b", -3, 2.5, None])
def test_ordinary_values_and_numbers_are_left_alone(value):
    assert exports.neutralise(value) == value


@pytest.mark.parametrize("text", DANGEROUS)
def test_the_audit_export_and_the_dashboards_exports_neutralise_alike(text):
    from etl import audit, cells

    assert audit._neutralise(text) == exports.neutralise(text) == cells.neutralise(text) == "'" + text
    assert audit._neutralise(None) == "" and exports.neutralise(None) is None


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_neutralises_text_cells_and_keeps_numbers():
    frame = pl.DataFrame({"name": ["=HYPERLINK(1)", "Leeds"], "count": [-3, 4]})
    rows = _csv_rows(exports.csv_bytes(frame, synthetic=False))
    assert rows == [["name", "count"], ["'=HYPERLINK(1)", "-3"], ["Leeds", "4"]]


def test_csv_of_demo_data_says_so_on_its_first_line():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"a": [1]}), synthetic=True))
    assert rows[0] == [exports.SYNTHETIC_STAMP]
    assert rows[1] == ["a"]


def test_csv_of_real_data_has_no_stamp():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"a": [1]}), synthetic=False))
    assert rows[0] == ["a"]


def test_csv_writes_dates_as_iso_text():
    rows = _csv_rows(exports.csv_bytes(pl.DataFrame({"period": [date(2026, 10, 1)]}), synthetic=False))
    assert rows[1] == ["2026-10-01"]


def test_xlsx_stamps_every_sheet_and_neutralises_formulas():
    content = exports.xlsx_bytes({"one": pl.DataFrame({"x": ["=1+2"]}), "two": pl.DataFrame({"y": [5]})}, synthetic=True)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["one", "two"]
    one = [row for row in book["one"].iter_rows(values_only=True)]
    assert one == [(exports.SYNTHETIC_STAMP,), ("x",), ("'=1+2",)]
    assert book["one"]["A3"].data_type != "f"  # text, not a formula
    assert [row for row in book["two"].iter_rows(values_only=True)][0] == (exports.SYNTHETIC_STAMP,)


def test_xlsx_sheet_names_are_made_legal():
    content = exports.xlsx_bytes({"points lost: [all]/x" * 3: pl.DataFrame({"a": [1]})}, synthetic=False)
    name = load_workbook(io.BytesIO(content)).sheetnames[0]
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_download_gives_a_named_base64_file():
    data = exports.download(pl.DataFrame({"a": [1]}), "chase-list", "xlsx", synthetic=False)
    assert data["filename"] == "chase-list.xlsx" and data["base64"] is True
    load_workbook(io.BytesIO(base64.b64decode(data["content"])))  # a real workbook


def test_download_of_several_tables_as_csv_stacks_them_under_titles():
    data = exports.download({"scores": pl.DataFrame({"a": [1]}), "flags": pl.DataFrame({"b": ["-x"]})}, "f", "csv",
                            synthetic=True)
    rows = [r for r in _csv_rows(base64.b64decode(data["content"])) if r]
    assert rows == [[exports.SYNTHETIC_STAMP], ["scores"], ["a"], ["1"], ["flags"], ["b"], ["'-x"]]


def test_download_refuses_an_unknown_format():
    with pytest.raises(ValueError):
        exports.download(pl.DataFrame({"a": [1]}), "f", "pdf", synthetic=False)


def test_small_counts_are_shown_as_c_to_a_viewer_not_entitled():
    frame = pl.DataFrame({"name": ["a", "b", "c", "d"], "count": [0, 1, 4, 5]})
    shown = exports.suppress_small_counts(frame, ["count"], entitled=False)
    assert shown["count"].to_list() == ["0", "c", "c", "5"]


def test_small_counts_are_shown_to_an_entitled_viewer():
    frame = pl.DataFrame({"count": [1, 4]})
    assert exports.suppress_small_counts(frame, ["count"]).equals(frame)


# ---- chart downloads are real, checked, audited requests (dashboard.downloads) ----------------------

@pytest.fixture(scope="module")
def download_app(demo_db, tmp_path_factory):
    """The app on a private copy of the demo (downloads write audit events beside the database)."""
    import shutil

    from dashboard.server import create_app

    copy = tmp_path_factory.mktemp("downloads") / "oversight.duckdb"
    shutil.copyfile(demo_db, copy)
    return create_app(copy)


def _download_events(app) -> list[dict]:
    from etl import audit

    return audit.events(app.server.extensions["oversight_auth"].store, event="download")


@pytest.mark.slow  # the full demo database (built once per session)
def test_a_chart_download_is_an_attachment_not_cached_stamped_and_audited_once_per_download(download_app):
    from auth_helpers import signed_in_client
    from conftest import DEMO_END

    client = signed_in_client(download_app, "council")
    address = f"/download/overview-map.csv?period={DEMO_END}&window=rolling12&measure=composite"
    before = len(_download_events(download_app))
    first, second = client.get(address), client.get(address)
    for response in (first, second):
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.headers["Content-Disposition"].startswith('attachment; filename="composite-by-authority-')
        assert "no-store" in response.headers["Cache-Control"] and response.mimetype == "text/csv"
    rows = _csv_rows(first.data)
    assert rows[0] == [exports.SYNTHETIC_STAMP] and rows[1][:3] == ["authority_code", "name", "region_name"]
    events = _download_events(download_app)[: len(_download_events(download_app)) - before]
    assert len(events) == 2 and {e["target"] for e in events} == {"overview-map.csv"}
    assert all(e["role"] == "council" and e["username"] for e in events)


@pytest.mark.slow
@pytest.mark.parametrize("query, status, says", [
    ("?period=2026-10&window=rolling12&measure=no-such-measure", 400, "not one of the choices"),
    ("?period=2026-13&window=rolling12&measure=composite", 400, "period"),
    ("?period=2026-10&window=rolling12&measure=composite&extra=1", 400, "Unknown parameter 'extra'"),
    ("?period=2026-10&period=2026-09&window=rolling12&measure=composite", 400, "each parameter once"),
    ("?period=" + "9" * 100_000 + "&window=rolling12&measure=composite", 400, "longer than 64"),
    ("?window=rolling12&measure=composite", 400, "period"),
])
def test_a_download_with_a_bad_parameter_is_refused_with_a_short_message(download_app, query, status, says):
    from auth_helpers import signed_in_client

    client = signed_in_client(download_app, "national")
    before = len(_download_events(download_app))
    response = client.get("/download/overview-map.csv" + query)
    text = response.get_data(as_text=True)
    assert response.status_code == status and says.lower() in text.lower(), text[:300]
    assert len(text) <= 400 and "99999999999" not in text  # never the input echoed back whole
    assert len(_download_events(download_app)) == before  # nothing was downloaded, nothing audited


@pytest.mark.slow
def test_an_unknown_download_is_not_found_and_a_signed_out_visitor_is_sent_to_sign_in(download_app):
    from auth_helpers import signed_in_client

    client = signed_in_client(download_app, "national")
    assert client.get("/download/no-such-chart.csv").status_code == 404
    assert client.get("/download/overview-map.exe?period=2026-10").status_code == 404
    anonymous = download_app.server.test_client().get("/download/overview-map.csv?period=2026-10")
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["Location"]


@pytest.mark.slow
def test_a_council_gets_another_authoritys_withheld_rate_as_c_in_the_download_and_national_gets_it(download_app):
    """The download is built for the viewer of the request: the same disclosure pattern as the page."""
    from auth_helpers import signed_in_client
    from conftest import DEMO_END

    address = f"/download/overview-map.csv?period={DEMO_END}&window=month&measure=rate_total_per_10k"
    council_rows = _csv_rows(signed_in_client(download_app, "council").get(address).data)
    national_rows = _csv_rows(signed_in_client(download_app, "national").get(address).data)
    header = council_rows[1]
    value_at, mark_at = header.index("rate_total_per_10k"), header.index("disclosure")
    withheld = [row for row in council_rows[2:] if len(row) > mark_at and row[mark_at] == "c"]
    assert withheld and all(row[value_at] == "c" for row in withheld)
    national = {row[0]: row for row in national_rows[2:] if len(row) > mark_at}
    assert all(national[row[0]][value_at] not in ("c", "") for row in withheld[:20])
