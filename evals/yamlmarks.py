"""YAML with line numbers: the parsed value plus a map from each key/item path to its line.

Scalars resolve the YAML 1.2 way: only true/false are booleans and timestamps stay strings,
so `user: yes` is the text "yes" and an unquoted `now: 2026-11-26T10:00:00Z` is its text,
as an evaluator means them. Numbers still parse as numbers, so an unquoted price is caught
by the schema as "not a quoted decimal string".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PathKey = str | int
Path = tuple[PathKey, ...]

_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Marked:
    data: Any
    lines: dict[Path, int]

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest ancestor that has one (1 for the root)."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return 1


def parse(text: str) -> Marked:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem(1, "the file is empty")
        lines: dict[Path, int] = {}
        _walk(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = " ".join(p for p in (e.context, e.problem) if p)
        raise YamlProblem(line, f"invalid YAML: {detail}") from None
    except yaml.YAMLError as e:
        raise YamlProblem(1, f"invalid YAML: {e}") from None
    finally:
        loader.dispose()
    return Marked(data, lines)


def _walk(node: Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            # PyYAML keeps the last of two equal keys without a word; a silently dropped
            # expectation is exactly the typo the contract wants caught.
            if key in seen:
                raise YamlProblem(line, f"duplicate key '{key}' (first on line {seen[key]})")
            seen[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines)
