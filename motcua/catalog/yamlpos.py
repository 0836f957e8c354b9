"""Where each value of a YAML document stands, so errors can name the line."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


def line_index(text: str) -> dict[tuple, int]:
    """Map every path (tuple of keys and indexes) to its 1-based line."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    index: dict[tuple, int] = {}
    if root is None:
        return index

    def walk(node: yaml.Node, path: tuple) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                walk(value_node, (*path, key))
                # An error about a key itself (e.g. an unknown property) points at the key's line.
                index.setdefault((*path, key), key_node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    walk(root, ())
    return index


def line_of(index: dict[tuple, int], path: Sequence) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    parts = tuple(path)
    while parts and parts not in index:
        parts = parts[:-1]
    return index.get(parts, 1)
