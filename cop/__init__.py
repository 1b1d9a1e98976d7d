"""Domain library of the Biodiversity CoP dashboard (no Streamlit outside ``cop.ui``)."""

from cop.core.config import get_settings
from cop.core.i18n import format_date, format_number, t
from cop.data.schema import TABLE_ORDER, TABLES
from cop.data.storage import import_file, init_db, make_engine, read_table
from cop.data.validation import validate_file

__all__ = [
    "TABLES",
    "TABLE_ORDER",
    "format_date",
    "format_number",
    "get_settings",
    "import_file",
    "init_db",
    "make_engine",
    "read_table",
    "t",
    "validate_file",
]
