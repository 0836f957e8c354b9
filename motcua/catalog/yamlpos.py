"""Where each value of a YAML document stands, so errors can name the line."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


def scan(text: str) -> tuple[dict[tuple, int], list[tuple[tuple, int]]]:
    """The 1-based line of every path (tuple of keys and indexes), and every key written twice.

    A key written twice in one mapping is legal to PyYAML, which silently keeps
    the last value; a definition author almost always meant something else.
    """
    return scan_node(yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def scan_node(root: yaml.Node | None) -> tuple[dict[tuple, int], list[tuple[tuple, int]]]:
    """`scan` of a document already composed (the loader composes it once to build its data too)."""
    index: dict[tuple, int] = {}
    twice: list[tuple[tuple, int]] = []
    if root is None:
        return index, twice

    def walk(node: yaml.Node, path: tuple) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    twice.append(((*path, key), key_node.start_mark.line + 1))
                seen.add(key)
                # Walked even when repeated: the loaded data holds the last value, so
                # the lines of its parts are those of the last one.
                walk(value_node, (*path, key))
                # The key's own line, not its value's: a block value (`steps:` followed by
                # its items) starts on the next line, and an error about `workflow/steps`
                # must point at `steps:`, not at the first step.
                index[(*path, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(root, ())
    return index, twice


def line_index(text: str) -> dict[tuple, int]:
    """Map every path (tuple of keys and indexes) to its 1-based line."""
    return scan(text)[0]


def line_of(index: dict[tuple, int], path: Sequence) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    parts = tuple(path)
    while parts and parts not in index:
        parts = parts[:-1]
    return index.get(parts, 1)
