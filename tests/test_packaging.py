"""The wheel installs one top-level package, `wrvu`, so it sits beside any other distribution's
`schemas`, `sql` or `flows`: built, installed into a fresh virtual environment that has a
`schemas` package of its own, and run there."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PPRRVU

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(UV), "build", "--wheel", "--out-dir", str(out), str(ROOT)], check=True, capture_output=True)
    [built] = out.glob("wrvu-*.whl")
    return built


def test_the_wheel_holds_one_top_level_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"wrvu", wheel.name.split("-py")[0] + ".dist-info"}
    for data in ("wrvu/sql/credit/priced_keys.sql", "wrvu/schemas/templates/wrvu.yaml", "wrvu/demo/wrvu.yaml"):
        assert data in names


def test_installed_beside_another_schemas_package_it_runs(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    site = next(env.glob("lib/python*/site-packages"))
    # the dependencies from this environment (its own .pth files, wrvu's development path among them,
    # are not read from there), and another distribution's top-level `schemas`
    (site / "dependencies.pth").write_text(next(Path(sys.prefix).glob("lib/python*/site-packages")).as_posix() + "\n")
    (site / "schemas").mkdir()
    (site / "schemas" / "__init__.py").write_text('OWNER = "another distribution"\n')
    subprocess.run([str(env / "bin" / "pip"), "install", "-q", "--no-deps", str(wheel)], check=True, cwd=tmp_path)

    def run(*args: str) -> str:
        done = subprocess.run([*args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    python, wrvu = str(env / "bin" / "python"), str(env / "bin" / "wrvu")
    assert run(python, "-c", "import schemas, wrvu.schemas.plans as p; print(schemas.OWNER, p.__file__)").startswith(
        f"another distribution {site}/wrvu/schemas/plans.py"
    )
    run(wrvu, "init", "ws")
    run(wrvu, "schedule", "load", str(PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"), "--workspace", "ws")
    shown = run(wrvu, "schedule", "show", "99213", "--date", "2023-03-01", "--workspace", "ws")
    assert "work_rvu" in shown and "1.30" in shown
