"""The annual reference refresh (`oversight import-reference population|neighbours FILE`): a new year's
published file updates the project's table and the database, and rates use the new year's population."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from etl.cli import app
from etl.reference import Reference
from etl.settings import REFERENCE_DIR
from scoring_builder import clean_rows, load, query, write_return

HARTLEPOOL = "E06000001"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def write_csv(path: Path, rows: list[dict]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture()
def reference_dir(tmp_path: Path) -> Path:
    """A copy of the project's reference tables, so the test never rewrites data/reference."""
    target = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, target)
    return target


def population_file(path: Path, reference: Reference, year: int, value_of) -> Path:
    rows = [{"time_period": str(year), "time_identifier": "Reporting year", "geographic_level": "National",
             "country_code": "E92000001", "country_name": "England", "region_code": "", "region_name": "",
             "old_la_code": "", "new_la_code": "", "la_name": "", "age_group": "Children aged 0 to 17 years",
             "population_estimate": "12000000"}]
    for authority in reference.expected_authorities(datetime(year, 6, 1).date()):
        rows.append({**rows[0], "geographic_level": "Local authority", "region_code": authority.region_code,
                     "region_name": authority.region_name, "old_la_code": authority.dfe_code,
                     "new_la_code": authority.gss_code, "la_name": authority.name,
                     "population_estimate": value_of(authority.gss_code)})
    return write_csv(path, rows)


def test_a_new_years_population_file_adds_the_year_and_rates_use_it(tmp_path: Path, reference_dir: Path) -> None:
    db = tmp_path / "o.duckdb"
    load(db, [write_return(tmp_path / "in", HARTLEPOOL, "2025-06", clean_rows(12), received=datetime(2025, 7, 5))])
    reference = Reference.load(reference_dir)
    old_2024 = reference.population(HARTLEPOOL, 2024)

    def exposure() -> float:
        [(value,)] = query(db, "select denominator from measure_value where level = 'authority' and code = $c and "
                           "period = date '2025-06-01' and \"window\" = 'month' and measure = 'rate_total_per_10k'",
                           {"c": HARTLEPOOL})
        return value

    assert exposure() == pytest.approx(old_2024 / 12)  # 2025 not published yet: the nearest year
    path = population_file(tmp_path / "population-0-17-2025.csv", reference, 2025,
                           lambda code: "c" if code == "E06000002" else str(31_000 if code == HARTLEPOOL else 50_000))
    code, output = run("import-reference", "population", str(path), "--db", str(db), "--reference-dir", str(reference_dir), "--json")
    assert code == 0, output
    summary = json.loads(output)
    assert summary["years_added"] == [2025] and summary["symbols_skipped"] == 1
    assert summary["authorities_without_latest_year"] == ["E06000002"]  # suppressed: not read as 0
    assert exposure() == pytest.approx(31_000 / 12)
    assert query(db, "select population from ref_population where gss_code = $c and year = 2024", {"c": HARTLEPOOL}) == [(old_2024,)]
    table = {(r["gss_code"], r["year"]): r["population"] for r in csv.DictReader((reference_dir / "population_0_17.csv").open())}
    assert table[(HARTLEPOOL, "2025")] == "31000" and table[(HARTLEPOOL, "2024")] == str(old_2024)
    assert ("E06000002", "2025") not in table
    assert query(db, "select publication, file_name from context_import") == [("reference-population-0-17", path.name)]


def test_a_population_file_with_a_bad_value_changes_nothing(tmp_path: Path, reference_dir: Path) -> None:
    reference = Reference.load(reference_dir)
    before = (reference_dir / "population_0_17.csv").read_text()
    path = population_file(tmp_path / "population-2025.csv", reference, 2025, lambda code: "-5")
    code, output = run("import-reference", "population", str(path), "--db", str(tmp_path / "o.duckdb"),
                       "--reference-dir", str(reference_dir))
    assert code == 2 and "not a positive whole number" in " ".join(output.split())
    assert (reference_dir / "population_0_17.csv").read_text() == before


def test_a_new_neighbour_model_replaces_the_neighbours(tmp_path: Path, reference_dir: Path) -> None:
    db = tmp_path / "o.duckdb"
    load(db, [write_return(tmp_path / "in", HARTLEPOOL, "2025-06", clean_rows(12), received=datetime(2025, 7, 5))])
    reference = Reference.load(reference_dir)
    current = [a for a in reference.expected_authorities(datetime(2026, 10, 1).date())]
    rows = []
    for index, authority in enumerate(current):
        row = {"old_la_code": authority.dfe_code, "la_name": authority.name}
        for rank in range(1, 9):  # a model with 8 neighbours, by DfE number, and its bands
            row[f"SN_{rank}"] = current[(index + rank) % len(current)].dfe_code
            row[f"SN_{rank}P"] = "Close "
        rows.append(row)
    path = write_csv(tmp_path / "statistical-neighbours-2027.csv", rows)
    code, output = run("import-reference", "neighbours", str(path), "--db", str(db), "--reference-dir", str(reference_dir), "--json")
    assert code == 0, output
    assert json.loads(output)["neighbours_per_authority"] == 8
    expected = [(rank, current[(0 + rank) % len(current)].gss_code, "Close") for rank in range(1, 9)]
    assert query(db, "select rank, neighbour_gss_code, closeness from ref_statistical_neighbour where gss_code = $c order by rank",
                 {"c": current[0].gss_code}) == expected
    assert Reference.load(reference_dir).neighbours(current[0].gss_code) == [gss for _, gss, _ in expected]


def test_a_neighbours_file_naming_an_unknown_authority_is_refused_and_changes_nothing(tmp_path: Path, reference_dir: Path) -> None:
    before = (reference_dir / "statistical_neighbours.csv").read_text()
    path = write_csv(tmp_path / "sn.csv", [{"old_la_code": "805", "la_name": "Hartlepool", "SN_1": "999", "SN_1P": "Close"}])
    code, output = run("import-reference", "neighbours", str(path), "--db", str(tmp_path / "o.duckdb"),
                       "--reference-dir", str(reference_dir))
    assert code == 2 and "'999'" in output and "not a known authority" in " ".join(output.split())
    assert (reference_dir / "statistical_neighbours.csv").read_text() == before
