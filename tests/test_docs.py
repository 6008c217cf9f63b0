"""The README's extract table lists every canonical column, required or not, as the code defines them."""

import re
from pathlib import Path

from wrvu.schemas.column_map import CANONICAL_COLUMNS, REQUIRED_COLUMNS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_lists_every_extract_column_as_required_or_not():
    table = README.read_text().split("#### The extract columns", 1)[1].split("\n\n| column |", 1)[-1]
    rows = re.findall(r"^\| `([a-z_0-9]+)`(?: \.\. `([a-z_0-9]+)`)? \| (yes|no) \|", table, re.MULTILINE)
    listed = {}
    for first, last, required in rows:
        names = [first] if not last else [f"{first[:-1]}{i}" for i in range(int(first[-1]), int(last[-1]) + 1)]
        listed |= dict.fromkeys(names, required == "yes")
    assert listed == {column: column in REQUIRED_COLUMNS for column in CANONICAL_COLUMNS}
