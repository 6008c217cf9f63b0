"""docs/pipeline.md declares the steps of an ingest, a close and the read-only commands, in order, with the SQL files each
runs: every SQL file of those folders is named there, and every file it names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = (ROOT / "docs" / "pipeline.md").read_text(encoding="utf-8")
FOLDERS = ("ingest", "credit", "close", "report", "roster", "logs", "impact")


def test_every_sql_file_of_a_step_is_declared_in_the_list():
    files = {f"{folder}/{path.stem}" for folder in FOLDERS for path in (ROOT / "sql" / folder).glob("*.sql")}
    named = set(re.findall(rf"`((?:{'|'.join(FOLDERS)})/[a-z0-9_]+)`", STEPS))
    assert sorted(files - named) == [], "add the step that runs it to docs/pipeline.md"
    assert sorted(named - files) == [], "docs/pipeline.md names a file that is gone"
