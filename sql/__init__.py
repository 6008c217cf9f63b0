"""Every SQL statement of wrvu, one query per `.sql` file, loaded by its path under this folder."""

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent


@cache
def load(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. `load("schedule/lookup")`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def ordered(folder: str) -> list[str]:
    """The statements of a folder in file-name order (schema migrations, views)."""
    return [load(f"{folder}/{p.stem}") for p in sorted((SQL_DIR / folder).glob("*.sql"))]


def load_with_tables(name: str, **tables: str) -> str:
    """The text of `sql/<name>.sql` with its `{placeholder}` table names filled in as quoted identifiers."""
    return load(name).format(**{key: '"' + table.replace('"', '""') + '"' for key, table in tables.items()})
