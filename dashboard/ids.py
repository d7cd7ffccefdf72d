"""Every Dash component id in the app, as constants with a page prefix (one place, no typos).

Prefixes: SHELL_ (the page frame), OVERVIEW_, REGIONAL_, AUTHORITY_, RETURNS_, CHECK_, METHOD_.
A chart card built by `dashboard.components.chart_card(id_prefix, ...)` derives its inner ids
from its prefix: `<prefix>-graph`, `<prefix>-summary`, `<prefix>-table`, `<prefix>-csv`.
"""

from __future__ import annotations

# ---- the shell (dashboard.layout) -----------------------------------------------------------------
SHELL_LOCATION = "shell-location"
SHELL_BANNER = "shell-synthetic-banner"
SHELL_NAV = "shell-nav"
SHELL_MAIN = "main-content"  # the skip link's target

# ---- page 1: national overview ---------------------------------------------------------------------
OVERVIEW_PERIOD = "overview-period"
OVERVIEW_WINDOW = "overview-window"
OVERVIEW_MEASURE = "overview-measure"
OVERVIEW_TILES = "overview-tiles"
OVERVIEW_MAP = "overview-map"
OVERVIEW_MAP_SECTION = "overview-map-section"
OVERVIEW_DISTRIBUTION = "overview-distribution"
OVERVIEW_DISTRIBUTION_SECTION = "overview-distribution-section"
OVERVIEW_TREND = "overview-trend"
OVERVIEW_TREND_SECTION = "overview-trend-section"
OVERVIEW_MESSAGE = "overview-message"
OVERVIEW_FINDINGS = "overview-findings"

# ---- page 2: regional variation --------------------------------------------------------------------
REGIONAL_PERIOD = "regional-period"
REGIONAL_WINDOW = "regional-window"
REGIONAL_MEASURE = "regional-measure"
REGIONAL_FUNNEL_MEASURE = "regional-funnel-measure"
REGIONAL_REGION = "regional-region"
REGIONAL_AUTHORITY = "regional-authority"  # the authority marked on the funnel plot
REGIONAL_CI = "regional-ci"
REGIONAL_CI_SECTION = "regional-ci-section"
REGIONAL_FUNNEL = "regional-funnel"
REGIONAL_FUNNEL_SECTION = "regional-funnel-section"
REGIONAL_TABLE = "regional-table"
REGIONAL_SORT = "regional-sort"
REGIONAL_ORDER = "regional-order"
REGIONAL_TABLE_SECTION = "regional-table-section"
REGIONAL_MESSAGE = "regional-message"

# ---- page 3: authority benchmark -------------------------------------------------------------------
AUTHORITY_CODE = "authority-code"
AUTHORITY_PERIOD = "authority-period"
AUTHORITY_WINDOW = "authority-window"
AUTHORITY_TREND_MEASURE = "authority-trend-measure"
AUTHORITY_HEADER = "authority-header"
AUTHORITY_SPINE = "authority-spine"
AUTHORITY_REPORT_SPINE = "authority-report-spine"  # the printable report's spine chart
AUTHORITY_SPINE_SECTION = "authority-spine-section"
AUTHORITY_TREND = "authority-trend"
AUTHORITY_TREND_SECTION = "authority-trend-section"
AUTHORITY_RETURNS_SECTION = "authority-returns-section"
AUTHORITY_TRANSFERS_SECTION = "authority-transfers-section"
AUTHORITY_DOWNLOADS = "authority-downloads"
AUTHORITY_CSV_BUTTON = "authority-csv-button"
AUTHORITY_XLSX_BUTTON = "authority-xlsx-button"
AUTHORITY_DOWNLOAD = "authority-download"
AUTHORITY_PRINT_LINK = "authority-print-link"
AUTHORITY_MESSAGE = "authority-message"
AUTHORITY_BENCHMARK_TABLE = "authority-benchmark-table"
AUTHORITY_DATA_AS_AT = "authority-data-as-at"
AUTHORITY_REPORT = "authority-report"  # the printable one-page report page

# ---- page 4: returns (dashboard-2) -----------------------------------------------------------------
RETURNS_MONTH = "returns-month"
RETURNS_REGION = "returns-region"
RETURNS_RULE = "returns-rule"
RETURNS_SEVERITY = "returns-severity"
RETURNS_GRID = "returns-grid"
RETURNS_GRID_SECTION = "returns-grid-section"
RETURNS_STATE_CHART = "returns-state-chart"
RETURNS_CHASE_SECTION = "returns-chase-section"
RETURNS_CHASE_TABLE = "returns-chase-table"
RETURNS_CHASE_CSV_BUTTON = "returns-chase-csv-button"
RETURNS_CHASE_XLSX_BUTTON = "returns-chase-xlsx-button"
RETURNS_CHASE_DOWNLOAD = "returns-chase-download"
RETURNS_ISSUES_SECTION = "returns-issues-section"
RETURNS_ISSUES_CHART = "returns-issues-chart"
RETURNS_ISSUES_SUMMARY = "returns-issues-summary"
RETURNS_ISSUES_TABLE = "returns-issues-table"
RETURNS_RUNS_TABLE = "returns-runs-table"
RETURNS_URL_STATE = "returns-url-state"
RETURNS_GRID_CSV_BUTTON = "returns-grid-csv-button"
RETURNS_ISSUES_CSV_BUTTON = "returns-issues-csv-button"
RETURNS_MESSAGE = "returns-message"

# ---- page 5: check a return (dashboard-2) ----------------------------------------------------------
CHECK_HINT = "check-hint"
CHECK_UPLOAD = "check-upload"  # components.upload_zone adds check-upload-store, -limits, -client-message
CHECK_UPLOAD_STORE = f"{CHECK_UPLOAD}-store"
CHECK_RESULT = "check-result"
CHECK_MESSAGE = "check-message"
CHECK_STATUS = "check-status"
CHECK_ISSUES_TABLE = "check-issues-table"
CHECK_TEMPLATE_BUTTON = "check-template-button"
CHECK_TEMPLATE_DOWNLOAD = "check-template-download"

# ---- page 6: methodology (dashboard-2) -------------------------------------------------------------
METHOD_PAGE = "method-page"
METHOD_CONFIG_TABLE = "method-config-table"
METHOD_CONFIG_DOWNLOAD = "method-config-download"


# ---- page 7: how the scores work (plain English) ------------------------------------------------------
HOW_PAGE = "how-page"
HOW_WEIGHTS_TABLE = "how-weights-table"
HOW_BANDS_TABLE = "how-bands-table"


def card_ids(prefix: str) -> dict[str, str]:
    """The ids inside one chart card (see `dashboard.components.chart_card`)."""
    return {
        "graph": f"{prefix}-graph",
        "summary": f"{prefix}-summary",
        "table": f"{prefix}-table",
        "csv": f"{prefix}-csv",
    }
