"""Safe YAML reading that remembers where every value came from (file, line, column).

Only plain YAML is accepted: mappings, sequences, strings, numbers, booleans and null.
Tags that construct objects are refused, and ``yes``/``no``/``on``/``off`` stay strings
(YAML 1.2 booleans are only ``true``/``false``), so vocabularies like ``No < Some`` work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# libyaml's C parser when the wheel has it (10x faster); both only compose plain nodes here.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
MAX_DEPTH = 50  # no pack needs more; deeper documents are refused before they cost anything
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Mark:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlError(ValueError):
    def __init__(self, code: str, message: str, mark: Mark) -> None:
        self.code = code
        self.message = message
        self.mark = mark
        super().__init__(f"{mark}: {message}")


@dataclass
class YamlDocument:
    data: Any
    marks: dict[Path_, Mark]
    file: str

    def mark(self, path: Path_) -> Mark:
        """The nearest recorded position for a path (walking up to its parents)."""
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), Mark(self.file, 1, 1))


def load_yaml(path: Path, display: str | None = None) -> YamlDocument:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError("E-YAML-SYNTAX", f"not UTF-8 text ({exc.reason})",
                        Mark(name, 1, 1)) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        where = exc.problem_mark or exc.context_mark
        mark = Mark(name, where.line + 1, where.column + 1) if where else Mark(name, 1, 1)
        raise YamlError("E-YAML-SYNTAX", f"YAML syntax: {exc.problem or exc.context}",
                        mark) from exc
    except yaml.YAMLError as exc:
        raise YamlError("E-YAML-SYNTAX", f"YAML syntax: {exc}", Mark(name, 1, 1)) from exc
    except RecursionError:
        raise YamlError("E-YAML-SYNTAX", "YAML nested too deeply", Mark(name, 1, 1)) from None
    marks: dict[Path_, Mark] = {}
    if node is None:
        return YamlDocument(None, marks, name)
    data = _construct(node, (), marks, name, set())
    return YamlDocument(data, marks, name)


def _construct(node: yaml.Node, path: Path_, marks: dict[Path_, Mark], name: str,
               seen: set[int]) -> Any:
    mark = Mark(name, node.start_mark.line + 1, node.start_mark.column + 1)
    marks[path] = mark
    if len(path) > MAX_DEPTH:
        raise YamlError("E-YAML-SYNTAX", f"YAML nested more than {MAX_DEPTH} levels deep", mark)
    # An alias yields the same node object twice; refusing them rules out "billion laughs".
    if id(node) in seen:
        raise YamlError("E-YAML-TAG", "YAML aliases (*name) are not allowed in rule packs",
                        mark)
    seen.add(id(node))
    if node.tag not in _STANDARD_TAGS:
        raise YamlError("E-YAML-TAG", f"YAML tag {node.tag!r} is not allowed in rule packs",
                        mark)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError("E-YAML-TAG", "YAML merge keys (<<) are not allowed", mark)
            key = _construct(key_node, path, {}, name, seen)
            if not isinstance(key, str | int | float) or isinstance(key, bool):
                raise YamlError("E-YAML-KEY", "mapping keys must be plain text or numbers",
                                Mark(name, key_node.start_mark.line + 1,
                                     key_node.start_mark.column + 1))
            key = str(key)
            if key in out:
                raise YamlError("E-YAML-KEY", f"duplicate key {key!r}",
                                Mark(name, key_node.start_mark.line + 1,
                                     key_node.start_mark.column + 1))
            out[key] = _construct(value_node, (*path, key), marks, name, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), marks, name, seen)
                for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style in ("'", '"', "|", ">"):
        return value
    if node.tag == "tag:yaml.org,2002:str" and node.style is not None:
        return value
    if _NULL.match(value):
        return None
    if _BOOL.match(value):
        return value.lower() == "true"
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value
