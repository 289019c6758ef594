"""The item archive: one SQLite file that remembers every item ever seen."""

from .db import Database
from .ingest import IngestReport
from .items import Archive
from .transfer import ADDED_FIELDS, EXPORT_FIELDS

__all__ = ["ADDED_FIELDS", "EXPORT_FIELDS", "Archive", "Database", "IngestReport"]
