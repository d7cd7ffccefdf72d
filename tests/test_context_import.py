"""Importing published DfE tidy files (`oversight import-context`): the project's copies of the real children
in need and referrals files end to end into a real DuckDB file, and tidy files of other shapes written here."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.context import import_context_files, read_tidy
from etl.errors import ContextFileError
from etl.settings import REFERENCE_DIR
from scoring_builder import query

CONTEXT_DIR = REFERENCE_DIR / "context"
CIN = CONTEXT_DIR / "children-in-need-2013-2025.csv"
REFERRALS = CONTEXT_DIR / "referrals-2013-2025.csv"
IDENTIFIERS = {"time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
               "region_name", "old_la_code", "new_la_code", "la_name"}
SYMBOLS = {"c", "x", "z", "u", "low", "k", "~", ":"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("context") / "oversight.duckdb"
    code, output = run("import-context", str(CIN), str(REFERRALS), "--db", str(db))
    assert code == 0, output
    return db


# ---- the real files, end to end -----------------------------------------------------------------------

@pytest.mark.parametrize("path", [CIN, REFERRALS], ids=["children-in-need", "referrals"])
def test_every_row_of_the_real_file_is_stored_per_level_and_year(real_db: Path, path: Path) -> None:
    source = rows_of(path)
    indicators = [c for c in source[0] if c not in IDENTIFIERS and c != "category"]
    expected: dict[tuple[str, str], int] = {}
    level_names = {"National": "england", "Regional": "region", "Local authority": "authority"}
    for row in source:
        level = level_names[row["geographic_level"]]
        if level == "region" and row["region_code"].startswith("E13"):
            level = "subregion"
        key = (level, row["time_period"])
        expected[key] = expected.get(key, 0) + len(indicators)
    stored = dict(((level, period), n) for level, period, n in query(
        real_db, "select level, time_period, count(*) from context_value where publication = $p group by all",
        {"p": path.name.split("-20")[0]}))
    assert stored == expected
    # Per year: one England row, nine regions and two London sub-regions, and the authorities DfE published.
    per_year = query(real_db, "select time_period, count(distinct code) filter (where level = 'authority'), "
                     "count(distinct code) filter (where level = 'region') from context_value "
                     "where publication = $p group by 1 order by 1", {"p": path.name.split("-20")[0]})
    published = {}
    for row in source:
        if row["geographic_level"] == "Local authority":
            published.setdefault(row["time_period"], set()).add(row["new_la_code"])
    assert [(p, a) for p, a, _ in per_year] == [(p, len(codes)) for p, codes in sorted(published.items())]
    assert {r for _, _, r in per_year} == {9}


def test_symbols_are_kept_as_symbols_and_never_read_as_zero(real_db: Path) -> None:
    source = rows_of(REFERRALS)
    cells = [(row["time_period"], row["new_la_code"] or row["region_code"] or row["country_code"], column, value)
             for row in source for column, value in row.items()
             if column not in IDENTIFIERS and column != "category" and value in SYMBOLS]
    assert cells, "the referrals file has suppressed cells"
    stored = query(real_db, "select time_period, source_code, indicator, symbol from context_value "
                   "where publication = 'referrals' and symbol is not null")
    assert sorted(stored) == sorted(cells)
    assert query(real_db, "select count(*) from context_value where symbol is not null and value is not null") == [(0,)]
    # The meaning travels with the symbol.
    meanings = dict(query(real_db, "select symbol, meaning from context_symbol"))
    assert "suppressed" in meanings["c"] and meanings["z"] == "not applicable"


def test_a_cumbria_row_stays_cumbria_and_its_successors_appear_after_the_reorganisation(real_db: Path) -> None:
    def codes(year: str) -> set[str]:
        return {c for (c,) in query(real_db, "select distinct code from context_value where publication = 'children-in-need' "
                                    "and level = 'authority' and time_period = $y", {"y": year})}

    assert "E10000006" in codes("2022") and "E10000006" in codes("2023")
    assert "E10000006" not in codes("2024") and "E06000063" in codes("2024")
    assert query(real_db, "select count(*) from context_value where is_mapped = false") == [(0,)]


def test_the_barnsley_and_sheffield_2025_boundary_codes_map_to_the_codes_dfe_uses(tmp_path: Path) -> None:
    rows = [r for r in rows_of(REFERRALS) if r["time_period"] == "2025"]
    for row in rows:
        row["new_la_code"] = {"E08000016": "E08000038", "E08000019": "E08000039"}.get(row["new_la_code"], row["new_la_code"])
    path = write_csv(tmp_path / "referrals-2025.csv", rows)
    db = tmp_path / "o.duckdb"
    [result] = import_context_files([path], db)
    assert result.unmapped_codes == []
    stored = query(db, "select source_code, code from context_value where source_code in ('E08000038', 'E08000039') "
                   "group by all order by 1")
    assert stored == [("E08000038", "E08000016"), ("E08000039", "E08000019")]


def test_importing_the_same_file_again_is_unchanged_and_leaves_the_database_file_alone(real_db: Path) -> None:
    before = query(real_db, "select count(*) from context_value")
    mtime = real_db.stat().st_mtime_ns
    code, output = run("import-context", str(CIN), "--db", str(real_db), "--json")
    assert code == 0, output
    summary = json.loads(output)
    assert summary["status"] == "unchanged" and summary["publication"] == "children-in-need"
    assert query(real_db, "select count(*) from context_value") == before
    assert real_db.stat().st_mtime_ns == mtime


def test_the_json_summary_has_the_documented_keys(tmp_path: Path) -> None:
    code, output = run("import-context", str(REFERRALS), "--db", str(tmp_path / "o.duckdb"), "--json")
    assert code == 0, output
    summary = json.loads(output)
    for key in ("file", "publication", "indicators", "filters", "rows", "authorities", "periods", "unmapped_codes", "status"):
        assert key in summary
    assert summary["status"] == "imported" and summary["rows"] == len(rows_of(REFERRALS))
    assert summary["indicators"][0] == "referral_count" and summary["filters"] == ["category"]
    assert summary["periods"][0] == "2013" and summary["periods"][-1] == "2025"
    assert summary["indicator_source"] == "meta"  # the project's copy has a .meta.csv


def test_a_newer_edition_supersedes_the_older_which_is_kept(tmp_path: Path) -> None:
    source = rows_of(REFERRALS)
    older = write_csv(tmp_path / "referrals-2013-2024.csv", [r for r in source if r["time_period"] != "2025"])
    newer = write_csv(tmp_path / "referrals-2013-2025.csv", source)
    oldest = write_csv(tmp_path / "referrals-2013-2023.csv", [r for r in source if r["time_period"] < "2024"])
    db = tmp_path / "o.duckdb"
    assert [r.status for r in import_context_files([older], db)] == ["imported"]
    [result] = import_context_files([newer], db)
    assert result.status == "imported" and result.supersedes == ["referrals-2013-2024.csv"]
    imports = query(db, "select file_name, superseded_by is not null from context_import order by import_id")
    assert imports == [("referrals-2013-2024.csv", True), ("referrals-2013-2025.csv", False)]
    assert query(db, "select max(time_period), count(distinct import_id) from context_current") == [("2025", 1)]
    assert query(db, "select count(*) from context_value") == [(10 * (len(source) - 165) + 10 * len(source),)]
    # An older edition arriving late is stored, but the newer stays current.
    [late] = import_context_files([oldest], db)
    assert late.status == "superseded"
    assert query(db, "select file_name from context_import where superseded_by is null") == [("referrals-2013-2025.csv",)]


def test_a_file_that_is_not_tidy_is_rejected_naming_the_missing_columns_and_nothing_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "o.duckdb"
    import_context_files([REFERRALS], db)
    before = query(db, "select count(*) from context_value")
    wide = write_csv(tmp_path / "neighbours.csv", [{"old_la_code": "301", "la_name": "Barking", "SN_1": "308"}])
    code, output = run("import-context", str(wide), "--db", str(db))
    assert code == 1
    text = " ".join(output.split())
    assert "not a DfE tidy data file" in text and "time_period, time_identifier, geographic_level are missing" in text
    assert query(db, "select count(*) from context_value") == before


def test_an_indicator_cell_that_is_neither_a_number_nor_a_symbol_is_rejected_with_its_row_and_column(tmp_path: Path) -> None:
    rows = rows_of(REFERRALS)[:20]
    rows[7]["referral_count"] = "twelve"
    path = write_csv(tmp_path / "bad.csv", rows)
    shutil.copy(CONTEXT_DIR / "referrals-2013-2025.meta.csv", tmp_path / "bad.meta.csv")
    with pytest.raises(ContextFileError, match=r"row 8, column referral_count: 'twelve'"):
        read_tidy(path)


# ---- a file of another shape, never seen before -------------------------------------------------------

def _workforce_rows() -> list[dict[str, str]]:
    """An invented DfE-style file: academic years, two filters, other indicators, other levels."""
    base = {"country_code": "E92000001", "country_name": "England"}
    rows = []
    for period in ("202324", "202425"):
        for phase in ("Primary", "Secondary", "Total"):
            for sex in ("Female", "Male", "Total"):
                def row(level: str, **geo: str) -> dict[str, str]:
                    n = str(len(rows) * 3 + 11)
                    return {"time_period": period, "time_identifier": "Academic year", "geographic_level": level, **base,
                            "region_code": "", "region_name": "", "old_la_code": "", "new_la_code": "", "la_name": "",
                            "lad_code": "", "lad_name": "", **geo, "phase": phase, "sex": sex, "headcount": n,
                            "fte_ratio": "12.5" if sex != "Male" else "c"}
                rows.append(row("National"))
                rows.append(row("Regional", region_code="E13000001", region_name="Inner London"))
                rows.append(row("Regional", region_code="E13000002", region_name="Outer London"))
                rows.append(row("Regional", region_code="E12000001", region_name="North East"))
                rows.append(row("Local authority", region_code="E12000001", old_la_code="805", new_la_code="E06000001", la_name="Hartlepool"))
                rows.append(row("Local authority", region_code="E12000008", old_la_code="825", new_la_code="", la_name="Buckinghamshire"))
                rows.append(row("Local authority", region_code="", old_la_code="", new_la_code="W06000015", la_name="Cardiff"))
                rows.append(row("Local authority", region_code="E12000001", old_la_code="390", new_la_code="E08000020", la_name="Gateshead"))
                rows.append(row("Local authority district", lad_code="E07000223", lad_name="Adur"))
    return rows


@pytest.mark.parametrize("with_meta", [True, False], ids=["meta", "inferred"])
def test_a_file_of_another_shape_imports_by_its_own_columns(tmp_path: Path, with_meta: bool) -> None:
    rows = _workforce_rows()
    path = write_csv(tmp_path / "school-workforce-202324-202425.csv", rows)
    if with_meta:
        write_csv(tmp_path / "school-workforce-202324-202425.meta.csv", [
            {"col_name": "phase", "col_type": "Filter", "label": "Phase", "indicator_unit": "", "indicator_dp": ""},
            {"col_name": "sex", "col_type": "Filter", "label": "Sex", "indicator_unit": "", "indicator_dp": ""},
            {"col_name": "headcount", "col_type": "Indicator", "label": "Headcount", "indicator_unit": "", "indicator_dp": "0"},
            {"col_name": "fte_ratio", "col_type": "Indicator", "label": "Pupils per FTE", "indicator_unit": "", "indicator_dp": "1"},
        ])
    db = tmp_path / "o.duckdb"
    code, output = run("import-context", str(path), "--db", str(db), "--json")
    assert code == 0, output
    summary = json.loads(output)
    assert summary["publication"] == "school-workforce"
    assert summary["indicators"] == ["headcount", "fte_ratio"] and summary["filters"] == ["phase", "sex"]
    assert summary["indicator_source"] == ("meta" if with_meta else "inferred")
    assert summary["periods"] == ["2023/24", "2024/25"]
    assert summary["unmapped_codes"] == ["W06000015 (Cardiff)"]
    assert summary["skipped_levels"] == {"Local authority district": 18}
    # Hartlepool; Buckinghamshire found by its DfE number alone; Gateshead's retired code placed by its DfE number.
    assert summary["authorities"] == 3
    assert any("E08000020 (Gateshead) -> E08000037" in note for note in summary["notes"])
    # Buckinghamshire's DfE number 825 in 2023/24 is the unitary authority (the county ended in March 2020).
    assert query(db, "select distinct code from context_value where source_code = '825'") == [("E06000060",)]
    # London rolled up from Inner and Outer London for the count, not for the ratio.
    london = query(db, "select indicator, sum(value) from context_value where code = 'E12000007' group by 1")
    sub = query(db, "select sum(value) from context_value where level = 'subregion' and indicator = 'headcount'")
    assert london == [("headcount", sub[0][0])]
    # 'c' in a ratio column stays a symbol; filter values are stored with every value.
    assert query(db, "select count(*) from context_value where indicator = 'fte_ratio' and symbol = 'c' and value is null")[0][0] > 0
    totals = query(db, "select filters from context_value where is_total and level = 'england' and indicator = 'headcount' "
                   "and time_period = '202425'")
    assert [json.loads(f) for (f,) in totals] == [{"phase": "Total", "sex": "Total"}]


def test_a_numeric_column_before_a_text_filter_is_inferred_as_a_filter(tmp_path: Path) -> None:
    rows = [{"time_period": "2024", "time_identifier": "Calendar year", "geographic_level": "National",
             "country_code": "E92000001", "age": str(age), "group": "All", "children": str(100 + age)} for age in range(3)]
    tidy = read_tidy(write_csv(tmp_path / "ages.csv", rows))
    assert tidy.filters == ["age", "group"] and tidy.indicator_names == ["children"]


def test_a_stray_cell_in_an_indicator_is_named_not_taken_with_the_indicators_before_it_for_filters(tmp_path: Path) -> None:
    rows = rows_of(REFERRALS)[:40]
    rows[7]["not_in_need_count"] = ".."  # no metadata: the columns are inferred
    with pytest.raises(ContextFileError, match=r"row 8, column not_in_need_count: '\.\.'"):
        read_tidy(write_csv(tmp_path / "referrals-stray.csv", rows))


def _national(age: str, **cells: str) -> dict[str, str]:
    return {"time_period": "2024", "time_identifier": "Calendar year", "geographic_level": "National",
            "country_code": "E92000001", "age": age, **cells}


def test_a_download_cut_off_mid_line_is_rejected_not_read_with_its_last_number_cut_short(tmp_path: Path) -> None:
    text = REFERRALS.read_text(encoding="utf-8")
    lines = text.splitlines()
    cut = "\n".join(lines[:60]) + "\n" + lines[60][: len(lines[60]) // 2]  # the download stopped mid-line
    path = tmp_path / "referrals-cut.csv"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(ContextFileError, match="looks cut short: its last line ends without a line break"):
        read_tidy(path)
    whole_without_final_break = tmp_path / "referrals-whole.csv"  # many writers end without a line break
    whole_without_final_break.write_text("\n".join(lines[:60]), encoding="utf-8")
    assert read_tidy(whole_without_final_break).rows_read == 59


def test_an_indicator_suppressed_throughout_is_an_indicator_and_leaves_the_others_alone(tmp_path: Path) -> None:
    rows = [_national(age, children=str(100 + i), rate="c") for i, age in enumerate(["0", "1", "2", "Total"])]
    tidy = read_tidy(write_csv(tmp_path / "suppressed.csv", rows))
    assert tidy.filters == ["age"] and tidy.indicator_names == ["children", "rate"]


def test_a_numeric_filter_with_a_total_row_stays_a_filter_whatever_its_share_of_numbers(tmp_path: Path) -> None:
    rows = [_national(age, children=str(100 + i)) for i, age in enumerate([*map(str, range(17)), "Total"])]
    tidy = read_tidy(write_csv(tmp_path / "ages-total.csv", rows))  # 17 of 18 cells numbers: still the filter
    assert tidy.filters == ["age"] and tidy.indicator_names == ["children"]


def test_levels_are_recognised_whatever_their_capitalisation_and_other_levels_are_only_counted(tmp_path: Path) -> None:
    rows = rows_of(REFERRALS)[:30]
    for row in rows:
        row["geographic_level"] = row["geographic_level"].upper()
    rows.append({**rows[-1], "geographic_level": "School"})
    [result] = import_context_files([write_csv(tmp_path / "shouting.csv", rows)], tmp_path / "o.duckdb")
    assert result.levels == {"authority": 18, "england": 1, "region": 9, "subregion": 2}
    assert result.skipped_levels == {"School": 1}


def test_a_metadata_file_given_with_its_data_file_is_skipped_not_rejected(tmp_path: Path) -> None:
    code, output = run("import-context", *sorted(str(p) for p in CONTEXT_DIR.glob("referrals*")), "--db", str(tmp_path / "o.duckdb"), "--json")
    assert code == 0, output
    assert [(r["file"], r["status"]) for r in json.loads(output)] == [
        ("referrals-2013-2025.csv", "imported"), ("referrals-2013-2025.meta.csv", "skipped")]
