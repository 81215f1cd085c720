"""The docs name only what exists: every ``kiosk/...`` path in the README,
docs/ARCHITECTURE.md and CONTRIBUTING.md is a file or folder of the tree;
every ``kiosk/path.py::Name.attr`` and every dotted ``kiosk.module.Name`` in
ARCHITECTURE.md is defined there. Read with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
DOCS = [ROOT / "README.md", ARCHITECTURE, ROOT / "CONTRIBUTING.md"]

# ``kiosk/...`` as a path of this tree, not the tail of another (/etc/kiosk/kiosk.toml, ~/kiosk/.venv)
PATH = re.compile(r"(?<![\w/.~-])kiosk/[\w./*-]*[\w/*]")
DEFINED = re.compile(r"`(kiosk/[\w/]+\.py)::([A-Za-z_][\w.]*)`")
DOTTED = re.compile(r"(?<![\w/.])kiosk(?:\.[A-Za-z_]\w*)+")


def text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def names_in(body: list[ast.stmt], *, with_self: bool = False) -> dict[str, ast.AST]:
    """Names a module or class body defines (functions, classes, assignments,
    imports); ``with_self`` adds ``self.x = ...`` in its methods."""
    found: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found[(alias.asname or alias.name).split(".")[0]] = node
        elif isinstance(node, ast.If):       # TYPE_CHECKING blocks, optional imports
            found.update(names_in(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            found.update(names_in(node.body + [s for h in node.handlers for s in h.body]))
    if with_self:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    targets = inner.targets if isinstance(inner, ast.Assign) else \
                        [inner.target] if isinstance(inner, ast.AnnAssign) else []
                    for target in targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == "self":
                            found.setdefault(target.attr, inner)
    return found


def resolves(path: Path, qualname: str) -> bool:
    """``qualname`` (``Name`` or ``Class.method`` ...) is defined in ``path``."""
    scope: list[ast.stmt] = tree(path).body
    with_self = False
    for part in qualname.split("."):
        node = names_in(scope, with_self=with_self).get(part)
        if node is None:
            return False
        if isinstance(node, ast.ClassDef):
            scope, with_self = node.body, True
        else:
            scope, with_self = [], False
    return True


def paths_named(doc: Path) -> list[str]:
    return sorted({match.rstrip(".") for match in PATH.findall(text(doc))})


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_kiosk_path_exists(doc: Path) -> None:
    missing = [p for p in paths_named(doc) if not (any(ROOT.glob(p)) if "*" in p else (ROOT / p).exists())]
    assert not missing, f"{doc.name} names paths that do not exist: " + ", ".join(missing)


def test_every_named_definition_exists() -> None:
    refs = DEFINED.findall(text(ARCHITECTURE))
    assert len(refs) > 30          # the checkout walk alone names more than this
    missing = [f"{path}::{name}" for path, name in refs
               if not (ROOT / path).is_file() or not resolves(ROOT / path, name)]
    assert not missing, "docs/ARCHITECTURE.md names definitions that do not exist: " + ", ".join(missing)


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_dotted_name_exists(doc: Path) -> None:
    """In ARCHITECTURE.md every ``kiosk.x...``; elsewhere those under a real
    module (the README also names files such as ``kiosk.toml``)."""
    missing = []
    for ref in sorted(set(DOTTED.findall(text(doc)))):
        parts = ref.split(".")
        if doc != ARCHITECTURE and module_file(".".join(parts[:2])) is None:
            continue
        for cut in range(len(parts), 0, -1):
            path = module_file(".".join(parts[:cut]))
            if path is not None:
                break
        rest = ".".join(parts[cut:])
        if path is None or (rest and not resolves(path, rest)):
            missing.append(ref)
    assert not missing, f"{doc.name} names modules or names that do not exist: " + ", ".join(missing)


def test_the_afi_write_is_where_the_doc_says() -> None:
    """The question a newcomer asks first: the doc answers it, and the answer holds."""
    doc = text(ARCHITECTURE)
    assert "`kiosk/circulation/context.py::SecurityWriter._write_one`" in doc.split("## The parts")[0]
    source = ast.get_source_segment(
        (ROOT / "kiosk/circulation/context.py").read_text(encoding="utf-8"),
        next(n for n in ast.walk(tree(ROOT / "kiosk/circulation/context.py"))
             if isinstance(n, ast.FunctionDef) and n.name == "_write_one"))
    assert source is not None and "reader.write_afi(" in source


def test_the_reader_itself(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("import os\nclass A:\n    x = 1\n    def f(self):\n        self.y = 2\n"
                    "    class B:\n        def g(self): ...\n", encoding="utf-8")
    assert resolves(path, "A.f") and resolves(path, "A.y") and resolves(path, "A.B.g") and resolves(path, "os")
    assert not resolves(path, "A.g") and not resolves(path, "B") and not resolves(path, "A.f.y")
    assert PATH.findall("see /etc/kiosk/kiosk.toml and kiosk/station/facade.py.") == ["kiosk/station/facade.py"]
    assert DOTTED.findall("`kiosk.sip2.api.ILSClient`, kiosk.toml") == ["kiosk.sip2.api.ILSClient", "kiosk.toml"]
