"""Every third-party distribution the product imports is declared in
pyproject.toml's [project].dependencies (a missing one installs by luck, as a
dependency of a dependency, until it does not)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def top_level_imports(package: Path) -> dict[str, str]:
    """``{module: first file importing it}`` for absolute imports under ``package``."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(package.parent)))
    return found


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {normalise(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def test_every_imported_distribution_is_declared() -> None:
    modules = {name: where for name, where in top_level_imports(ROOT / "kiosk").items()
               if name not in sys.stdlib_module_names and name != "kiosk" and not name.startswith("_")}
    assert "kivy" in modules and "ndef" in modules  # the walk sees the product's imports
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(modules.items()):
        distributions = {normalise(d) for d in providers.get(module, [])}
        assert distributions, f"{module} (imported in {where}) is not installed: which distribution provides it?"
        if not distributions & declared():
            missing.append(f"{module} from {sorted(distributions)} (imported in {where})")
    assert not missing, "imported but not in [project].dependencies: " + "; ".join(missing)


def test_the_parser_sees_imports_in_every_form(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import a.b\nfrom c.d import e\nfrom . import f\nif x:\n    import g as h\n")
    assert set(top_level_imports(tmp_path)) == {"a", "c", "g"}
