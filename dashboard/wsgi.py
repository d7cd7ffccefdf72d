"""WSGI entry for production: `gunicorn -w 4 -b 127.0.0.1:8050 dashboard.wsgi:server` behind a TLS proxy.

Sign-in, sessions and the rest of the front door are configured by environment variables
(OVERSIGHT_SECRET_KEY, OVERSIGHT_TRUSTED_PROXIES, OVERSIGHT_OIDC_*...): see docs/security.md.

The database is `OVERSIGHT_DB` (default data/oversight.duckdb). The app is built when gunicorn
imports this module (each worker then holds its own read-only handle); that is the one place the
dashboard does work at import, because a WSGI server needs a module-level callable.
"""

from __future__ import annotations

from dashboard.server import create_app
from etl.settings import default_db_path

app = create_app(default_db_path())
server = app.server
