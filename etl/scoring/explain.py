"""Why an authority scored what it did: its scores and the points lost, largest first, with the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..db import connect
from ..errors import InvalidInputError, NotFoundError
from ..periods import format_period, parse_period
from ..settings import sql_text
from .config import DIMENSIONS

WINDOWS = ("month", "rolling12")


@dataclass(frozen=True)
class Component:
    dimension: str
    rule_id: str
    points_lost: float
    composite_points: float
    detail: str
    fix: str
    submission_id: int | None
    file_name: str | None
    row_number: int | None
    source_period: str | None


@dataclass(frozen=True)
class FlagNote:
    flag_type: str
    measure: str | None
    detail: str


@dataclass(frozen=True)
class ObservedMeasure:
    """An observed-practice share over the 12 months to the period (percent), its 95% Wilson interval
    and England's share."""

    measure: str
    value: float | None
    numerator: float | None
    denominator: float | None
    lower95: float | None
    upper95: float | None
    england: float | None


@dataclass
class Explanation:
    authority_code: str
    authority_name: str
    period: str
    window: str
    composite: float | None
    band: str | None
    config_version: str
    dimensions: dict[str, float | None] = field(default_factory=dict)
    components: list[Component] = field(default_factory=list)
    flags: list[FlagNote] = field(default_factory=list)
    observed: list[ObservedMeasure] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "authority_code": self.authority_code,
            "authority_name": self.authority_name,
            "period": self.period,
            "window": self.window,
            "composite": _round(self.composite),
            "band": self.band,
            "config_version": self.config_version,
            "dimensions": {k: _round(v) for k, v in self.dimensions.items()},
            "components": [
                {**c.__dict__, "points_lost": _round(c.points_lost), "composite_points": _round(c.composite_points)}
                for c in self.components
            ],
            "flags": [f.__dict__ for f in self.flags],
            "observed_practice": [
                {**m.__dict__, **{k: _round(getattr(m, k)) for k in ("value", "lower95", "upper95", "england")}}
                for m in self.observed
            ],
        }

    def render(self) -> Group:
        window_text = "the month" if self.window == "month" else "the 12 months ending"
        composite = "not applicable" if self.composite is None else f"{self.composite:.1f} ({self.band})"
        head = Text.from_markup(
            f"[bold]{self.authority_name} ({self.authority_code})[/], {window_text} {self.period}: "
            f"composite {composite}  [dim]configuration {self.config_version}[/]"
        )
        scores = Table(title="Scores by dimension (0-100)", show_header=True)
        scores.add_column("dimension")
        scores.add_column("score", justify="right")
        for name, value in self.dimensions.items():
            scores.add_row(name.replace("_", " "), "n/a" if value is None else f"{value:.1f}")
        lost = Table(title="Points lost, largest first", show_header=True)
        for column, justify in (("composite", "right"), ("dimension", "left"), ("points", "right"),
                                ("what happened", "left"), ("how to fix", "left"), ("return / row", "left")):
            lost.add_column(column, justify=justify)  # type: ignore[arg-type]
        for c in self.components:
            where = f"{c.file_name or c.submission_id or '-'}" + (f" row {c.row_number}" if c.row_number else "")
            lost.add_row(f"{c.composite_points:.2f}", c.dimension.replace("_", " "), f"{c.points_lost:.1f}", c.detail, c.fix, where)
        if not self.components:
            lost.add_row("-", "-", "-", "No points lost", "-", "-")
        parts: list = [head, scores, lost]
        if self.flags:
            flags = Table(title="Flags this month", show_header=True)
            flags.add_column("flag")
            flags.add_column("measure")
            flags.add_column("what the data show")
            for f in self.flags:
                flags.add_row(f.flag_type.replace("_", " "), f.measure or "-", f.detail)
            parts.append(flags)
        if self.observed:
            observed = Table(title="Observed practice, 12 months to this month (percent)", show_header=True)
            for column, justify in (("measure", "left"), ("share", "right"), ("of", "right"), ("95% interval", "right"),
                                    ("England", "right")):
                observed.add_column(column, justify=justify)  # type: ignore[arg-type]
            for m in self.observed:
                share = "-" if m.value is None else f"{m.value:.1f}"
                interval = "-" if m.lower95 is None else f"{m.lower95:.1f} to {m.upper95:.1f}"
                england = "-" if m.england is None else f"{m.england:.1f}"
                observed.add_row(m.measure, share, f"{m.numerator:.0f} of {m.denominator:.0f}" if m.denominator else "-",
                                 interval, england)
            parts.append(observed)
        return Group(*parts)


