"""Figures: pure functions of polars frames -> plotly figures or Dash components (no database)."""
