"""The house's layout rules (docs/ARCHITECTURE.md, "Layers"), read from the
source with :mod:`ast`; nothing here imports the package.

(a) the import graph of kiosk/ has no circles (module-level and
    function-level imports; imports under ``if TYPE_CHECKING:`` do not run
    and are left out, and so are the driver registry's
    ``importlib.import_module`` of a device family, which no statement names);
(b) no module outside kiosk/cli/ imports kiosk.cli (nor do the benchmarks);
(c) the top of kiosk/ holds at most 8 modules besides its packages;
(d) no module is over 400 lines, except the ILS simulator and the SIP2
    field catalogue;
(e) no dispatch by a name built from a string: no ``getattr`` whose name is
    an f-string;
(f) every part of kiosk/ (a package or a top-level module) stands on one
    layer of :data:`LAYERS`, and imports only its own part and the layers
    below it; type-only imports too, but for :data:`TYPE_ONLY_UPWARD`;
(g) the screens talk to the station through its protocol only: they import
    no driver, no SIP2 module and not the facade (:data:`SCREENS_MAY_IMPORT`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kiosk"

MAX_TOP_MODULES = 8
MAX_LINES = 400
# (d) The ILS simulator (a test double with its own data model) and the SIP2
# field catalogue (one table of every field of 3M SIP2 2.00, read as a whole)
# are long on purpose; nothing else is.
LONG_ALLOWED_UNDER = ("kiosk/sip2/ils/", "kiosk/sip2/fields.py")

# (f) The layers, bottom first. A part may import itself and any part on a
# lower layer; parts on one layer do not import each other.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ground", ("kiosk", "kiosk.errors", "kiosk.logs", "kiosk.events", "kiosk.i18n", "kiosk.assets")),
    ("self-contained parts", ("kiosk.sip2", "kiosk.tags", "kiosk.monitoring", "kiosk.i18n_tools")),
    ("hardware", ("kiosk.drivers",)),
    ("speech", ("kiosk.speech",)),
    ("config", ("kiosk.config",)),
    ("records", ("kiosk.store", "kiosk.staff")),
    ("circulation", ("kiosk.circulation", "kiosk.receipts")),
    ("services", ("kiosk.services",)),
    ("applications", ("kiosk.station", "kiosk.returnbin")),
    ("screens", ("kiosk.screens",)),
    ("demo", ("kiosk.demo",)),
    ("command line", ("kiosk.cli",)),
)
# Type-only imports (under ``if TYPE_CHECKING:``) that point up, each with its
# reason. An entry that no longer matches an import fails the test: remove it.
TYPE_ONLY_UPWARD = {
    # SIP2Settings.from_config(cfg: Config) names the station config's type
    # for mypy; at run time the protocol package imports nothing above it.
    ("kiosk/sip2/settings.py", "kiosk.config"),
}
# (g) What kiosk/screens/ may import of ours besides itself: the station's
# protocol, its events and the ground, config and staff access.
SCREENS_MAY_IMPORT = ("kiosk.station.api", "kiosk.events", "kiosk.errors", "kiosk.i18n", "kiosk.logs",
                      "kiosk.config", "kiosk.staff",
                      # What speech and keypad operation decide (focus order, keys, what is said) and the
                      # speaker's interface; the launcher builds the speaker and opens the keypad.
                      "kiosk.speech")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _run_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: anywhere in the module (functions
    included) except the body of an ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        if isinstance(child, ast.If) and _is_type_checking(child):
            for branch in child.orelse:
                yield from _run_imports(ast.Module(body=[branch], type_ignores=[]))
            continue
        yield from _run_imports(child)


def _owner(name: str) -> str | None:
    """The module of ours that ``name`` (a module or a name in one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(path: Path, *, include_type_checking: bool = False) -> dict[str, int]:
    """Our modules that ``path`` imports -> the line of the first such import."""
    this = module_name(path) if path.is_relative_to(PACKAGE) else ""
    return imports_in(path.read_text(encoding="utf-8"), this, is_package=path.name == "__init__.py",
                      include_type_checking=include_type_checking)


def imports_in(source: str, this: str, *, is_package: bool = False,
               include_type_checking: bool = False) -> dict[str, int]:
    """Our modules that module ``this`` (its ``source``) imports -> line."""
    tree = ast.parse(source)
    found: dict[str, int] = {}
    nodes = (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))) \
        if include_type_checking else _run_imports(tree)
    for node in nodes:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = this.split(".") if is_package else this.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            # ``from a import b`` imports the module a.b when there is one, else a
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        for target in targets:
            owner = _owner(target) if target.split(".")[0] == "kiosk" else None
            if owner and owner != this:
                found.setdefault(owner, node.lineno)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    return {name: imported_modules(path) for name, path in MODULES.items()}


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative, so a deep graph cannot hit the recursion limit
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def describe(circle: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(circle)
    ties = [f"  {rel(MODULES[a])}:{line} imports {b}"
            for a in circle for b, line in sorted(graph[a].items()) if b in members]
    return "circle of " + ", ".join(rel(MODULES[m]) for m in circle) + "\n" + "\n".join(ties)


def test_the_graph_reader_sees_what_python_runs() -> None:
    """The reader itself, on made-up source: relative, late, aliased and
    TYPE_CHECKING imports; names and modules imported with ``from``."""
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
import kiosk.errors as errors
from . import codec
from .client import SIP2Client
if TYPE_CHECKING:
    from kiosk.station.facade import Station
else:
    from kiosk.logs import MASK
def late():
    from kiosk.tags import decode_tag
"""
    found = imports_in(source, "kiosk.sip2.messages")
    assert sorted(found) == ["kiosk.errors", "kiosk.logs", "kiosk.sip2.client", "kiosk.sip2.codec", "kiosk.tags"]
    assert found["kiosk.tags"] == 12
    assert "kiosk.station.facade" in imports_in(source, "kiosk.sip2.messages", include_type_checking=True)
    assert sorted(imports_in("from ... import errors\nfrom . import data", "kiosk.sip2.ils", is_package=True)) \
        == ["kiosk.errors", "kiosk.sip2.ils.data"]
    assert circles({"a": {"b": 3}, "b": {"c": 5}, "c": {"a": 7}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert circles({"a": {"b": 1}, "b": {}}) == []


def test_no_import_circles() -> None:
    graph = import_graph()
    found = circles(graph)
    assert not found, "import circles (move code to where it belongs; no lazy imports to dodge them):\n" + \
        "\n".join(describe(c, graph) for c in found)


def test_library_never_imports_the_command_line() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py")):
        if rel(path).startswith("kiosk/cli/"):
            continue
        for target, line in imported_modules(path, include_type_checking=True).items():
            if target == "kiosk.cli" or target.startswith("kiosk.cli."):
                offenders.append(f"{rel(path)}:{line} imports {target}")
    assert not offenders, "kiosk/cli/ only parses, calls library code and prints; move shared code " \
                          "into the library:\n" + "\n".join(offenders)


def test_few_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, f"kiosk/ holds {len(top)} modules besides its packages " \
                                        f"(at most {MAX_TOP_MODULES}): {', '.join(top)}"


def test_no_long_modules() -> None:
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = rel(path)
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and not name.startswith(LONG_ALLOWED_UNDER):
            long[name] = lines
    assert not long, f"modules over {MAX_LINES} lines (split them by job): " + \
        ", ".join(f"{name} ({lines})" for name, lines in long.items())


def test_no_dispatch_by_built_names() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.JoinedStr):
                offenders.append(f"{rel(path)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "a name built from a string cannot be followed by a reader or a tool; " \
                          "use a table from typed keys to handlers:\n" + "\n".join(offenders)



def part_of(module: str) -> str:
    """The part of kiosk/ a module belongs to: ``kiosk.station.facade`` -> ``kiosk.station``."""
    return ".".join(module.split(".")[:2])


LAYER_OF = {part: (level, name) for level, (name, parts) in enumerate(LAYERS) for part in parts}


def upward_imports(*, type_only: bool) -> dict[tuple[str, str], str]:
    """(file, part imported) -> why it breaks (f): imports that run, or with
    ``type_only`` the imports under ``if TYPE_CHECKING:`` alone."""
    found: dict[tuple[str, str], str] = {}
    for name, path in MODULES.items():
        running = imported_modules(path)
        targets = imported_modules(path, include_type_checking=True) if type_only else running
        for target, line in targets.items():
            if type_only and target in running:
                continue
            here, there = part_of(name), part_of(target)
            if here == there or here not in LAYER_OF or there not in LAYER_OF:
                continue
            if LAYER_OF[there][0] >= LAYER_OF[here][0]:
                found[(rel(path), there)] = (f"{rel(path)}:{line} ({LAYER_OF[here][1]}) imports {target} "
                                             f"({LAYER_OF[there][1]})")
    return found


def test_every_part_stands_on_a_layer() -> None:
    parts = {part_of(name) for name in MODULES}
    unplaced = sorted(parts - set(LAYER_OF))
    assert not unplaced, "place these in LAYERS (and in docs/ARCHITECTURE.md): " + ", ".join(unplaced)
    gone = sorted(set(LAYER_OF) - parts)
    assert not gone, "LAYERS names parts that are gone: " + ", ".join(gone)


def test_imports_point_down_the_layers() -> None:
    found = upward_imports(type_only=False)
    assert not found, "imports that run sideways or up the layers (move the code down, or " \
                      "hand the part what it needs from above):\n" + "\n".join(found.values())


def test_type_only_imports_point_down_too() -> None:
    found = upward_imports(type_only=True)
    unexpected = [why for key, why in found.items() if key not in TYPE_ONLY_UPWARD]
    assert not unexpected, "type-only imports up the layers (declare the shape you read as a " \
                           "Protocol beside the code instead):\n" + "\n".join(unexpected)
    stale = sorted(f"{path} -> {part}" for path, part in TYPE_ONLY_UPWARD if (path, part) not in found)
    assert not stale, "TYPE_ONLY_UPWARD entries no longer needed (remove them): " + ", ".join(stale)


def test_screens_reach_the_station_through_its_protocol_only() -> None:
    offenders = []
    for path in sorted((PACKAGE / "screens").rglob("*.py")):
        for target, line in imported_modules(path, include_type_checking=True).items():
            if target.startswith("kiosk.screens") or target == "kiosk":
                continue
            if not any(target == allowed or target.startswith(allowed + ".") for allowed in SCREENS_MAY_IMPORT):
                offenders.append(f"{rel(path)}:{line} imports {target}")
    assert not offenders, "screens render the station's events and call StationAPI; drivers, the ILS " \
                          "and the facade stay behind it:\n" + "\n".join(offenders)
