"""Real published data beside the returns: DfE "explore education statistics" tidy files and reference refreshes.

- `tidy.read_tidy(path)`: any tidy CSV -> classified columns and typed long values (no database);
- `geography.map_geography(...)`: rows -> the project's GSS codes through the reference tables;
- `store.import_context_files(paths, db)`: into `context_value` with provenance (`context_import`),
  idempotent by SHA-256, a newer edition of a publication superseding the older (which is kept);
- `refresh.refresh_population(...)` / `refresh.refresh_neighbours(...)`: the annual reference refresh
  through the same reader. See docs/context-data.md.
"""

from .store import ContextImport, default_publication, import_context_files, prepare
from .tidy import SYMBOLS, TidyFile, read_tidy

__all__ = ["ContextImport", "SYMBOLS", "TidyFile", "default_publication", "import_context_files", "prepare", "read_tidy"]
