"""Temporary tables carry data between the SQL files of one connection: each file that reads or writes
one says which in its header (`-- reads: run_staged_lines (temp)`, `-- writes: run_repeats (temp)`), so
that a reader of a file finds where its inputs come from; and no session variable carries data between
files (a parameter or a registered table does)."""

import re

import pytest

from wrvu import sql

SQL_FILES = sorted(sql.SQL_DIR.rglob("*.sql"))
TEMP_DEFINITION = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?temp(?:orary)?\s+(?:table|view)\s+(?:if\s+not\s+exists\s+)?(\w+)", re.IGNORECASE
)
TEMP_DROP = re.compile(r"\bdrop\s+(?:table|view)\s+(?:if\s+exists\s+)?(\w+)", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{\w+\}")


def _name(path) -> str:
    return str(path.relative_to(sql.SQL_DIR))


def _header(text: str, word: str) -> str:
    """The `-- reads:` or `-- writes:` lines of the file's leading comment block."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        if line.startswith(f"-- {word}:"):
            lines.append(line)
    return "\n".join(lines)


def _code(text: str) -> str:
    """The statement without its comments."""
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


TEMP_TABLES = {
    match.group(1): _name(path) for path in SQL_FILES for match in TEMP_DEFINITION.finditer(_code(path.read_text()))
}


def test_temporary_tables_are_found():
    assert {"run_staged_lines", "run_repeats", "credit_key_prices", "close_period_lines"} <= set(TEMP_TABLES)


@pytest.mark.parametrize("path", SQL_FILES, ids=_name)
def test_header_names_the_temporary_tables_read_and_written(path):
    text = path.read_text()
    code = _code(text)
    written = set(TEMP_DEFINITION.findall(code)) | set(TEMP_DROP.findall(code))
    read = {name for name in TEMP_TABLES if name not in written and re.search(rf"\b{name}\b", code)}
    read |= set(PLACEHOLDER.findall(code)) - written
    reads, writes = _header(text, "reads"), _header(text, "writes")
    assert not [name for name in sorted(read) if name not in reads], f"{_name(path)}: `-- reads:` names {sorted(read)}"
    assert not [name for name in sorted(written) if name not in writes], (
        f"{_name(path)}: `-- writes:` names {sorted(written)}"
    )


@pytest.mark.parametrize("path", SQL_FILES, ids=_name)
def test_no_session_variables(path):
    code = _code(path.read_text()).lower()
    assert "getvariable" not in code and not re.search(r"\bset\s+variable\b", code), _name(path)
