"""Creating a workspace: settings, commented config examples, folders and the patient-hash key."""

import os
import secrets
import shutil
from pathlib import Path

from wrvu import schemas
from wrvu.schemas.workspace import Workspace, load_workspace
from wrvu.transforms.errors import WrvuError

TEMPLATES = Path(schemas.__file__).parent / "templates"
GITIGNORE = "# never commit patient-hash keys or the warehouse\npatient_hash.key\nwarehouse.duckdb*\nout/\ninbox/\n"


def init_workspace(root: Path) -> Workspace:
    """Create the workspace at `root`; files that already exist are left as they are."""
    if root.exists() and not root.is_dir():
        raise WrvuError(f"{root}: exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    for template in sorted(TEMPLATES.rglob("*")):
        target = root / template.relative_to(TEMPLATES)
        if template.is_dir():
            target.mkdir(exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, target)
    workspace = load_workspace(root)
    for folder in (workspace.inbox, workspace.out, workspace.config):
        folder.mkdir(parents=True, exist_ok=True)
    if not workspace.patient_key.exists():
        # the key that turns patient identifiers into keyed hashes: owner-only, never printed
        fd = os.open(workspace.patient_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as key:
            key.write(secrets.token_hex(32) + "\n")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE)
    return workspace
