"""Dependencies run one way: no module imports an app that stands above its own.

core/ and grid/ are below every domain app and know none of them; domain apps don't import
each other (a new app plugs into the core, it edits no sibling); reports/ reads the apps'
query functions; demo/ may import them all. ``config/`` puts the apps together and is
outside the layers. Migrations count too: they are code that runs on every install.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lower numbers stand lower. Apps on one level may not import each other.
LAYERS = {
    "core": 0,
    "grid": 1,
    "residents": 2,
    "mediation": 3,
    "services": 3,
    "activities": 3,
    "reports": 4,
    "demo": 5,
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(LAYERS)


def app_modules() -> list[tuple[str, Path]]:
    return [(app, path) for app in LAYERS for path in sorted((ROOT / app).rglob("*.py"))]


def violations(app: str, path: Path) -> list[str]:
    mine = LAYERS[app]
    return sorted(other for other in imported_apps(path) if other != app and LAYERS[other] >= mine)


@pytest.mark.parametrize(
    ("app", "path"), app_modules(), ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v
)
def test_no_module_imports_an_app_at_or_above_its_own(app, path):
    assert violations(app, path) == [], f"{path.relative_to(ROOT)} imports {violations(app, path)}"


def test_the_check_notices_an_upward_import(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("from residents.models import Resident\nimport reports.views\nfrom . import x\n")
    assert violations("grid", module) == ["reports", "residents"]


def test_grid_names_no_model_of_the_apps_above_it():
    """A lazy model reference ("residents.Resident") is a dependency too; the project names it
    in settings (GRID_HEAD_MODEL), not the org tree."""
    above = [app for app, level in LAYERS.items() if level > LAYERS["grid"]]
    for path in (ROOT / "grid").rglob("*.py"):
        if "migrations" in path.parts:
            continue  # history: migration 0003 was written when the head field was added
        text = path.read_text(encoding="utf-8")
        assert not [app for app in above if f'"{app}.' in text], path
