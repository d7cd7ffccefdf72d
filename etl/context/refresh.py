"""The annual reference refresh: population aged 0-17 and statistical neighbours from DfE's published files.

Both go through the tidy-file machinery (`tidy`, `geography`): the population file is a tidy file read by
`read_tidy`; DfE's statistical-neighbours file is a wide table (one row per authority, `SN_1..SN_n`
neighbour codes and `SN_1P..` closeness bands) read with the same decoder and code mapping. The project's
table in data/reference is rewritten (atomically; other years kept), then the database's reference
tables are refilled and every score recomputed in one write session, with the file recorded in
`context_import` for provenance. A new year's file therefore changes rates and comparators with no code change.
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from pathlib import Path

import polars as pl

from ..errors import ContextFileError
from ..reference import Reference, load_reference
from ..settings import REFERENCE_DIR, today
from ..wording import plural
from .store import PreparedFile, prepare, store_prepared
from .tidy import read_cells

POPULATION_FILE = "population_0_17.csv"
NEIGHBOURS_FILE = "statistical_neighbours.csv"
_CHILDREN = re.compile(r"0\s*(to|-)\s*17|under\s*18|aged\s*0", re.IGNORECASE)
_SN = re.compile(r"^sn_?(\d+)$", re.IGNORECASE)
_SN_BAND = re.compile(r"^sn_?(\d+)_?p$", re.IGNORECASE)


def refresh_reference(table: str, path: Path | str, db_path: Path | str, *, reference_dir: Path | None = None) -> dict:
    """Refresh `population` or `neighbours` from a published file; returns a summary dict (with `message`)."""
    path = Path(path)
    directory = Path(reference_dir or REFERENCE_DIR)
    reference = Reference.load(directory)
    if table == "population":
        prepared, rows, summary = _population(path, reference, directory)
        target, fields = directory / POPULATION_FILE, ["gss_code", "year", "population"]
    elif table == "neighbours":
        prepared, rows, summary = None, *_neighbours(path, reference, directory)
        target, fields = directory / NEIGHBOURS_FILE, ["gss_code", "rank", "neighbour_gss_code", "closeness"]
    else:
        raise ContextFileError(f"unknown reference table {table!r}: use population or neighbours")
    _write_csv_atomically(target, fields, rows)
    load_reference.cache_clear()
    summary["database"] = _apply_to_database(Path(db_path), Reference.load(directory), prepared)
    summary["table"] = str(target)
    return summary


def _population(path: Path, reference: Reference, directory: Path) -> tuple[PreparedFile, list[dict], dict]:
    prepared = prepare(path, publication="reference-population-0-17", reference=reference)
    values = prepared.mapped.values.filter((pl.col("level") == "authority") & pl.col("is_mapped"))
    indicators = prepared.tidy.indicator_names
    chosen = indicators[0] if len(indicators) == 1 else next((i for i in indicators if "population" in i.lower()), None)
    if chosen is None:
        raise ContextFileError(f"{path.name} has several indicators ({', '.join(indicators)}) and none is named population: "
                               "give the population file DfE publishes (one indicator of children aged 0 to 17)")
    values = values.filter(pl.col("indicator") == chosen)
    keys = values["filter_key"].unique().to_list()
    if len(keys) > 1:
        children = [k for k in keys if _CHILDREN.search(k)]
        if len(children) != 1:
            raise ContextFileError(f"{path.name} has several filter combinations ({'; '.join(sorted(keys)[:6])}) and not "
                                   "exactly one for children aged 0 to 17: keep only the 0-17 rows in the file")
        values = values.filter(pl.col("filter_key") == children[0])
    duplicate = values.group_by("code", "year").len().filter(pl.col("len") > 1)
    if duplicate.height:
        raise ContextFileError(f"{path.name} has more than one population for {duplicate['code'][0]} in {duplicate['year'][0]}")
    numbers = values.filter(pl.col("value").is_not_null())
    bad = numbers.filter((pl.col("value") <= 0) | (pl.col("value") != pl.col("value").round(0)))
    if bad.height:
        row = bad.row(0, named=True)
        raise ContextFileError(f"{path.name}, data row {row['source_row']}: population {row['value']} for {row['code']} "
                               "is not a positive whole number")
    new = {(c, int(y)): int(v) for c, y, v in numbers.select("code", "year", "value").iter_rows()}
    years = sorted({y for _, y in new})
    old = {(r[0], r[1]): r[2] for r in reference.population_rows()}
    merged = {**{k: v for k, v in old.items() if k[1] not in years}, **new}
    rows = [{"gss_code": c, "year": y, "population": v} for (c, y), v in sorted(merged.items())]
    latest = max(years) if years else None
    missing = sorted(a.gss_code for a in reference.expected_authorities(date(latest, 6, 1)) if (a.gss_code, latest) not in new) if latest else []
    added = sorted(set(years) - {y for _, y in old})
    summary = {
        "file": path.name, "table": POPULATION_FILE, "indicator": chosen, "years": years, "years_added": added,
        "values": len(new), "symbols_skipped": values.filter(pl.col("symbol").is_not_null()).height,
        "authorities_without_latest_year": missing, "unmapped_codes": prepared.summary.unmapped_codes,
        "message": (f"Population 0-17 from {path.name}: {len(new):,} values for {years[0] if years else '-'}-"
                    f"{years[-1] if years else '-'}" + (f", new years {', '.join(map(str, added))}" if added else ", no new year")
                    + (f"; no {latest} figure for {', '.join(missing)} (the nearest year is used)" if missing else "")),
    }
    return prepared, rows, summary


def _neighbours(path: Path, reference: Reference, directory: Path) -> tuple[list[dict], dict]:
    frame = read_cells(path.read_bytes(), path.name)
    code_column = next((c for c in ("new_la_code", "old_la_code") if c in frame.columns), None)
    ranks = {int(m.group(1)): c for c in frame.columns if (m := _SN.match(c))}
    bands = {int(m.group(1)): c for c in frame.columns if (m := _SN_BAND.match(c))}
    if code_column is None or not ranks:
        missing = [name for name, ok in (("new_la_code or old_la_code", code_column), ("SN_1, SN_2, ... (neighbour codes)", ranks)) if not ok]
        raise ContextFileError(f"{path.name} is not a DfE statistical neighbours file: it has no {' and no '.join(missing)} column")
    when = today().replace(day=1)
    resolve = _code_resolver(reference, when)
    rows, problems = [], []
    for index, record in enumerate(frame.iter_rows(named=True), start=1):
        own = resolve(record.get("new_la_code"), record.get("old_la_code"))
        if own is None:
            problems.append(f"row {index}: authority {record.get(code_column)!r} ({record.get('la_name') or '?'}) is not in the reference tables")
            continue
        for rank in sorted(ranks):
            raw = record[ranks[rank]]
            if not raw:
                continue
            neighbour = resolve(raw, raw)
            if neighbour is None or neighbour == own:
                problems.append(f"row {index}: neighbour {rank} {raw!r} of {own} is {'itself' if neighbour == own else 'not a known authority'}")
                continue
            rows.append({"gss_code": own, "rank": rank, "neighbour_gss_code": neighbour,
                         "closeness": (record.get(bands.get(rank, ""), "") or "").strip()})
    if problems:
        raise ContextFileError(f"{path.name}: {plural(len(problems), 'problem')}, nothing changed: " + "; ".join(problems[:10]))
    covered = {r["gss_code"] for r in rows}
    uncovered = sorted(a.gss_code for a in reference.expected_authorities(when) if a.gss_code not in covered)
    summary = {
        "file": path.name, "table": NEIGHBOURS_FILE, "authorities": len(covered), "rows": len(rows),
        "neighbours_per_authority": max(ranks), "authorities_without_neighbours": uncovered,
        "message": f"Statistical neighbours from {path.name}: {len(covered)} authorities, up to {max(ranks)} neighbours each"
                   + (f"; none for {', '.join(uncovered)}" if uncovered else ""),
    }
    return sorted(rows, key=lambda r: (r["gss_code"], r["rank"])), summary


def _code_resolver(reference: Reference, when: date):
    by_dfe: dict[str, list] = {}
    for a in reference.authorities.values():
        if a.dfe_code:
            by_dfe.setdefault(a.dfe_code, []).append(a)

    def resolve(gss: str | None, dfe: str | None) -> str | None:
        if gss and reference.canonical_code(gss.strip()):
            return reference.canonical_code(gss.strip())
        candidates = by_dfe.get((dfe or "").strip(), [])
        if len(candidates) > 1:
            candidates = [a for a in candidates if a.valid_in(when)]
        return candidates[0].gss_code if len(candidates) == 1 else None

    return resolve


def _write_csv_atomically(target: Path, fields: list[str], rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(partial, target)


def _apply_to_database(db_path: Path, reference: Reference, prepared: PreparedFile | None) -> str:
    """Refill the reference tables and rescore, in one write session; skipped when there is no database yet."""
    if not db_path.exists():
        return f"no database at {db_path}: the table is updated and the next load will use it"
    from ..db import rollback_quietly, sync_reference
    from ..scored_state import ensure_scored, recorded_config
    from ..write_session import write_session

    with write_session(db_path, "import-reference") as con:
        if prepared is not None:
            store_prepared(con, prepared)
        sync_reference(con, reference)
        # Forced, and recorded in meta('scored_state'), so the session's settle() does not rescore again.
        con.execute("begin transaction")
        try:
            ensure_scored(con, config=recorded_config(con), force=True)
            con.execute("commit")
        except BaseException:
            rollback_quietly(con)
            raise
    return f"{db_path}: reference tables refilled and every score recomputed"
