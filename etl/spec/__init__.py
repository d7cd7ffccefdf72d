"""The return standard as data: `load_standard()` reads etl/spec/standard.toml into lookups.

The validator, the XLSX template and docs/return-standard.md all come from this one object, so the
code lists, the alias tables and the rules cannot disagree. Labels, headers and section names are
matched after `normalise_label` (case, spacing, punctuation and apostrophes ignored).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError

STANDARD_FILE = Path(__file__).resolve().parent / "standard.toml"
SECTION_KINDS = ("total", "breakdown", "flag", "transfer", "practice")
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_APOSTROPHES = re.compile(r"['’‘`]")
_NON_ALNUM = re.compile(r"[^0-9a-z+]+")


def normalise_label(text: str) -> str:
    """The matching key of a header, section or category: lower case, words joined by single spaces.

    Apostrophes vanish ("Children's" -> "childrens") so the key matches the code CHILDRENS_...; '+'
    is kept so "40+" stays distinct from "40".
    """
    folded = _APOSTROPHES.sub("", text.casefold())
    return _NON_ALNUM.sub(" ", folded).strip()


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    meaning: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    meaning: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    kind: str  # total | breakdown | flag | transfer | practice
    meaning: str
    aliases: tuple[str, ...]
    categories: tuple[Category, ...]

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(category.code for category in self.categories)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # error | query
    title: str
    checks: str
    hint: str


@dataclass(frozen=True)
class PeriodFormat:
    name: str
    example: str
    pattern: re.Pattern[str]
    description: str
    canonical: bool

    def parse(self, text: str) -> date | None:
        """The month `text` names in this format, or None when it does not match or is no real month."""
        match = self.pattern.match(text)
        if not match:
            return None
        groups = match.groupdict()
        if groups.get("year"):
            year = int(groups["year"])
        elif groups.get("yy"):
            year = 2000 + int(groups["yy"])
        else:
            return None
        if groups.get("month_name"):
            month = _month_from_name(groups["month_name"])
        else:
            month = int(groups["month"]) if groups.get("month") else None
        if month is None or not 1 <= month <= 12 or not 2000 <= year <= 2099:
            return None
        if groups.get("day"):
            try:
                date(year, month, int(groups["day"]))
            except ValueError:
                return None
        return date(year, month, 1)


def _month_from_name(name: str) -> int | None:
    key = name.casefold()
    if len(key) < 3:
        return None
    for number, full in enumerate(MONTH_NAMES, start=1):
        # "Sept" and "Sep" and "September" all name September; "Octob" is still October.
        if full.startswith(key):
            return number
    return None


@dataclass(frozen=True)
class Standard:
    """The whole standard, with lookups precomputed for the validator (built once per process)."""

    version: str
    title: str
    texts: dict[str, str]  # purpose, deadline, nil_return, resubmission
    format: dict[str, str]
    columns: tuple[Column, ...]
    sections: dict[str, Section]  # in the standard's order
    rules: dict[str, Rule]
    period_formats: tuple[PeriodFormat, ...]
    column_lookup: dict[str, str]  # normalised header or alias -> canonical column name
    section_lookup: dict[str, str]  # normalised section code, label or alias -> section code
    category_lookup: dict[str, dict[str, str]]  # section -> normalised code, label or alias -> category code

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def sections_of_kind(self, kind: str) -> tuple[Section, ...]:
        return tuple(section for section in self.sections.values() if section.kind == kind)

    @property
    def breakdown_sections(self) -> tuple[str, ...]:
        return tuple(section.code for section in self.sections_of_kind("breakdown"))

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def resolve_column(self, header: str) -> str | None:
        return self.column_lookup.get(normalise_label(header))

    def resolve_section(self, text: str) -> str | None:
        return self.section_lookup.get(normalise_label(text))

    def resolve_category(self, section: str, text: str) -> str | None:
        return self.category_lookup.get(section, {}).get(normalise_label(text))

    def parse_period(self, text: str) -> tuple[date, PeriodFormat] | None:
        """The month a period value names and the format it was written in, or None."""
        cleaned = text.strip()
        for period_format in self.period_formats:
            parsed = period_format.parse(cleaned)
            if parsed is not None:
                return parsed, period_format
        return None


def _lookup(owner: str, entries: list[tuple[str, str]]) -> dict[str, str]:
    """Map each normalised key to its target; two targets sharing a key is a mistake in the standard."""
    table: dict[str, str] = {}
    for key_text, target in entries:
        key = normalise_label(key_text)
        if not key:
            raise ConfigError(f"{STANDARD_FILE}: an empty alias in {owner}; remove it")
        if table.get(key, target) != target:
            raise ConfigError(
                f"{STANDARD_FILE}: alias {key_text!r} in {owner} matches both {table[key]} and {target}; "
                "make it name only one"
            )
        table[key] = target
    return table


def _category(raw: dict) -> Category:
    return Category(raw["code"], raw["label"], raw["meaning"].strip(), tuple(raw.get("aliases", ())))


def _section(raw: dict) -> Section:
    if raw["kind"] not in SECTION_KINDS:
        raise ConfigError(f"{STANDARD_FILE}: section {raw['code']} has unknown kind {raw['kind']!r}")
    categories = tuple(_category(c) for c in raw.get("categories", ()))
    return Section(raw["code"], raw["label"], raw["kind"], raw["meaning"].strip(), tuple(raw.get("aliases", ())), categories)


def parse_standard(text: str) -> Standard:
    """Build the Standard from the TOML text (separate from the file so tests can try variants)."""
    try:
        raw = tomllib.loads(text)
        columns = tuple(Column(c["name"], c["label"], c["meaning"], tuple(c.get("aliases", ()))) for c in raw["columns"])
        sections = {s["code"]: _section(s) for s in raw["sections"]}
        rules = {
            r["id"]: Rule(r["id"], r["severity"], r["title"], r["checks"].strip(), r["hint"].strip()) for r in raw["rules"]
        }
        period_formats = tuple(
            PeriodFormat(p["name"], p["example"], re.compile(p["pattern"], re.ASCII), p["description"], bool(p.get("canonical", False)))
            for p in raw["period_formats"]
        )
        texts = {key: str(raw[key]).strip() for key in ("purpose", "deadline", "nil_return", "resubmission")}
        format_texts = {key: str(value).strip() for key, value in raw["format"].items()}
        version, title = str(raw["version"]), str(raw["title"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as exc:
        raise ConfigError(f"{STANDARD_FILE} is not a valid return standard ({exc!r}); restore it from git") from exc
    bad = [r.id for r in rules.values() if r.severity not in ("error", "query")]
    if bad:
        raise ConfigError(f"{STANDARD_FILE}: rules {bad} need severity 'error' or 'query'")
    column_lookup = _lookup("columns", [(t, c.name) for c in columns for t in (c.name, c.label, *c.aliases)])
    section_lookup = _lookup("sections", [(t, s.code) for s in sections.values() for t in (s.code, s.label, *s.aliases)])
    category_lookup = {
        s.code: _lookup(f"section {s.code}", [(t, c.code) for c in s.categories for t in (c.code, c.label, *c.aliases)])
        for s in sections.values()
    }
    return Standard(
        version=version, title=title, texts=texts, format=format_texts, columns=columns, sections=sections,
        rules=rules, period_formats=period_formats, column_lookup=column_lookup, section_lookup=section_lookup,
        category_lookup=category_lookup,
    )


@lru_cache(maxsize=1)
def load_standard() -> Standard:
    """The return standard, read once per process."""
    try:
        text = STANDARD_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the return standard {STANDARD_FILE}: {exc}; restore it from git") from exc
    return parse_standard(text)
