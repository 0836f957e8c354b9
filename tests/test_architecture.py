"""No import cycle between the rooms (apps) of motcua.

A room is a first-level package under `motcua/` (`lib/` included: pure helpers,
it must import no room). Every `import motcua.X…` and `from motcua.X… import …`
counts, at module level or inside a function, relative imports resolved;
migrations are left out (they name other apps' migrations, not their code).
The modules beside the rooms (settings, urls, cli) assemble the project and
may import any room.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "motcua"

Edges = dict[str, dict[str, list[str]]]  # room → room it imports → ["file:line", …]


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The dotted names an import statement brings in, relative ones resolved against `module`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")[: -node.level]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    # `from motcua import portal` imports the room portal; `from motcua.portal import views` imports portal.
    return [f"{stem}.{alias.name}" for alias in node.names] if stem == "motcua" else [stem]


def room_imports(package: Path = PACKAGE) -> Edges:
    """Which room imports which other room, and where."""
    rooms = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    edges: Edges = defaultdict(lambda: defaultdict(list))
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent)
        if len(relative.parts) < 3 or "migrations" in relative.parts:
            continue  # a project module (settings, urls…), or a migration
        room = relative.parts[1]
        module = ".".join(relative.with_suffix("").parts)
        if path.name == "__init__.py":
            module += ".__init__"  # so that `from . import x` stays in the package
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, module):
                parts = name.split(".")
                if len(parts) >= 2 and parts[0] == package.name and parts[1] in rooms and parts[1] != room:
                    edges[room][parts[1]].append(f"{relative.as_posix()}:{node.lineno}")
    return edges


def _path(edges: Edges, start: str, goal: str) -> list[str] | None:
    """The shortest chain of imports from `start` to `goal` (breadth first), or None."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        room = queue.pop(0)
        if room == goal:
            chain = [room]
            while previous[chain[-1]] is not None:
                chain.append(previous[chain[-1]])
            return chain[::-1]
        for other in sorted(edges.get(room, {})):
            if other not in previous:
                previous[other] = room
                queue.append(other)
    return None


def cycles(edges: Edges) -> list[list[str]]:
    """One shortest cycle through each import that is part of a cycle (rotations counted once)."""
    found: dict[tuple[str, ...], list[str]] = {}
    for room in sorted(edges):
        for other in sorted(edges[room]):
            back = _path(edges, other, room)
            if back is None:
                continue
            cycle = [room, *back[:-1]]
            first = cycle.index(min(cycle))
            key = tuple(cycle[first:] + cycle[:first])
            found.setdefault(key, list(key))
    return list(found.values())


def describe(edges: Edges, cycle: list[str]) -> str:
    lines = [" → ".join([*cycle, cycle[0]])]
    for room, other in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        lines.append(f"  {room} → {other}: " + ", ".join(edges[room][other]))
    return "\n".join(lines)


def test_no_import_cycle_between_rooms():
    edges = room_imports()
    found = cycles(edges)
    assert not found, "import cycles between rooms:\n" + "\n".join(describe(edges, c) for c in found)


def test_lib_imports_no_room():
    assert dict(room_imports().get("lib", {})) == {}


def test_the_walk_sees_every_kind_of_import(tmp_path):
    # A small package where each kind of import closes a cycle; the walk must see them all.
    root = tmp_path / "motcua"
    files = {
        "a/__init__.py": "",
        "a/top.py": "from motcua.b.models import Thing\n",
        "b/__init__.py": "",
        "b/models.py": "def later():\n    import motcua.c.views\n",
        "c/__init__.py": "",
        "c/views.py": "from ..a import top\nfrom . import more\n",
        "c/more.py": "from ..d import x\n",
        "d/__init__.py": "from motcua import c\n",
        "d/migrations/__init__.py": "",
        "d/migrations/0001.py": "from motcua.a import top\n",
        "settings.py": "import motcua.a\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    edges = room_imports(root)
    assert {room: sorted(others) for room, others in edges.items()} == {
        "a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["c"],
    }
    assert sorted(cycles(edges)) == [["a", "b", "c"], ["c", "d"]]
    message = describe(edges, ["c", "d"])
    assert message.splitlines()[0] == "c → d → c"
    assert "motcua/c/more.py:1" in message and "motcua/d/__init__.py:1" in message
