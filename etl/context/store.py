"""Storing tidy files in the database: provenance, idempotency by content, editions that supersede.

Each file is read and checked before the write session opens (a rejected file never reaches the
database), then every accepted file is stored in its own transaction inside one write session
(`etl.write_session`): readers see all of the run or none of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import duckdb
import polars as pl

from ..clock import utc_now
from ..db import connect, sync_reference
from ..errors import ContextFileError, DatabaseError
from ..reference import Reference, load_reference
from ..settings import sql_text
from .geography import MappedValues, map_geography
from .tidy import TidyFile, read_tidy

_YEARS_IN_NAME = re.compile(r"([-_ ]?(19|20)\d{2}(\d{2})?)+$")


def _sql(name: str) -> str:
    return sql_text(f"context/{name}.sql")


def default_publication(path: Path) -> str:
    """The file name without its extension and trailing years: children-in-need-2013-2025.csv -> children-in-need."""
    stem = path.name.split(".")[0]
    return _YEARS_IN_NAME.sub("", stem) or stem


@dataclass
class ContextImport:
    """What happened to one file (the `--json` summary)."""

    file: str
    publication: str | None
    status: str  # imported | unchanged | superseded (an older edition, stored as such) | skipped (a .meta.csv) | rejected
    indicators: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    rows: int = 0
    values: int = 0
    authorities: int = 0
    periods: list[str] = field(default_factory=list)
    unmapped_codes: list[str] = field(default_factory=list)
    indicator_source: str | None = None
    levels: dict[str, int] = field(default_factory=dict)
    skipped_levels: dict[str, int] = field(default_factory=dict)
    symbols: dict[str, int] = field(default_factory=dict)
    supersedes: list[str] = field(default_factory=list)
    sha256: str | None = None
    import_id: int | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        return {
            "file": self.file, "publication": self.publication, "indicators": self.indicators, "filters": self.filters,
            "rows": self.rows, "authorities": self.authorities, "periods": self.periods,
            "unmapped_codes": self.unmapped_codes, "status": self.status, "indicator_source": self.indicator_source,
            "values": self.values, "levels": self.levels, "skipped_levels": self.skipped_levels, "symbols": self.symbols,
            "supersedes": self.supersedes, "sha256": self.sha256, "import_id": self.import_id, "notes": self.notes,
            "error": self.error,
        }

    def describe(self) -> str:
        if self.status == "rejected":
            return f"{self.file}: rejected. {self.error}"
        if self.status == "skipped":
            return f"{self.file}: skipped ({'; '.join(self.notes)})"
        text = (f"{self.file}: {self.status} as '{self.publication}' - {self.rows:,} rows, {self.values:,} values, "
                f"{self.authorities} authorities, periods {self.periods[0] if self.periods else '-'} to "
                f"{self.periods[-1] if self.periods else '-'}; indicators ({self.indicator_source}): {', '.join(self.indicators)}")
        if self.filters:
            text += f"; filters: {', '.join(self.filters)}"
        if self.unmapped_codes:
            text += f"; codes not in the reference tables (kept, unmapped): {', '.join(self.unmapped_codes)}"
        if self.skipped_levels:
            text += "; levels not stored: " + ", ".join(f"{k} ({v} rows)" for k, v in sorted(self.skipped_levels.items()))
        if self.supersedes:
            text += f"; supersedes {', '.join(self.supersedes)}"
        return text


@dataclass
class PreparedFile:
    """One file read, checked and mapped by `prepare`, ready for `store_prepared` (nothing stored yet)."""

    tidy: TidyFile
    mapped: MappedValues
    summary: ContextImport


def prepare(path: Path, publication: str | None = None, reference: Reference | None = None) -> PreparedFile:
    """Read, check and map one file; nothing is stored. Raises ContextFileError when it cannot be imported."""
    tidy = read_tidy(path)
    mapped = map_geography(tidy.values, reference or load_reference(), tidy.indicators)
    values = mapped.values
    periods = (values.select("year", "time_period", "period_label").unique().sort("year", "time_period")["period_label"].to_list()
               if values.height else [])
    levels = dict(values.group_by("level").agg(pl.col("source_row").n_unique()).sort("level").iter_rows()) if values.height else {}
    symbols = dict(values.drop_nulls("symbol").group_by("symbol").len().sort("symbol").iter_rows()) if values.height else {}
    authorities = values.filter((pl.col("level") == "authority") & pl.col("is_mapped"))["code"].n_unique() if values.height else 0
    notes = tidy.notes + mapped.notes + ([mapped.london_rollup] if mapped.london_rollup else [])
    if not values.height:
        notes.append("no rows at the National, Regional or Local authority level: only the import is recorded")
    summary = ContextImport(
        file=path.name, publication=publication or default_publication(path), status="pending",
        indicators=tidy.indicator_names, filters=tidy.filters, rows=tidy.rows_read, values=values.height,
        authorities=authorities, periods=periods, unmapped_codes=mapped.unmapped, indicator_source=tidy.indicator_source,
        levels=levels, skipped_levels=mapped.skipped_levels, symbols=symbols, sha256=tidy.sha256, notes=notes,
    )
    return PreparedFile(tidy, mapped, summary)


def import_context_files(paths: Iterable[Path | str], db_path: Path | str, publication: str | None = None,
                         reference_dir: Path | None = None) -> list[ContextImport]:
    """Import tidy files into the database; rejected files are reported, not stored (the others still are)."""
    from ..write_session import write_session

    results: list[ContextImport] = []
    prepared: list[PreparedFile] = []
    for path in (Path(p) for p in paths):
        data_file = path.with_name(path.name[: -len(".meta.csv")] + ".csv")
        if path.name.lower().endswith(".meta.csv") and data_file.is_file():  # e.g. a shell glob of a folder
            results.append(ContextImport(file=path.name, publication=publication, status="skipped",
                                         notes=[f"a metadata file: it is read beside {data_file.name}"]))
            continue
        try:
            item = prepare(path, publication)
        except ContextFileError as error:
            results.append(ContextImport(file=path.name, publication=publication, status="rejected", error=str(error)))
            continue
        prepared.append(item)
        results.append(item.summary)
    if not prepared:
        return results
    known = _already_stored(Path(db_path), [p.tidy.sha256 for p in prepared])
    if all(p.tidy.sha256 in known for p in prepared):  # nothing new: do not rewrite the database
        for item in prepared:
            _mark_unchanged(item.summary, known[item.tidy.sha256])
        return results
    with write_session(db_path, "import-context") as con:
        for item in prepared:
            store_prepared(con, item)
        # The reference tables the context measures join to (as every load refills them).
        sync_reference(con, Reference.load(reference_dir) if reference_dir else None)
    return results


def _already_stored(db_path: Path, digests: list[str]) -> dict[str, tuple]:
    """sha256 -> the stored import, read from the live file without writing it (empty if no database yet)."""
    if not db_path.exists():
        return {}
    try:
        con = connect(db_path, read_only=True)
    except DatabaseError:
        return {}
    try:
        if not con.execute(_sql("import_exists")).fetchone()[0]:
            return {}
        found = {}
        for digest in digests:
            row = con.execute(_sql("known_import"), {"sha256": digest}).fetchone()
            if row:
                found[digest] = row
        return found
    finally:
        con.close()


def _mark_unchanged(summary: ContextImport, row: tuple) -> None:
    import_id, publication, file_name, superseded_by, _summary_json = row
    summary.status = "unchanged"
    summary.import_id = import_id
    summary.publication = publication
    summary.notes.append(f"already imported as {file_name} (import {import_id})"
                         + (f"; superseded by import {superseded_by}" if superseded_by else ""))


def _edition_key(period: str | None) -> tuple[int, str]:
    return (int(period[:4]), period) if period and period[:4].isdigit() else (-1, "")


def store_prepared(con: duckdb.DuckDBPyConnection, item: PreparedFile) -> None:
    """Store a prepared file in an open write session (`import_context_files`, the reference refresh):
    skipped when the same bytes are already stored, a newer edition of its publication staying current."""
    summary = item.summary
    known = con.execute(_sql("known_import"), {"sha256": item.tidy.sha256}).fetchone()
    if known:
        _mark_unchanged(summary, known)
        return
    values = item.mapped.values
    latest = values.sort("year", "time_period")["time_period"][-1] if values.height else None
    now = utc_now()
    con.execute("begin transaction")
    try:
        current = con.execute(_sql("current_editions"), {"publication": summary.publication}).fetchall()
        newer = [row for row in current if _edition_key(row[2]) > _edition_key(latest)]
        superseded_by = newer[-1][0] if newer else None
        summary.status = "superseded" if newer else "imported"
        if newer:
            summary.notes.append(f"an older edition than {newer[-1][1]}: stored, but {newer[-1][1]} stays current")
        else:
            summary.supersedes = [row[1] for row in current]
        summary_json = json.dumps(summary.to_dict(), default=str)
        import_id = con.execute(_sql("insert_import"), {
            "publication": summary.publication, "file_name": summary.file, "sha256": item.tidy.sha256,
            "size_bytes": item.tidy.size_bytes, "meta_file_name": item.tidy.meta_path.name if item.tidy.meta_path else None,
            "meta_sha256": item.tidy.meta_sha256, "imported_at": now, "latest_period": latest,
            "superseded_by": superseded_by, "indicator_source": item.tidy.indicator_source,
            "rows_read": item.tidy.rows_read, "values_stored": values.height, "summary_json": summary_json,
        }).fetchone()[0]
        summary.import_id = import_id
        infos = item.tidy.indicators
        con.execute(_sql("insert_indicators"), {
            "import_id": import_id, "indicator": [i.name for i in infos], "label": [i.label for i in infos],
            "unit": [i.unit for i in infos], "decimal_places": [i.decimal_places for i in infos],
            "source": [i.source for i in infos],
        })
        if values.height:
            con.register("context_incoming", values.to_arrow())
            try:
                con.execute(_sql("insert_values"), {"import_id": import_id, "publication": summary.publication})
            finally:
                con.unregister("context_incoming")
        if not newer and current:
            con.execute(_sql("supersede"), {"import_id": import_id, "now": now, "older": [row[0] for row in current]})
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        summary.status = "failed"
        raise
