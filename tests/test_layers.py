"""The layers of the tree (pyproject.toml, ``[tool.importlinter]``): import-linter checks that no
module imports a layer above its own, and this test checks the contracts cover the whole tree."""

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import bureau

ROOT = Path(__file__).resolve().parent.parent


def config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_no_module_imports_a_layer_above_its_own():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_every_package_of_the_project_is_in_a_layer():
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in ("tests", "scripts", "static", "templates", "docs")
    }
    assert packages == set(config()["root_packages"])


def test_every_module_of_the_bureau_but_its_pages_is_held_to_the_bottom():
    bottom = next(c for c in config()["contracts"] if c["name"].startswith("The bureau's org"))
    modules = {f"bureau.{m.name}" for m in pkgutil.iter_modules(bureau.__path__)} - {
        "bureau.pages"
    }
    assert modules == set(bottom["source_modules"])


def test_the_contracts_make_no_exceptions():
    """Every entity is declared as plain data from ``portal`` types, so no module needs an
    import the layers forbid (a domain app's columns once built on the import engine)."""
    exceptions = [c["name"] for c in config()["contracts"] if c.get("ignore_imports")]
    assert not exceptions, exceptions
