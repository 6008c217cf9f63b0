"""wrvu: claim extracts to year-correct work RVUs and provider productivity pay.

Installed, the wheel holds one top-level package, `wrvu`, with `flows`, `transforms`, `schemas`,
`sql` and `demo` inside it. In the repository those stay top-level folders: the development install
puts the repository on the path and this package reaches them as its own subpackages.
"""

from pathlib import Path as _Path

_repository = _Path(__file__).resolve().parent.parent
if (_repository / "pyproject.toml").is_file() and not (_repository / "wrvu" / "transforms").is_dir():
    __path__.append(str(_repository))
