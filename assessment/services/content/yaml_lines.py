"""YAML loading that remembers line numbers, so data-file errors can say ``file:line``.

PyYAML's composer already knows where every node starts; plain ``safe_load`` throws that away.
Here mappings and sequences become ``dict``/``list`` subclasses carrying the line of the node
and of each key or element, and duplicate keys (silently overwritten by PyYAML) are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class LineDict(dict[str, Any]):
    """A mapping from YAML with the line of the mapping and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML with the line of the sequence and of each element (1-based)."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True, order=True)
class DataFileProblem:
    """One thing wrong with a data file, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class YamlError(Exception):
    def __init__(self, problems: list[DataFileProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into plain values with line information attached."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(
            [DataFileProblem(file, line, f"YAML syntax error: {error.problem}")]
        ) from error
    except yaml.YAMLError as error:
        raise YamlError([DataFileProblem(file, 1, f"YAML error: {error}")]) from error
    if node is None:
        raise YamlError([DataFileProblem(file, 1, "the file is empty")])
    problems: list[DataFileProblem] = []
    value = _convert(node, file, problems, SafeConstructor())
    if problems:
        raise YamlError(problems)
    return value


def _convert(
    node: Node, file: str, problems: list[DataFileProblem], constructor: SafeConstructor
) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        mapping = LineDict()
        mapping.line, mapping.key_lines = line, {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key).lower() if isinstance(key, bool) else str(key)
            if key in mapping:
                problems.append(DataFileProblem(file, key_line, f"duplicate key '{key}'"))
            mapping[key] = _convert(value_node, file, problems, constructor)
            mapping.key_lines[key] = key_line
        return mapping
    if isinstance(node, SequenceNode):
        sequence = LineList()
        sequence.line = line
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        sequence.extend(_convert(child, file, problems, constructor) for child in node.value)
        return sequence
    assert isinstance(node, ScalarNode)
    return constructor.construct_object(node, deep=True)
