"""Reader of DfE "explore education statistics" tidy CSV files: bytes -> typed long rows, no database.

A tidy file has identifier columns (time, geography), then filter columns, then indicator columns
(FIELD-NOTES, "DfE open data"). Nothing here knows any particular file: indicators come from a sibling
`<name>.meta.csv` when there is one (col_type Indicator), otherwise they are inferred, and the result
says which. Indicator cells are numbers or the GSS/DfE symbols in `SYMBOLS`, kept as symbols (never 0).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..errors import ContextFileError, ReturnFileError
from ..readers import decode_text

# The identifying columns every tidy file has (EES data standards); a file without them is not tidy.
REQUIRED_COLUMNS = ("time_period", "time_identifier", "geographic_level")
# Geographic identifier columns of every level EES knows (code, name and secondary code columns):
# never filters or indicators, whatever their values look like.
GEOGRAPHY_COLUMNS = frozenset({
    "country_code", "country_name", "region_code", "region_name", "old_la_code", "new_la_code", "la_name",
    "lad_code", "lad_name", "rsc_region_lead_name", "pcon_code", "pcon_name", "lsip_code", "lsip_name",
    "local_enterprise_partnership_code", "local_enterprise_partnership_name", "english_devolved_area_code",
    "english_devolved_area_name", "opportunity_area_code", "opportunity_area_name", "ward_code", "ward_name",
    "trust_id", "trust_name", "sponsor_id", "sponsor_name", "school_urn", "school_laestab", "school_name",
    "provider_ukprn", "provider_name", "institution_id", "institution_name", "planning_area_code",
    "planning_area_name", "pfa_code", "pfa_name",
})
IDENTIFIER_COLUMNS = frozenset(REQUIRED_COLUMNS) | GEOGRAPHY_COLUMNS
STORED_LEVELS = ("National", "Regional", "Local authority")  # other levels are counted, not stored
# GSS symbols (current: c, x, z, low; u for low reliability) and the legacy ones still found in older files.
SYMBOLS: dict[str, str] = {
    "c": "confidential: suppressed to protect individuals",
    "x": "not available",
    "z": "not applicable",
    "u": "low reliability",
    "low": "positive but rounds to zero",
    "k": "positive but rounds to zero (older symbol)",
    "~": "positive but rounds to zero (older symbol)",
    ":": "not available (older symbol)",
}
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_YEAR_TYPES = {"calendar year", "reporting year", "financial year", "academic year", "tax year", "spending year"}
_TOTAL_VALUES = {"total", "all", "all children", "all pupils", "all ages"}
MAX_ERRORS_SHOWN = 10


@dataclass
class IndicatorInfo:
    name: str
    label: str | None = None
    unit: str | None = None
    decimal_places: int | None = None
    source: str = "inferred"  # meta | inferred


@dataclass
class TidyFile:
    """One tidy file read: its columns as classified, and its values one row per cell (`values`).

    `values` columns: source_row, geographic_level, country_code, region_code, old_la_code, new_la_code,
    la_name, region_name, time_period, time_identifier, year, period_label, filters (JSON), filter_key,
    is_total, indicator, value (Float64, null for a symbol), symbol (null for a number).
    """

    path: Path
    sha256: str
    size_bytes: int
    filters: list[str]
    indicators: list[IndicatorInfo]
    indicator_source: str
    rows_read: int
    values: pl.DataFrame
    meta_path: Path | None = None
    meta_sha256: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def indicator_names(self) -> list[str]:
        return [i.name for i in self.indicators]


def meta_path_for(path: Path) -> Path:
    """`x.csv` -> `x.meta.csv` (DfE publishes the metadata beside the data file)."""
    return path.with_name(path.name[: -len(path.suffix)] + ".meta.csv" if path.suffix else path.name + ".meta.csv")


def read_tidy(path: Path | str, data: bytes | None = None) -> TidyFile:
    """Read and check one tidy file (and its .meta.csv when present); raise ContextFileError when it is not tidy."""
    import hashlib

    path = Path(path)
    if data is None:
        if not path.is_file():
            raise ContextFileError(f"no such file: {path}. Check the path and run again")
        data = path.read_bytes()
    frame = read_cells(data, path.name)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ContextFileError(
            f"{path.name} is not a DfE tidy data file: the identifying column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing "
            f"(it has {', '.join(frame.columns[:12])}{', ...' if len(frame.columns) > 12 else ''}). Download the file "
            "from explore education statistics as its open data CSV (time_period, time_identifier, geographic_level, "
            "then geography, filter and indicator columns), or check the header row is the first line"
        )
    if frame.height == 0:
        raise ContextFileError(f"{path.name} has a header but no data rows: nothing to import")
    # The levels the project stores, whatever their capitalisation ("Local Authority" in some older files).
    spelled = {name.lower(): name for name in STORED_LEVELS}
    frame = frame.with_columns(
        pl.col("geographic_level").str.to_lowercase().replace_strict(spelled, default=pl.col("geographic_level")))
    meta_path = meta_path_for(path)
    meta = _read_meta(meta_path) if meta_path.is_file() else None
    filters, indicators, source, notes = _classify(frame, meta, path.name)
    _check_geography_columns(frame, path.name)
    periods = _periods(frame, path.name)
    values = _long_values(frame.with_row_index("source_row", offset=1), periods, filters, indicators, path.name)
    return TidyFile(
        path=path, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), filters=filters,
        indicators=indicators, indicator_source=source, rows_read=frame.height, values=values,
        meta_path=meta_path if meta is not None else None,
        meta_sha256=hashlib.sha256(meta_path.read_bytes()).hexdigest() if meta is not None else None, notes=notes,
    )


def read_cells(data: bytes, name: str) -> pl.DataFrame:
    """CSV bytes (any encoding the returns accept) as a frame of text cells, trimmed, empty cells null;
    also the reference refresh's reader for DfE's wide statistical-neighbours table."""
    try:
        text, _encoding, _repairs = decode_text(data)
    except ReturnFileError as exc:
        raise ContextFileError(f"{name}: {exc}") from exc
    _check_not_cut_short(text, name)
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), infer_schema=False, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError as exc:
        raise ContextFileError(f"{name} cannot be read as CSV ({str(exc).splitlines()[0]}); save it as CSV UTF-8") from exc
    renamed = {c: c.strip() for c in frame.columns}
    if len(set(renamed.values())) != len(renamed):
        raise ContextFileError(f"{name} has two columns with the same name: rename one")
    frame = frame.rename(renamed)
    # Trim every cell; an empty cell is null.
    return frame.with_columns(pl.all().str.strip_chars().replace("", None))


def _check_not_cut_short(text: str, name: str) -> None:
    """A download cut off mid-line ends without a line break, in a last line with fewer cells than the
    header; read as it is, its cells would be stored as if they were published. (A cut inside the last
    cell leaves the count of cells whole, and cannot be told from a file written without a final break.)"""
    if not text or text.endswith(("\n", "\r")):
        return
    first_break = re.search(r"\r\n|\r|\n", text)
    if first_break is None:
        return  # one line: a header alone, which read_tidy refuses for having no rows
    last_break = max(text.rfind("\n"), text.rfind("\r"))  # not splitlines(): files run to millions of rows
    header, last = (next(csv.reader([line]), []) for line in (text[:first_break.start()], text[last_break + 1:]))
    if len(last) < len(header):
        raise ContextFileError(
            f"{name} looks cut short: its last line ends without a line break and has {len(last)} of the "
            f"{len(header)} columns. Download the file again (nothing was imported)"
        )


def _read_meta(path: Path) -> pl.DataFrame:
    meta = read_cells(path.read_bytes(), path.name)
    for column in ("col_name", "col_type"):
        if column not in meta.columns:
            raise ContextFileError(
                f"{path.name} is not a DfE metadata file: it has no {column} column. Remove it, or fix it to list "
                "col_name, col_type (Filter or Indicator), label, indicator_unit, indicator_dp"
            )
    return meta


# At least this share of a column's cells must be numbers or symbols for it to be read as an indicator
# whose other cells are mistakes (a stray '..' or 'n/a'): the import then names those cells instead of
# quietly taking the column, and every indicator before it, for filters.
_MOSTLY_VALUES = 0.9


def _is_value_column(column: pl.Series) -> bool:
    """An indicator by its cells: numbers or symbols (all symbols: an indicator suppressed throughout), at
    least `_MOSTLY_VALUES` of them, and no cell that names a total ("Total", "All"), which only filters hold."""
    present = column.drop_nulls()
    lowered = present.str.to_lowercase()
    if present.is_empty() or bool(lowered.is_in(list(_TOTAL_VALUES)).any()):
        return False
    numeric = present.str.replace_all(",", "").str.contains(_NUMBER)
    values = numeric | lowered.is_in(list(SYMBOLS))
    return bool(values.mean() >= _MOSTLY_VALUES) and (bool(numeric.any()) or bool(values.all()))


def _classify(frame: pl.DataFrame, meta: pl.DataFrame | None, name: str) -> tuple[list[str], list[IndicatorInfo], str, list[str]]:
    """Filters and indicators: from the metadata when given, else inferred; columns it does not list are inferred."""
    notes: list[str] = []
    empty = [c for c in frame.columns if c not in IDENTIFIER_COLUMNS and frame[c].null_count() == frame.height]
    if empty:
        notes.append(f"empty columns ignored: {', '.join(repr(c) for c in empty)}")
    candidates = [c for c in frame.columns if c not in IDENTIFIER_COLUMNS and c not in empty]
    declared: dict[str, dict] = {}
    if meta is not None:
        for row in meta.iter_rows(named=True):
            if row["col_name"]:
                declared[row["col_name"]] = row
        absent = sorted(set(declared) - set(frame.columns))
        if absent:
            notes.append(f"the metadata lists columns the file does not have: {', '.join(absent)}")
    filters: list[str] = []
    indicators: list[IndicatorInfo] = []
    undeclared = [c for c in candidates if c not in declared]
    for column in candidates:
        if column not in declared:
            continue
        kind = (declared[column]["col_type"] or "").strip().lower()
        if kind == "indicator":
            row = declared[column]
            dp = row.get("indicator_dp")
            indicators.append(IndicatorInfo(
                column, label=row.get("label"), unit=row.get("indicator_unit") or "",
                decimal_places=int(dp) if dp and dp.isdigit() else None, source="meta"))
        elif kind == "filter":
            filters.append(column)
        else:
            raise ContextFileError(
                f"{name}: its metadata gives column {column} the col_type {declared[column]['col_type']!r}; "
                "col_type must be Filter or Indicator"
            )
    # Inference (for a file without metadata, or columns the metadata leaves out). DfE puts filters before
    # indicators, so a numeric-looking column before the last text column is a filter (an age, a year group).
    value_like = {c: _is_value_column(frame[c]) for c in undeclared}
    text_positions = [i for i, c in enumerate(undeclared) if not value_like[c]]
    last_text = max(text_positions, default=-1)
    for i, column in enumerate(undeclared):
        if value_like[column] and i > last_text:
            indicators.append(IndicatorInfo(column))
        else:
            filters.append(column)
    order = {c: i for i, c in enumerate(frame.columns)}
    filters.sort(key=order.__getitem__)
    indicators.sort(key=lambda info: order[info.name])
    if not indicators:
        raise ContextFileError(
            f"{name} has no indicator columns: no column besides the identifiers and filters holds numbers "
            "(or symbols such as c, x, z). Add a .meta.csv beside it that marks the indicator columns"
        )
    sources = {info.source for info in indicators}
    source = "meta" if sources == {"meta"} else "inferred" if sources == {"inferred"} else "meta+inferred"
    return filters, indicators, source, notes


def _check_geography_columns(frame: pl.DataFrame, name: str) -> None:
    levels = set(frame["geographic_level"].drop_nulls().unique().to_list())
    needs = {"National": ["country_code"], "Regional": ["region_code"], "Local authority": ["new_la_code|old_la_code"]}
    missing = []
    for level, columns in needs.items():
        if level in levels:
            for column in columns:
                if not any(option in frame.columns for option in column.split("|")):
                    missing.append(f"{column.replace('|', ' or ')} (for its {level} rows)")
    if missing:
        raise ContextFileError(f"{name} is missing identifying columns: {', '.join(missing)}. Add them as in the DfE open data format")
    if frame["geographic_level"].null_count():
        row = frame.with_row_index("r", offset=1).filter(pl.col("geographic_level").is_null())["r"][0]
        raise ContextFileError(f"{name}, data row {row}: geographic_level is empty; every row needs its level")


def _periods(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """time_period, time_identifier -> year (first year), period_label; bad periods are listed with their rows."""
    table = frame.select("time_period", "time_identifier").unique()
    rows = []
    bad = []
    for period, identifier in table.iter_rows():
        text = period or ""
        identifier = identifier or ""
        if re.fullmatch(r"\d{4}", text):
            year, label = int(text), text
        elif re.fullmatch(r"\d{6}", text) and (int(text[:4]) + 1) % 100 == int(text[4:]):
            year, label = int(text[:4]), f"{text[:4]}/{text[4:]}"
        else:
            bad.append(f"{period!r} ({identifier})")
            continue
        if identifier and identifier.lower() not in _YEAR_TYPES:
            label = f"{identifier} {label}"
        rows.append((period, identifier or None, year, label))
    if bad:
        raise ContextFileError(
            f"{name}: time_period must be a year (2025) or two consecutive years (202425); found {', '.join(sorted(bad)[:MAX_ERRORS_SHOWN])}"
        )
    schema = {"time_period": pl.String, "time_identifier": pl.String, "year": pl.Int32, "period_label": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _long_values(frame: pl.DataFrame, periods: pl.DataFrame, filters: list[str], indicators: list[IndicatorInfo], name: str) -> pl.DataFrame:
    keep = ["source_row", "geographic_level", "time_period", "time_identifier"] + [
        c for c in ("country_code", "region_code", "region_name", "old_la_code", "new_la_code", "la_name") if c in frame.columns
    ]
    base = frame.select(*keep, *filters, *[i.name for i in indicators])
    for column in ("country_code", "region_code", "region_name", "old_la_code", "new_la_code", "la_name"):
        if column not in base.columns:
            base = base.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    combos = base.select(filters).unique().height if filters else 1
    if filters:
        filter_json = pl.struct(filters).struct.json_encode()  # vectorised: files can have millions of rows
        filter_key = pl.concat_str([pl.lit(f"{f}=") + pl.col(f).fill_null("") for f in filters], separator="; ")
        all_total = pl.all_horizontal([pl.col(f).fill_null("").str.to_lowercase().is_in(list(_TOTAL_VALUES)) for f in filters])
        base = base.with_columns(filter_json.alias("filters"), filter_key.alias("filter_key"),
                                 (pl.lit(combos == 1) | all_total).alias("is_total"))
    else:
        base = base.with_columns(pl.lit("{}").alias("filters"), pl.lit("").alias("filter_key"), pl.lit(True).alias("is_total"))
    long = base.unpivot(index=[c for c in base.columns if c not in {i.name for i in indicators}],
                        on=[i.name for i in indicators], variable_name="indicator", value_name="raw")
    long = long.filter(pl.col("raw").is_not_null())  # a blank cell has nothing to store
    cleaned = pl.col("raw").str.replace_all(",", "")
    long = long.with_columns(
        pl.when(cleaned.str.contains(_NUMBER)).then(cleaned.cast(pl.Float64, strict=False)).alias("value"),
        pl.when(pl.col("raw").str.to_lowercase().is_in(list(SYMBOLS))).then(pl.col("raw").str.to_lowercase()).alias("symbol"),
    )
    bad = long.filter(pl.col("value").is_null() & pl.col("symbol").is_null())
    if bad.height:
        shown = "; ".join(f"row {r}, column {c}: {v!r}" for r, c, v in bad.select("source_row", "indicator", "raw").head(MAX_ERRORS_SHOWN).iter_rows())
        raise ContextFileError(
            f"{name}: {bad.height} indicator cell{'s are' if bad.height > 1 else ' is'} neither a number nor a DfE symbol "
            f"({', '.join(SYMBOLS)}): {shown}. Correct the cells, or mark the column as a Filter in the .meta.csv"
        )
    return long.join(periods, on=["time_period", "time_identifier"], how="left", nulls_equal=True).drop("raw", *filters)
