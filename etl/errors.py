"""The one exception hierarchy of the project: every error a user can see is an OversightError."""

from __future__ import annotations


class OversightError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class ConfigError(OversightError):
    """A setting or configuration file is missing or invalid."""


class ReferenceDataError(OversightError):
    """The built reference tables in data/reference are missing or inconsistent."""


class ReturnFileError(OversightError):
    """A return file cannot be read at all (the validator turns this into a rejection)."""


class ReturnFileTooLargeError(ReturnFileError):
    """A return file (or an XLSX workbook's uncompressed content) is over the configured limit."""


class DatabaseError(OversightError):
    """The DuckDB database cannot be opened, migrated or written."""


class DatabaseLockedError(DatabaseError):
    """Another refresh or load holds the write lock on this database."""


class DiskFullError(DatabaseError):
    """The disk filled up while a writer built its working copy (the live database is unchanged)."""


class MigrationError(DatabaseError):
    """A schema migration failed or the database is newer than this code."""


class NotFoundError(OversightError):
    """An authority, period or other key asked for does not exist."""


class InvalidInputError(OversightError):
    """A value from a user or a request is not allowed (bad code, period, measure...)."""


class ContextFileError(OversightError):
    """A published data file (a DfE tidy CSV, a reference refresh) cannot be imported as it stands."""


def quoted(value: object, limit: int = 40) -> str:
    """A value as a message quotes it (its repr), cut to `limit` characters: a message about bad input
    never echoes a long (or a megabyte of) input back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "...'"
