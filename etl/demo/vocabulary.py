"""The codes, labels and aliases the demo writes, taken from the return standard (etl/spec).

The demo never invents a code or an alias of its own: canonical files use the standard's category
codes, and the councils' variants use only aliases the standard documents, so a variant file is
queried (repaired) and never rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import Standard, load_standard
from .formats import CANONICAL_HEADER, Variant


@dataclass(frozen=True)
class Vocabulary:
    categories: dict[str, tuple[str, ...]]  # section -> category codes in the standard's order
    labels: dict[tuple[str, str], str]  # (section, code) -> a documented label alias in words
    header_aliases: dict[str, str]  # canonical column -> a documented alias
    section_labels: dict[str, str]  # section code -> its label in words

    def variant(self, name: str) -> Variant:
        """The council variants planted as `alias_labels`; each uses only repairs the standard documents."""
        aliased_header = tuple(self.header_aliases.get(column, column) for column in CANONICAL_HEADER)
        spaced_header = tuple(column.replace("_", " ").title() for column in CANONICAL_HEADER)
        variants = {
            "header_aliases": Variant(header=aliased_header, period_style="first_day"),
            "labels_in_words": Variant(labels_in_words=True),
            "windows_1252": Variant(header=spaced_header, labels_in_words=True, encoding="cp1252"),
            "period_words": Variant(period_style="words"),
            "bom_crlf": Variant(bom=True, crlf=True, period_style="slash"),
            "everything": Variant(header=aliased_header, labels_in_words=True, period_style="words", encoding="cp1252", crlf=True),
        }
        return variants[name]


def load_vocabulary() -> Vocabulary:
    return from_standard(load_standard())


def from_standard(standard: Standard) -> Vocabulary:
    """Codes in the standard's order; for each category its label in words, checked to resolve back."""
    categories = {code: section.category_codes for code, section in standard.sections.items() if section.categories}
    labels: dict[tuple[str, str], str] = {}
    for code, section in standard.sections.items():
        for category in section.categories:
            # Excel's curly apostrophe is what makes a council's file Windows-1252 in practice.
            words = next((a for a in category.aliases if "\u2019" in a), category.label)
            if standard.resolve_category(code, words) == category.code:
                labels[(code, category.code)] = words
    header_aliases = {}
    for column in standard.columns:
        alias = next((a for a in column.aliases if standard.resolve_column(a) == column.name), None)
        if alias:
            header_aliases[column.name] = alias
    section_labels = {code: section.label for code, section in standard.sections.items()}
    return Vocabulary(categories, labels, header_aliases, section_labels)
