"""The Methodology page's sources as data: markdown from docs/ and the scoring TOML as rows.

Pure functions (no Dash): headings shifted under the page's h1, links between the documents turned
into in-page anchors, and every scoring setting flattened to (section, setting, value).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import polars as pl

from etl.settings import SCORING_CONFIG

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,5})(\s)")
_DOC_LINK = re.compile(r"\]\((?:\./)?(methodology|return-standard)\.md(#[^)]*)?\)")
_ANCHOR_FOR_DOC = {"methodology": "#methodology", "return-standard": "#standard"}


def demote_headings(text: str) -> str:
    """Shift every markdown heading down one level (the page owns the only h1); code blocks untouched."""
    lines, in_code = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code:
            line = _HEADING.sub(lambda m: "#" + m.group(1) + m.group(2), line)
        lines.append(line)
    return "\n".join(lines)


def link_sections(text: str) -> str:
    """Links between the two documents point at their sections of this page."""
    return _DOC_LINK.sub(lambda m: f"]({_ANCHOR_FOR_DOC[m.group(1)]})", text)


def read_doc(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def flatten_config(config: dict, prefix: str = "") -> list[dict[str, str]]:
    """Every setting in the scoring TOML as (section, setting, value) rows, in file order."""
    rows: list[dict[str, str]] = []
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            rows.extend(flatten_config(value, name))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, item in enumerate(value, start=1):
                rows.extend(flatten_config(item, f"{name}[{index}]"))
        else:
            section, _, setting = name.rpartition(".")
            rows.append({"section": section or "(top level)", "setting": setting, "value": _format_value(value)})
    return rows


def _format_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_format_value(v) for v in value)
    return str(value)


def scoring_config_rows(path: Path = SCORING_CONFIG) -> pl.DataFrame:
    """The scoring configuration the scorer reads, one row per setting (empty frame if absent)."""
    schema = {"section": pl.String, "setting": pl.String, "value": pl.String}
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(flatten_config(config), schema=schema)


def load_config(path: Path = SCORING_CONFIG) -> dict:
    """The scoring TOML as the scorer reads it ({} when missing or broken)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def config_tables(config: dict, prefix: str = "") -> list[tuple[str, pl.DataFrame]]:
    """The configuration as titled tables: settings of a section as (setting, value) rows; a list of
    tables (bands, rules) as one table with a column per key; a nested table as its own table."""
    tables: list[tuple[str, pl.DataFrame]] = []
    settings: list[dict[str, str]] = []
    nested: list[tuple[str, object]] = []
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            nested.append((name, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for item in value for k in item))
            rows = [{c: _format_value(item[c]) if c in item else "" for c in columns} for item in value]
            nested.append((name, pl.DataFrame(rows, schema={c: pl.String for c in columns})))
        else:
            settings.append({"setting": key, "value": _format_value(value)})
    if settings:
        tables.append((prefix or "general", pl.DataFrame(settings, schema={"setting": pl.String, "value": pl.String})))
    for name, value in nested:
        if isinstance(value, pl.DataFrame):
            tables.append((name, value))
        else:
            tables.extend(config_tables(value, name))
    return tables
