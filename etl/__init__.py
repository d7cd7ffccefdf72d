"""The oversight ETL: read -> validate -> load -> score. No Dash imports here."""

__version__ = "0.1.0"
