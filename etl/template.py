"""The blank XLSX return: sheet `return` prefilled from the standard, with drop-downs, and instructions.

Every section/category row of the standard is written with its count left empty; the section and
category columns carry drop-downs (lists on a hidden `lists` sheet), the authority column the list of
authority codes, and `transfer_in`/`transfer_out` get spare rows whose category is an authority code.
The period column is formatted as text so Excel does not turn 2026-10 into a date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .errors import InvalidInputError
from .periods import format_period, parse_period
from .reference import Reference, load_reference
from .settings import today as settings_today
from .spec import Standard, load_standard

SPARE_TRANSFER_ROWS = 10  # per transfer section
RETURN_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET = "return", "lists", "instructions"


def _checked_period(period: str | None) -> date | None:
    if period is None or period == "":
        return None
    return parse_period(period)  # InvalidInputError says how to write it


def _checked_authority(authority: str | None, period: date | None, reference: Reference) -> str | None:
    if authority is None or authority == "":
        return None
    code = authority.strip().upper()
    record = reference.authority(reference.canonical_code(code) or code)
    if record is None:
        raise InvalidInputError(
            f"authority {authority!r} is not the GSS code of an English upper-tier authority; "
            "use a code such as E06000001 (see data/reference/authorities.csv)"
        )
    if period is not None and not record.valid_in(period):
        successors = ", ".join(record.successor_codes)
        extra = f"; use {successors}" if successors and record.valid_to and period > record.valid_to else ""
        raise InvalidInputError(
            f"{record.name} ({record.gss_code}) is not valid in {format_period(period)}: it is {record.validity_text()}{extra}"
        )
    return record.gss_code


def _list_column(sheet, column: int, title: str, values: list[str]) -> str:  # noqa: ANN001 - openpyxl sheet
    """Write values down one column of the lists sheet; return the absolute range for a drop-down."""
    from openpyxl.utils import get_column_letter

    sheet.cell(row=1, column=column, value=title)
    for offset, value in enumerate(values, start=2):
        sheet.cell(row=offset, column=column, value=value)
    letter = get_column_letter(column)
    return f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"


def _instructions(standard: Standard, sheet, period: date | None, authority: str | None) -> None:  # noqa: ANN001
    from openpyxl.styles import Font

    lines = [
        (standard.title + f" (version {standard.version})", True),
        ("", False),
        ("How to fill in this return", True),
        ("1. On the sheet 'return', enter a whole number in the count column of every row (0 when there were none).", False),
        ("2. authority_code and period must be the same on every row: your GSS code and the month, written YYYY-MM (for example 2026-10).", False),
        ("3. Each breakdown section (concern_type, age_band, sex, referral_source, action) must add up to the total; put unknown values in NOT_RECORDED.", False),
        ("4. Flags count concerns with that property and cannot exceed the total; PREVIOUS_AUTHORITY_RECORDS_RECEIVED cannot exceed MOVED_IN_LAST_12_MONTHS.", False),
        ("5. Practice rows are declarations: 1 for yes, 0 for no.", False),
        ("6. Transfers: on the spare transfer_in / transfer_out rows, choose the other authority's GSS code as the category and enter the number of records; spare rows you do not use are ignored, whether empty or 0.", False),
        ("7. " + standard.texts["nil_return"], False),
        ("8. " + standard.texts["deadline"], False),
        ("9. Type numbers rather than formulas. If you do use formulas, save the file in Excel or LibreOffice so their results are stored with it.", False),
        ("10. Check the file before sending it: `oversight validate FILE`, or the 'Check a return' page of the dashboard.", False),
        ("", False),
        ("Sections", True),
    ]
    if authority or period:
        lines.insert(1, (f"Prefilled for authority {authority or '(not set)'} and period {format_period(period) if period else '(not set)'}.", False))
    lines.extend((f"{section.code}: {section.meaning}", False) for section in standard.sections.values())
    for number, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=text)
        if bold:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 140


DEFAULT_FILE_NAME = "return-template.xlsx"


def write_template(out: Path, period: str | None = None, authority: str | None = None,
                   *, reference: Reference | None = None) -> Path:
    """Write the blank return workbook to `out` and return its path.

    period (YYYY-MM) and authority (GSS code) prefill those columns when given; an invalid value, a
    period in the future or an authority that did not exist in the period raises InvalidInputError.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    standard = load_standard()
    reference = reference or load_reference()
    period_date = _checked_period(period)
    if period_date is not None and period_date >= date(settings_today().year, settings_today().month, 1):
        raise InvalidInputError(f"period {format_period(period_date)} is not a completed month; returns are for months that have ended")
    code = _checked_authority(authority, period_date, reference)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = RETURN_SHEET
    lists = workbook.create_sheet(LISTS_SHEET)
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    workbook.move_sheet(instructions, offset=-2)
    _instructions(standard, instructions, period_date, code)
    workbook.active = 1  # open on the return sheet

    authorities = [a.gss_code for a in (reference.expected_authorities(period_date) if period_date else
                                        sorted(reference.authorities.values(), key=lambda a: a.gss_code))]
    sections = list(standard.sections)
    categories = sorted({c for s in standard.sections.values() for c in s.category_codes})
    section_range = _list_column(lists, 1, "section", sections)
    category_range = _list_column(lists, 2, "category", categories)
    authority_range = _list_column(lists, 3, "authority_code", authorities)
    transfer_range = _list_column(lists, 4, "transfer section", [s.code for s in standard.sections_of_kind("transfer")])
    lists.sheet_state = "hidden"

    sheet.append(list(standard.column_names))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    period_text = format_period(period_date) if period_date else None
    for section in standard.sections.values():
        for category in section.category_codes:
            sheet.append([code, period_text, section.code, category, None])
    first_transfer = sheet.max_row + 1
    for section in standard.sections_of_kind("transfer"):
        for _ in range(SPARE_TRANSFER_ROWS):
            sheet.append([code, period_text, section.code, None, None])
    last = sheet.max_row

    def drop_down(formula: str, cells: str, title: str, prompt: str) -> None:
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorTitle=title, error=prompt, showInputMessage=True, promptTitle=title, prompt=prompt)
        validation.add(cells)
        sheet.add_data_validation(validation)

    drop_down(authority_range, f"A2:A{last}", "Authority", "Choose your authority's GSS code.")
    drop_down(section_range, f"C2:C{first_transfer - 1}", "Section", "Choose a section of the standard.")
    drop_down(category_range, f"D2:D{first_transfer - 1}", "Category", "Choose a category code of this section.")
    drop_down(transfer_range, f"C{first_transfer}:C{last}", "Transfer", "transfer_in or transfer_out.")
    drop_down(authority_range, f"D{first_transfer}:D{last}", "Counterparty", "Choose the other authority's GSS code.")
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="Count", error="Enter a whole number of 0 or more.")
    counts.add(f"E2:E{last}")
    sheet.add_data_validation(counts)
    for row in sheet.iter_rows(min_row=2, max_row=last, min_col=2, max_col=2):
        row[0].number_format = "@"  # text, so 2026-10 stays 2026-10
    fill = PatternFill("solid", fgColor="FFF2CC")
    for row in sheet.iter_rows(min_row=2, max_row=last, min_col=5, max_col=5):
        row[0].fill = fill
    for letter, width in zip("ABCDE", (16, 10, 18, 38, 10)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"

    out = Path(out)
    if out.is_dir():  # a folder: the workbook goes in it under the usual name
        out = out / DEFAULT_FILE_NAME
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(out)
    except OSError as exc:
        raise InvalidInputError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from exc
    return out
