"""Validating one return against the standard: every issue found (errors reject, queries flag).

`validate_file(path)` and `validate_bytes(data, filename)` never raise for a bad file: every problem
becomes an Issue whose message names the file, row, column and value, and whose hint says how to fix
it. Row numbers count data rows from 1 (the header is row 0). The rules, their ids and the alias
tables are in etl/spec/standard.toml.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from .errors import ReturnFileError, ReturnFileTooLargeError
from .findings import SHOWN_ROWS, rows_text
from .periods import format_period, month_start
from .readers import FormulaCell, RawTable, detect_format, read_table
from .reference import Reference, load_reference
from .returns import CountRow, Issue, ValidationResult, file_label
from .settings import Limits
from .settings import today as settings_today
from .spec import Standard, load_standard, normalise_label
from .wording import plural

# ASCII digits only: \d would take Arabic-Indic or full-width digits, which int() reads as numbers.
_WHOLE = re.compile(r"[0-9]{1,9}")  # 9 digits: far above any real count, and safe in a 32-bit column
_HEADER_SEARCH = 10  # non-blank records searched for the header (title rows above it are skipped)
_SHOWN_VALUE = 80  # longer values are cut in messages
_SHOWN_TEXT = 400  # and no message text is longer than this, whatever a file holds


# --- authority codes --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _authority_index(reference: Reference) -> dict[str, tuple[str, str]]:
    """Every accepted spelling of an authority -> (canonical GSS code, how it was spelt).

    Built once per Reference. Exact GSS codes first; then documented alias codes, DfE three-digit
    codes and names (each kept only when it names one authority, so nothing is guessed).
    """
    index: dict[str, tuple[str, str]] = {}
    candidates: dict[str, set[tuple[str, str]]] = {}
    for authority in reference.authorities.values():
        for alias in authority.alias_codes:
            candidates.setdefault(alias.upper(), set()).add((authority.gss_code, f"documented alias code of {authority.name}"))
        if authority.dfe_code:
            candidates.setdefault(authority.dfe_code.strip(), set()).add((authority.gss_code, f"DfE code of {authority.name}"))
        candidates.setdefault("name:" + normalise_label(authority.name), set()).add((authority.gss_code, "authority name"))
    for key, targets in candidates.items():
        if len({code for code, _ in targets}) == 1:
            index[key] = next(iter(targets))
    for code, authority in reference.authorities.items():
        index[code.upper()] = (code, "GSS code in lower case")
    return index


def resolve_authority(reference: Reference, raw: str) -> tuple[str, str | None] | None:
    """(canonical code, repair description or None when already canonical), or None if unknown."""
    text = raw.strip()
    if text in reference.authorities:
        return text, None
    index = _authority_index(reference)
    found = index.get(text.upper()) or index.get("name:" + normalise_label(text))
    if found is None:
        return None
    return found[0], found[1]


# --- memoised lookups of the standard -----------------------------------------------------------------

_MISSING = object()
_MEMO_LIMIT = 20_000  # distinct raw values remembered per lookup (a crafted file cannot grow it further)


class _Lookups:
    """The standard's lookups memoised by raw text: the same labels repeat on every row of every return.

    Each is a pure function of its text (and the standard), so a memo answers exactly what the standard
    would; the normalising and regular expressions run once per distinct value, not once per row.
    """

    def __init__(self, standard: Standard) -> None:
        self.standard = standard
        self.codes = {code: frozenset(section.category_codes) for code, section in standard.sections.items()}
        self._sections: dict[str, object] = {}
        self._periods: dict[str, object] = {}
        self._categories: dict[tuple[str, str], object] = {}

    def section(self, raw: str) -> str | None:
        found = self._sections.get(raw, _MISSING)
        if found is _MISSING:
            found = self.standard.resolve_section(raw)
            if len(self._sections) < _MEMO_LIMIT:
                self._sections[raw] = found
        return found  # type: ignore[return-value]

    def period(self, raw: str):  # noqa: ANN201 - (month, PeriodFormat) or None, as Standard.parse_period
        found = self._periods.get(raw, _MISSING)
        if found is _MISSING:
            found = self.standard.parse_period(raw)
            if len(self._periods) < _MEMO_LIMIT:
                self._periods[raw] = found
        return found

    def category(self, section: str, raw: str) -> str | None:
        key = (section, raw)
        found = self._categories.get(key, _MISSING)
        if found is _MISSING:
            found = self.standard.resolve_category(section, raw)
            if len(self._categories) < _MEMO_LIMIT:
                self._categories[key] = found
        return found  # type: ignore[return-value]


_LOOKUPS: dict[int, _Lookups] = {}


def _lookups(standard: Standard) -> _Lookups:
    """The memo of one Standard object (the standard is loaded once per process; the memo keeps it alive,
    so its id is never reused by another object)."""
    found = _LOOKUPS.get(id(standard))
    if found is None or found.standard is not standard:
        found = _LOOKUPS[id(standard)] = _Lookups(standard)
    return found


# --- collecting issues ------------------------------------------------------------------------------


def _shown(value: str | None) -> str | None:
    if value is None:
        return None
    return value if len(value) <= _SHOWN_VALUE else value[: _SHOWN_VALUE - 1] + "…"


@dataclass
class _Collector:
    """Builds Issues with a uniform message: '<file>, row N, column 'c', value 'v': what is wrong.'"""

    file: str
    standard: Standard
    issues: list[Issue] = field(default_factory=list)
    repeated: dict[int, list[int]] = field(default_factory=dict)  # issue index -> rows with the same value

    def add(self, rule_id: str, row: int | None, column: str | None, value: str | None, text: str, hint: str | None = None,
            *, cell: str | None = None) -> None:
        rule = self.standard.rule(rule_id)
        value, column = _shown(value), _shown(column)  # an unknown column is named by what its header says
        text = text if len(text) <= _SHOWN_TEXT else text[: _SHOWN_TEXT - 1] + "…"
        where = [self.file, f"row {row}" if row is not None else "whole file"]
        if column is not None:
            where.append(f"column '{column}'")
        if cell is not None:
            where.append(f"cell {cell}")
        if value is not None:
            where.append(f"value '{value}'")
        message = f"{', '.join(where)}: {text}"
        self.issues.append(Issue(rule_id, rule.severity, row, column, value, message, hint or rule.hint, text))  # type: ignore[arg-type]


@dataclass
class _Row:
    row: int
    authority: str
    period: str
    section: str
    category: str
    count: str
    formulas: dict[str, FormulaCell] = field(default_factory=dict)  # column -> the formula in that cell

    def unreadable(self, column: str) -> bool:
        """The cell is a formula whose result was never saved (E122 says so; no other rule repeats it)."""
        if not self.formulas:
            return False
        formula = self.formulas.get(column)
        return formula is not None and not formula.saved


@dataclass
class _State:
    """What the row pass learns, for the file-level checks."""

    authorities: dict[str, list[int]] = field(default_factory=dict)  # canonical code -> rows
    unknown_authorities: dict[str, list[int]] = field(default_factory=dict)  # raw value -> rows
    periods: dict[date, list[int]] = field(default_factory=dict)
    period_text: dict[date, str] = field(default_factory=dict)
    counts: dict[tuple[str, str], CountRow] = field(default_factory=dict)
    sections_seen: dict[str, int] = field(default_factory=dict)  # section -> first row
    rows: list[CountRow] = field(default_factory=list)
    seen_repairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # repairs reported once per file
    sections_named: set[str] = field(default_factory=set)  # sections with any row, even one with errors
    categories_named: set[tuple[str, str]] = field(default_factory=set)  # (section, category) of rows read or in error
    sections_in_error: set[str] = field(default_factory=set)  # sections with a row whose category or count is in error
    counts_filled: bool = True  # False when no row has a count at all (the template sent back unfilled)
    lookups: _Lookups | None = None  # the standard's memoised lookups


# --- entry points -----------------------------------------------------------------------------------


def validate_file(path: Path, *, reference: Reference | None = None, today: date | None = None, limits: Limits | None = None) -> ValidationResult:
    """Validate a return file on disk; its size is checked before any byte is read."""
    path = Path(path)
    limits = limits or Limits()
    label = file_label(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return _unread(label, 0, "E101", f"the file cannot be opened ({exc.strerror or exc})", None)
    if not path.is_file():
        return _unread(label, 0, "E101", "this is not a file (it is a folder or a device)", None)
    if size > limits.max_file_bytes:
        return _unread(label, size, "E119", f"the file is {size:,} bytes, over the limit of {limits.max_file_bytes:,}", str(size))
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unread(label, size, "E101", f"the file cannot be read ({exc.strerror or exc})", None)
    return validate_bytes(data, label, reference=reference, today=today, limits=limits)


def validate_bytes(data: bytes, filename: str, *, reference: Reference | None = None, today: date | None = None, limits: Limits | None = None) -> ValidationResult:
    """Validate a return held in memory (the dashboard's upload page); nothing is stored."""
    limits = limits or Limits()
    standard = load_standard()
    reference = reference or load_reference()
    today = today or settings_today()
    result = ValidationResult(
        file=filename, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
        file_format=_format_guess(data, filename), encoding=None, authority_code=None, period=None,
    )
    issues = _Collector(filename, standard)
    try:
        _validate(data, result, issues, standard, reference, today, limits)
    except Exception as exc:  # noqa: BLE001 - a bad file must never crash a caller; say what happened
        issues.add("E101", None, None, None, f"the file could not be checked ({type(exc).__name__}: {exc})")
    result.issues = _ordered(issues.issues)
    return result


def _unread(name: str, size: int, rule_id: str, text: str, value: str | None, sha256: str = "") -> ValidationResult:
    issues = _Collector(name, load_standard())
    issues.add(rule_id, None, None, value, text)
    fmt = "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "csv"
    return ValidationResult(name, sha256, size, fmt, None, None, None, issues.issues)


def refuse_unread(path: Path, sha256: str, why: str) -> ValidationResult:
    """The result for a file the loader will not read (E101, `why` saying so), as validate_file gives it."""
    path = Path(path)
    size = path.stat().st_size if path.is_file() else 0
    return _unread(file_label(path), size, "E101", why, None, sha256)


def _format_guess(data: bytes, filename: str) -> str:
    try:
        return detect_format(data, filename)
    except ReturnFileError:
        return "xlsx" if filename.lower().endswith((".xlsx", ".xlsm", ".xls")) else "csv"


def _ordered(issues: list[Issue]) -> list[Issue]:
    """Errors first, then by row (file-level first), then rule id: the order a person fixes them in."""
    return sorted(issues, key=lambda i: (i.severity != "error", -1 if i.row is None else i.row, i.rule))


# --- the checks -------------------------------------------------------------------------------------


def _validate(data: bytes, result: ValidationResult, issues: _Collector, standard: Standard, reference: Reference, today: date, limits: Limits) -> None:
    if len(data) > limits.max_file_bytes:
        issues.add("E119", None, None, str(len(data)), f"the file is {len(data):,} bytes, over the limit of {limits.max_file_bytes:,}")
        return
    try:
        table = read_table(data, result.file, max_records=limits.max_rows + _HEADER_SEARCH + 1, max_uncompressed_bytes=limits.max_xlsx_uncompressed_bytes)
    except ReturnFileTooLargeError as exc:
        issues.add("E119", None, None, None, str(exc))
        return
    except ReturnFileError as exc:
        issues.add("E101", None, None, None, str(exc))
        return
    result.file_format, result.encoding = table.file_format, table.encoding
    for rule_id, detail in table.repairs:
        issues.add(rule_id, None, None, table.encoding if rule_id == "Q206" else None, detail)
    parsed = _header_and_rows(table, issues, standard, limits)
    if parsed is None:
        return
    rows, known = parsed
    content_known = {"section", "category", "count"} <= known
    state = _State(counts_filled="count" not in known or any(row.count or "count" in row.formulas for row in rows),
                   lookups=_lookups(standard))
    for row in rows:
        _check_row(row, state, issues, standard, reference, known)
    _mention_repeats(issues)
    _check_file(state, issues, standard, reference, today, result, content_known)
    result.rows = state.rows


def _find_header(records: list[list[str]], standard: Standard) -> int | None:
    """Index of the header record: the first non-blank one naming 3+ standard columns, else the first non-blank."""
    non_blank = [i for i, record in enumerate(records) if any(cell.strip() for cell in record)]
    if not non_blank:
        return None
    for index in non_blank[:_HEADER_SEARCH]:
        if sum(1 for cell in records[index] if standard.resolve_column(cell)) >= 3:
            return index
    return non_blank[0]


def _headerless(record: list[str], standard: Standard) -> bool:
    """The record names no columns but reads as a return row in the standard's order (period, then section)."""
    if len(record) < len(standard.column_names) or sum(1 for cell in record if standard.resolve_column(cell)) >= 3:
        return False
    return standard.parse_period(record[1]) is not None and standard.resolve_section(record[2]) is not None


def _map_header(header: list[str], issues: _Collector, standard: Standard) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Canonical column -> position, and (column, position) of each second column for the same name.

    Repaired names raise Q203, unknown ones Q211; what a second column costs depends on its values
    (`_check_second_columns`).
    """
    positions: dict[str, int] = {}
    seconds: list[tuple[str, int]] = []
    for position, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        column = standard.resolve_column(name)
        if column is None:
            issues.add("Q211", 0, name, name, f"the column '{_shown(name)}' is not in the standard and was ignored")
        elif column in positions:
            seconds.append((column, position))
        else:
            positions[column] = position
            if raw != column:
                issues.add("Q203", 0, name, raw, f"the header '{_shown(raw)}' was read as '{column}'", f"Name the column exactly '{column}'.")
    return positions, seconds


def _check_second_columns(records: list[list[str]], header_index: int, positions: dict[str, int],
                          seconds: list[tuple[str, int]], issues: _Collector) -> None:
    """A column named twice: ignored (Q211) when both copies agree on every row, E123 on each row where
    they differ (which of two different counts is the return's cannot be known)."""
    header = records[header_index]
    for column, second in seconds:
        first = positions[column]
        differ = []
        for offset, record in enumerate(records[header_index + 1:], start=1):
            one, other = (record[p].strip() if p < len(record) else "" for p in (first, second))
            if one != other:
                differ.append((offset, one, other))
        named = f"column {first + 1} '{_shown(header[first].strip())}' and column {second + 1} '{_shown(header[second].strip())}'"
        if not differ:
            issues.add("Q211", 0, header[second].strip(), header[second].strip(),
                       f"a second column for '{column}' ({named}) holds the same values and was ignored")
        for offset, one, other in differ:
            issues.add("E123", offset, column, other,
                       f"the header has two columns for '{column}' ({named}), and on this row they differ: "
                       f"'{_shown(one)}' and '{_shown(other)}'")


def _is_spare_transfer(cells: dict[str, str], formulas: dict[str, FormulaCell], standard: Standard, lookups: _Lookups) -> bool:
    """A template's unused transfer row: a transfer section, no counterparty, and a count of 0 or nothing.

    People type 0 down the whole count column to "complete" the form; such a row reports no transfer,
    so it is ignored like a blank row rather than rejected for its missing counterparty.
    """
    section = lookups.section(cells.get("section", ""))
    if section is None or standard.sections[section].kind != "transfer":
        return False
    if cells.get("category") or "category" in formulas or "count" in formulas:
        return False
    count = cells.get("count", "")
    return count == "" or (_WHOLE.fullmatch(count) is not None and int(count) == 0)


def _header_and_rows(table: RawTable, issues: _Collector, standard: Standard, limits: Limits) -> tuple[list[_Row], set[str]] | None:
    """The data rows and the columns the header names (rows are still checked for the known columns)."""
    records = table.records
    header_index = _find_header(records, standard)
    if header_index is None:
        issues.add("E102", None, None, None, "the file is empty: it has no header and no data rows")
        return None
    skipped = sum(1 for record in records[:header_index] if any(cell.strip() for cell in record))
    if skipped:
        issues.add("Q203", 0, None, None, f"the header was found on line {header_index + 1}; {plural(skipped, 'line')} above it were ignored",
                   "Start the file with the header row; remove titles and notes above it.")
    if _headerless(records[header_index], standard):
        # The first line is already a row of the return: read every line in the standard's column order.
        issues.add("E103", 0, None, None, "the file has no header row: its first line already holds data",
                   f"Add the header row {','.join(standard.column_names)} as the first line of the file.")
        positions = {column: position for position, column in enumerate(standard.column_names)}
        header_index -= 1
    else:
        positions, seconds = _map_header(records[header_index], issues, standard)
        _check_second_columns(records, header_index, positions, seconds, issues)
    for column in standard.column_names:
        if column not in positions:
            aliases = ", ".join(f"'{a}'" for a in standard.columns[standard.column_names.index(column)].aliases[:4])
            issues.add("E103", 0, column, None, f"the required column '{column}' is missing from the header",
                       f"Add a column named '{column}' (also accepted: {aliases}).")
    # A column the header does not name cannot be checked (E103 says what to add), but every column it
    # does name still is, on every row: a wrong header must not hide the rows' own errors.
    both_known = "category" in positions and "count" in positions
    rows: list[_Row] = []
    placed = list(positions.items())
    lookups = _lookups(standard)
    all_formulas = table.formulas
    for offset, record in enumerate(records[header_index + 1:], start=1):
        index = header_index + offset
        width = len(record)
        cells = {column: (record[p].strip() if p < width else "") for column, p in placed}
        formulas = {column: all_formulas[(index, p)] for column, p in placed if (index, p) in all_formulas} if all_formulas else {}
        if not any(cell.strip() for cell in record) and not formulas:
            continue  # a blank row
        if both_known and not (cells["category"] or cells["count"] or formulas.keys() & {"category", "count"}):
            continue  # a row with nothing in it but its labels, such as an unused template row
        if _is_spare_transfer(cells, formulas, standard, lookups):
            continue
        rows.append(_Row(offset, cells.get("authority_code", ""), cells.get("period", ""), cells.get("section", ""),
                         cells.get("category", ""), cells.get("count", ""), formulas))
    if table.truncated or len(rows) > limits.max_rows:
        shown = f"more than {limits.max_rows:,}" if table.truncated else f"{len(rows):,}"
        issues.add("E120", None, None, None, f"the file has {shown} data rows, over the limit of {limits.max_rows:,}")
        return None
    if not rows:
        issues.add("E102", None, None, None, "the file has a header but no data rows")
        return None
    return rows, set(positions)


def _check_row(row: _Row, state: _State, issues: _Collector, standard: Standard, reference: Reference, known: set[str]) -> None:
    _note_formulas(row, issues)
    _note_authority(row, state, issues, reference)
    _note_period(row, state, issues, standard)
    section = _section_of(row, state, issues, standard) if "section" in known else None
    if section:
        state.sections_named.add(section)
    category = _category_of(row, section, issues, standard, reference, state.lookups) if section and "category" in known else None
    count = _count_of(row, section, state, issues, standard) if "count" in known else None
    if section and category:
        state.categories_named.add((section, category))
    left_out = not row.count and not row.unreadable("count")  # a blank count: Q213 or E106 said so
    if section and (category is None or (count is None and not left_out)):
        state.sections_in_error.add(section)  # its sum cannot be checked: the row's own error says why
    if section is None or category is None or count is None:
        return
    state.sections_seen.setdefault(section, row.row)
    key = (section, category)
    if key in state.counts:
        first = state.counts[key].source_row
        issues.add("E108", row.row, "category", row.category, f"({section}, {category}) already appears on row {first}")
        return
    count_row = CountRow(section, category, count, row.row)
    state.counts[key] = count_row
    state.rows.append(count_row)


# Repairs of the same value repeat on many rows: report each distinct repair once per file.
def _note_repair(issues: _Collector, seen: dict[tuple[str, str], list[int]], key: tuple[str, str], rule_id: str,
                 row: int, column: str, value: str, text: str) -> None:
    if key in seen:
        seen[key].append(row)
        return
    seen[key] = [row]
    issues.add(rule_id, row, column, value, text)
    issues.repeated[len(issues.issues) - 1] = seen[key]


def _mention_repeats(issues: _Collector) -> None:
    """Append the other rows to a once-per-file issue whose value repeats on several rows."""
    for index, rows in issues.repeated.items():
        if len(rows) > 1:
            issue = issues.issues[index]
            issues.issues[index] = replace(issue, message=f"{issue.message} (the same on {rows_text(rows)})")


def _note_formulas(row: _Row, issues: _Collector) -> None:
    """E122 for a formula whose result the file does not hold; Q212 when its saved result is used."""
    for column, formula in row.formulas.items():
        if formula.saved:
            issues.add("Q212", row.row, column, formula.formula, "the cell holds a formula; its saved result was read", cell=formula.cell)
        else:
            issues.add("E122", row.row, column, formula.formula, "the cell holds a formula with no saved result, so it reads as empty", cell=formula.cell)


def _note_authority(row: _Row, state: _State, issues: _Collector, reference: Reference) -> None:
    if row.unreadable("authority_code"):
        return
    raw = row.authority
    if not raw:
        state.unknown_authorities.setdefault("", []).append(row.row)
        return
    resolved = resolve_authority(reference, raw)
    if resolved is None:
        state.unknown_authorities.setdefault(raw, []).append(row.row)
        return
    code, how = resolved
    state.authorities.setdefault(code, []).append(row.row)
    if how:
        _note_repair(issues, state.seen_repairs, ("authority", raw), "Q209", row.row, "authority_code", raw,
                     f"the authority code '{_shown(raw)}' ({how}) was read as {code}")


def _note_period(row: _Row, state: _State, issues: _Collector, standard: Standard) -> None:
    if row.unreadable("period"):
        return
    raw = row.period
    parsed = state.lookups.period(raw) if raw else None
    if parsed is None:
        key = ("bad_period", raw)
        seen = state.seen_repairs
        if key not in seen:
            seen[key] = [row.row]
            what = "the period is empty" if not raw else "the period is not a month in any accepted format"
            issues.add("E121", row.row, "period", raw, what)
        return
    month, period_format = parsed
    state.periods.setdefault(month, []).append(row.row)
    state.period_text.setdefault(month, raw)
    if not period_format.canonical:
        _note_repair(issues, state.seen_repairs, ("period", raw), "Q205", row.row, "period", raw,
                     f"the period '{_shown(raw)}' (format {period_format.name}) was read as {format_period(month)}")


def _section_of(row: _Row, state: _State, issues: _Collector, standard: Standard) -> str | None:
    if row.unreadable("section"):
        return None
    raw = row.section
    if raw in standard.sections:
        return raw
    section = state.lookups.section(raw) if raw else None
    if section is None:
        issues.add("E104", row.row, "section", raw, "the section is empty" if not raw else "the section is not one of the standard's sections")
        return None
    # A section label repeats on every row of its section: one query per distinct label.
    _note_repair(issues, state.seen_repairs, ("section", raw), "Q204", row.row, "section", raw,
                 f"the section '{_shown(raw)}' was read as '{section}'")
    return section


def _category_of(row: _Row, section: str, issues: _Collector, standard: Standard, reference: Reference, lookups: _Lookups) -> str | None:
    if row.unreadable("category"):
        return None
    raw = row.category
    spec = standard.sections[section]
    if spec.kind == "transfer":
        return _transfer_code(row, issues, reference)
    if raw in lookups.codes[section]:
        return raw
    category = lookups.category(section, raw) if raw else None
    if category is None:
        codes = ", ".join(spec.category_codes)
        what = "the category is empty" if not raw else f"the category is not one of the categories of section '{section}'"
        issues.add("E105", row.row, "category", raw, what, f"Use one of: {codes}.")
        return None
    issues.add("Q204", row.row, "category", raw, f"the {section} category '{_shown(raw)}' was read as '{category}'", f"Write the category as '{category}'.")
    return category


def _transfer_code(row: _Row, issues: _Collector, reference: Reference) -> str | None:
    raw = row.category
    resolved = resolve_authority(reference, raw) if raw else None
    if resolved is None:
        what = "the transfer has no counterparty authority code" if not raw else "the transfer's counterparty is not a known authority code"
        issues.add("E116", row.row, "category", raw, what)
        return None
    code, how = resolved
    if how:
        issues.add("Q209", row.row, "category", raw, f"the counterparty authority '{_shown(raw)}' ({how}) was read as {code}", f"Write the counterparty as {code}.")
    return code


def _count_of(row: _Row, section: str | None, state: _State, issues: _Collector, standard: Standard) -> int | None:
    """The whole count, or None. An empty count is an error only on the total row or when no count at
    all is filled in; elsewhere the row reads as left out (a left-out category counts as 0), query Q213."""
    if row.unreadable("count"):
        return None
    raw = row.count
    if _WHOLE.fullmatch(raw):
        return int(raw)
    if raw:
        issues.add("E106", row.row, "count", raw, "the count is not a whole number of 0 or more")
    elif not state.counts_filled:
        issues.add("E106", row.row, "count", raw, "the count is empty, as is every count in the file",
                   "Fill in the count column: a whole number on every row, 0 where there were none.")
    elif section is not None and standard.sections[section].kind == "total":
        issues.add("E106", row.row, "count", raw, "the total is empty", "Enter the month's number of concerns (0 for a nil return).")
    else:
        issues.add("Q213", row.row, "count", raw, "the count is empty, so the row was read as left out (a left-out category counts as 0)")
    return None


# --- whole-file checks -------------------------------------------------------------------------------


def _check_file(state: _State, issues: _Collector, standard: Standard, reference: Reference, today: date, result: ValidationResult, content_known: bool) -> None:
    authority = _check_authority(state, issues)
    period = _check_period(state, issues, today)
    result.authority_code, result.period = authority, period
    if authority and period:
        _check_validity(authority, period, state, issues, reference)
    if content_known:
        _check_sections(state, issues, standard, reference, authority, period)


def _check_authority(state: _State, issues: _Collector) -> str | None:
    for raw, rows in state.unknown_authorities.items():
        if raw:
            issues.add("E111", rows[0], "authority_code", raw, f"the authority code is not a known English upper-tier authority ({rows_text(rows)})")
        else:
            issues.add("E111", rows[0], "authority_code", "", f"the authority code is empty ({rows_text(rows)})")
    distinct = list(state.authorities) + [raw for raw in state.unknown_authorities if raw]
    if len(distinct) > 1:
        first_rows = sorted((rows[0], code) for code, rows in {**state.authorities, **state.unknown_authorities}.items() if code)
        second_row, second = first_rows[1]
        named = sorted(distinct)
        listed = ", ".join(str(_shown(code)) for code in named[:SHOWN_ROWS]) + (f" and {len(named) - SHOWN_ROWS} more" if len(named) > SHOWN_ROWS else "")
        issues.add("E109", second_row, "authority_code", second,
                   f"the file holds {len(distinct)} authorities ({listed}); the first row had {_shown(first_rows[0][1])}")
        return None
    return next(iter(state.authorities), None)


def _check_period(state: _State, issues: _Collector, today: date) -> date | None:
    if len(state.periods) > 1:
        ordered = sorted((rows[0], month) for month, rows in state.periods.items())
        second_row, second = ordered[1]
        names = ", ".join(format_period(month) for month in sorted(state.periods))
        issues.add("E110", second_row, "period", state.period_text[second], f"the file holds {len(state.periods)} periods ({names}); the first row had {format_period(ordered[0][1])}")
        return None
    period = next(iter(state.periods), None)
    if period is not None and period >= month_start(today):
        issues.add("E113", state.periods[period][0], "period", state.period_text[period],
                   f"{format_period(period)} is not a completed month (today is {today.isoformat()}); the latest period accepted is {format_period(_previous_month(today))}")
    return period


def _previous_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def _check_validity(code: str, period: date, state: _State, issues: _Collector, reference: Reference) -> None:
    authority = reference.authority(code)
    if authority is None or authority.valid_in(period):
        return
    row = state.authorities[code][0]
    text = f"{authority.name} ({code}) did not exist in {format_period(period)}: it is {authority.validity_text()}"
    hint = "Use the code of the authority that was responsible in that month."
    if authority.valid_to and period > authority.valid_to and authority.successor_codes:
        names = ", ".join(_named(reference, c) for c in authority.successor_codes)
        text += f"; it was replaced by {names}"
        hint = f"Use the code of the authority that replaced it: {names}."
    elif authority.valid_from and period < authority.valid_from and authority.predecessor_codes:
        names = ", ".join(_named(reference, c) for c in authority.predecessor_codes)
        text += f"; before then the area was covered by {names}"
        hint = f"For months before {format_period(authority.valid_from)} use {names}."
    issues.add("E112", row, "authority_code", code, text, hint)


def _named(reference: Reference, code: str) -> str:
    authority = reference.authority(code)
    return f"{authority.name} ({code})" if authority else code


def _check_sections(state: _State, issues: _Collector, standard: Standard, reference: Reference, authority: str | None, period: date | None) -> None:
    counts = state.counts
    total_row = counts.get(("total", "ALL"))
    if total_row is None and "total" not in state.sections_named:
        issues.add("E107", None, "section", None, "the return has no row total,ALL with the month's number of concerns")
    total = total_row.count if total_row else None
    if total is not None:
        _check_flags(counts, total, issues)
        _check_breakdowns(state, total, issues, standard)
    _check_practice(state, issues, standard)
    _check_transfers(state, issues, reference, authority, period)


def _check_flags(counts: dict[tuple[str, str], CountRow], total: int, issues: _Collector) -> None:
    for (section, category), row in counts.items():
        if section == "flag" and row.count > total:
            issues.add("E114", row.source_row, "count", str(row.count), f"the flag {category} ({row.count}) is above the total ({total})")
    moved = counts.get(("flag", "MOVED_IN_LAST_12_MONTHS"))
    received = counts.get(("flag", "PREVIOUS_AUTHORITY_RECORDS_RECEIVED"))
    if received and received.count > (moved.count if moved else 0):
        moved_text = f"MOVED_IN_LAST_12_MONTHS ({moved.count}, row {moved.source_row})" if moved else "MOVED_IN_LAST_12_MONTHS (absent, so 0)"
        issues.add("E115", received.source_row, "count", str(received.count),
                   f"PREVIOUS_AUTHORITY_RECORDS_RECEIVED ({received.count}) is above {moved_text}")


def _check_breakdowns(state: _State, total: int, issues: _Collector, standard: Standard) -> None:
    sums: dict[str, int] = {}
    for (section, _), row in state.counts.items():
        sums[section] = sums.get(section, 0) + row.count
    for section in standard.breakdown_sections:
        if section not in state.sections_seen:
            if total > 0 and section not in state.sections_named:
                issues.add("Q202", None, "section", section, f"the breakdown section '{section}' is missing although the total is {total}")
            continue
        if section in sums and sums[section] != total and section not in state.sections_in_error:
            issues.add("Q201", state.sections_seen[section], "count", str(sums[section]),
                       f"the {section} counts sum to {sums[section]} but the total is {total} (difference {sums[section] - total:+d})")


def _check_practice(state: _State, issues: _Collector, standard: Standard) -> None:
    for (section, category), row in state.counts.items():
        if section == "practice" and row.count not in (0, 1):
            issues.add("E118", row.source_row, "count", str(row.count), f"the practice declaration {category} must be 1 (yes) or 0 (no)")
    for practice in standard.sections_of_kind("practice"):
        missing = [code for code in practice.category_codes if (practice.code, code) not in state.categories_named]
        if practice.code in state.sections_named and not any(s == practice.code for s, _ in state.counts):
            continue  # its rows are there but in error, and those errors say so
        if len(missing) == len(practice.category_codes):
            issues.add("Q210", None, "section", practice.code, f"the '{practice.code}' declarations are missing")
        elif missing:
            issues.add("Q210", None, "category", ", ".join(missing), f"{len(missing)} '{practice.code}' {'declaration is' if len(missing) == 1 else 'declarations are'} missing: {', '.join(missing)}")


def _check_transfers(state: _State, issues: _Collector, reference: Reference, authority: str | None, period: date | None) -> None:
    for (section, code), row in state.counts.items():
        if section not in ("transfer_in", "transfer_out"):
            continue
        if authority and code == authority:
            issues.add("E117", row.source_row, "category", code, f"the {section} row names the authority making the return")
            continue
        counterparty = reference.authority(code)
        if counterparty and period and not counterparty.valid_in(period):
            text = f"the counterparty {counterparty.name} ({code}) did not exist in {format_period(period)}: it is {counterparty.validity_text()}"
            hint = None
            if counterparty.successor_codes and counterparty.valid_to and period > counterparty.valid_to:
                names = ", ".join(_named(reference, c) for c in counterparty.successor_codes)
                text += f"; it was replaced by {names}"
                hint = f"Name the authority that replaced it: {names}."
            issues.add("E116", row.source_row, "category", code, text, hint)
