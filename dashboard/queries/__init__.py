"""Data access: every SQL query the dashboard runs, one module per area, returning polars frames."""
