"""The packages import in one direction: flows -> transforms -> schemas (and sql), never back, and no
module imports itself round a cycle. Read from the source (every import, at the top or in a function),
so a lazy import cannot hide a cycle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "wrvu"  # the one top-level package installed; the folders below are its subpackages
PACKAGES = ("flows", "transforms", "schemas", "sql", "demo")
FORBIDDEN = {"schemas": ("transforms", "flows"), "transforms": ("flows",), "sql": ("schemas", "transforms", "flows")}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imported_modules(name: str, path: Path) -> set[str]:
    """The project modules `name` imports: `from a import b` is a.b where that is a module, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name.removeprefix(f"{PACKAGE}.") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == PACKAGE:  # from wrvu import sql
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "").removeprefix(f"{PACKAGE}.")
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] in PACKAGES and t != name)
    return found


IMPORTS = {name: imported_modules(name, path) for name, path in MODULES.items()}


def test_the_modules_are_found():
    assert {"schemas.workspace", "transforms.close", "flows.cli"} <= set(MODULES)
    assert "transforms.warehouse" in IMPORTS["flows.cli"]


def test_lower_layers_never_import_upper_ones():
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in IMPORTS.items()
        for target in targets
        if target.split(".")[0] in FORBIDDEN.get(name.split(".")[0], ())
    )
    assert wrong == []


def test_no_import_cycles():
    cycles, done, stack = [], set(), []

    def visit(name: str) -> None:
        if name in stack:
            cycles.append(" -> ".join([*stack[stack.index(name) :], name]))
            return
        if name in done:
            return
        stack.append(name)
        for target in sorted(IMPORTS.get(name, ())):
            visit(target)
        stack.pop()
        done.add(name)

    for name in sorted(IMPORTS):
        visit(name)
    assert cycles == []


def test_every_project_import_goes_through_the_wrvu_package():
    """`import transforms` would load a second copy of a module beside `wrvu.transforms` in the
    repository (and nothing at all where wrvu is installed)."""
    top_level = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in [
            *MODULES.values(),
            *sorted((ROOT / "tests").rglob("*.py")),
            *sorted((ROOT / "bench").rglob("*.py")),
        ]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in PACKAGES)
        or (isinstance(node, ast.Import) and any(alias.name.split(".")[0] in PACKAGES for alias in node.names))
    )
    assert top_level == []