def explain_sql(name: str) -> str:
    """The text of etl/sql/explain_<name>.sql (authority, scores, components, flags, observed): the one
    source of these queries for `oversight explain` and the dashboard's authority page. Parameters:
    $code, and $period and/or $window as each file says."""
    return sql_text(f"explain_{name}.sql")


def _component(dimension, rule_id, points_lost, composite_points, detail, fix, submission_id, file_name,
               row_number, source_period) -> Component:
    return Component(dimension, rule_id, points_lost, composite_points or 0.0, detail, fix, submission_id, file_name,
                     row_number, format_period(source_period) if source_period else None)


def _authority_code(text: str) -> str:
    """The GSS code `text` names (as the validator resolves authority codes), else the text upper-cased."""
    from ..reference import load_reference
    from ..validate import resolve_authority

    resolved = resolve_authority(load_reference(), text) if text.strip() else None
    return resolved[0] if resolved else text.strip().upper()


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def explain_score(db_path: Path | str, authority: str, period: str | None = None, window: str = "month") -> Explanation:
    """Read the stored scores and explanation rows of one authority and period (read-only).

    authority: a GSS code, or any spelling the return standard resolves (DfE number, name, alias code);
    period: YYYY-MM, or None for the latest month the authority has a score for.
    """
    if window not in WINDOWS:
        raise InvalidInputError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
    month = parse_period(period) if period is not None else None
    code = _authority_code(authority)
    con = connect(Path(db_path), read_only=True)
    try:
        found = con.execute(explain_sql("authority"), {"code": code, "window": window}).fetchone()
        if found is None:
            raise NotFoundError(
                f"no authority with GSS code {code}: give its GSS code (e.g. E06000043), DfE number or name, "
                "as on the benchmark page"
            )
        name, latest = found
        if month is None and latest is None:
            raise NotFoundError(f"no score for {code} ({name}) yet: load its returns, or run `oversight score`")
        month = month or latest
        scores = con.execute(explain_sql("scores"), {"code": code, "period": month, "window": window}).fetchall()
        if not scores:
            raise NotFoundError(
                f"no score for {code} in {format_period(month)}: the authority owed no return that month, or the "
                "database has not been scored (run `oversight score`)"
                + (f"; its latest score is for {format_period(latest)}" if latest else "")
            )
        rows = con.execute(explain_sql("components"), {"code": code, "period": month, "window": window}).fetchall()
        flag_rows = [(flag_type, measure, detail) for flag_type, measure, _value, detail
                     in con.execute(explain_sql("flags"), {"code": code, "period": month}).fetchall()]
        observed_rows = con.execute(explain_sql("observed"), {"code": code, "period": month}).fetchall()
    finally:
        con.close()
    by_dimension = {d: s for d, s, _, _ in scores}
    composite = next(((s, b, v) for d, s, b, v in scores if d == "composite"), (None, None, scores[0][3]))
    return Explanation(
        authority_code=code,
        authority_name=name,
        period=format_period(month),
        window=window,
        composite=composite[0],
        band=composite[1],
        config_version=composite[2],
        dimensions={d: by_dimension.get(d) for d in DIMENSIONS},
        components=[_component(*row) for row in rows],
        flags=[FlagNote(*row) for row in flag_rows],
        observed=[ObservedMeasure(*row) for row in observed_rows],
    )
