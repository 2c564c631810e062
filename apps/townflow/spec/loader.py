"""YAML reading that keeps what was written and remembers where it was written.

Why not `yaml.safe_load`: PyYAML implements YAML 1.1, where `no`, `on`, `yes` and `off` become
booleans, `2024-01-01` becomes a date and `010` is octal; a village called `No` or a date typed
into a description silently changes meaning. `SpecLoader` resolves plain scalars with the
YAML 1.2 core schema instead (only `true`/`false`, `null`/`~`, decimal/0o/0x ints, floats).
Duplicate keys, which PyYAML silently lets the last one win, are errors.

Every document is first composed into PyYAML's node tree, which carries line and column for
each key and value; `Source.error(path, message)` walks that tree along a key path (as pydantic
reports it in `ValidationError.loc`) to point at the exact key or value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from townflow.spec.errors import SpecError, format_path

Path_ = Sequence[str | int]

_TAG = "tag:yaml.org,2002:"
#: The line breaks YAML counts (so our line numbers match PyYAML's marks).
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


#: libyaml's parser when PyYAML was built with it (about ten times faster; same marks).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecLoader(_BaseLoader):
    """A SafeLoader with the YAML 1.2 core schema for plain scalars (no 1.1 booleans, dates, octal)."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 - PyYAML's class-level registry, rebuilt below

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """Turn constructor crashes on odd explicit tags (`!!int abc`) into located YAML errors."""
        try:
            return super().construct_object(node, deep=deep)
        except yaml.MarkedYAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError) as exc:
            raise ConstructorError(
                None, None, f"cannot read {node.tag} value: {exc}", node.start_mark
            ) from None


def _construct_int(loader: SpecLoader, node: ScalarNode) -> int:
    text = loader.construct_scalar(node)
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text.lstrip("+"))
    if digits[:2] in ("0o", "0x"):
        return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
    return sign * int(digits, 10)


def _construct_float(loader: SpecLoader, node: ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader: SpecLoader, node: ScalarNode) -> bool:
    text = loader.construct_scalar(node).lower()
    if text not in ("true", "false"):
        raise ConstructorError(None, None, f"{text!r} is not true or false", node.start_mark)
    return text == "true"


# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), nothing else.
SpecLoader.add_implicit_resolver(_TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
SpecLoader.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
SpecLoader.add_implicit_resolver(
    _TAG + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
SpecLoader.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
SpecLoader.add_constructor(_TAG + "int", _construct_int)
SpecLoader.add_constructor(_TAG + "float", _construct_float)
SpecLoader.add_constructor(_TAG + "bool", _construct_bool)


@dataclass
class Source:
    """One YAML file: its display name, its lines and its node tree (None when empty or broken)."""

    file: str
    lines: list[str] = field(default_factory=list)
    root: Node | None = None

    def _walk(self, path: Path_) -> tuple[Node | None, Node | None, int]:
        """Follow `path` as far as the node tree goes: (value node, its key node, parts matched)."""
        node, key_node, matched = self.root, None, 0
        for part in path:
            if isinstance(node, MappingNode) and not isinstance(part, int):
                found = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)]
                if not found:
                    break
                key_node, node = found[-1]  # with duplicate keys the last one wins, as when reading
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                key_node, node = None, node.value[part]
            else:
                break
            matched += 1
        return node, key_node, matched

    def error(
        self, path: Path_, message: str, *, at_key: bool = False, offset: int | None = None
    ) -> SpecError:
        """A located error at `path`: the value there (or its key), else the nearest enclosing node.

        `offset` is a character offset inside a single-line scalar value (where an expression
        failed to parse), added to the column when it can be placed exactly.
        """
        node, key_node, matched = self._walk(path)
        target = key_node if at_key and key_node is not None and matched == len(path) else node
        if target is None:
            return SpecError(self.file, 1, 1, format_path(path), message, self._line(1))
        line, col = target.start_mark.line + 1, target.start_mark.column + 1
        if offset is not None and isinstance(target, ScalarNode) and target is node and matched == len(path):
            if not target.style:  # plain (PyYAML says None, libyaml says "")
                col += offset
            elif target.style in ("'", '"'):
                col += offset + 1
        return SpecError(self.file, line, col, format_path(path), message, self._line(line))

    def key_named_in(self, path: Path_, message: str) -> tuple[str, ...]:
        """The key of the mapping at `path` that `message` names (outside quotes), if exactly one.

        A model validator's error belongs to the whole mapping (`fields[3]`), but its message
        usually names the key at fault ("needs options as a list"): point there instead.
        """
        node, _key, matched = self._walk(path)
        if matched != len(path) or not isinstance(node, MappingNode):
            return ()
        words = set(re.findall(r"[a-z_]+", re.sub(r"'[^']*'|\{[^}]*\}", "", message)))
        keys = [k.value for k, _v in node.value if isinstance(k, ScalarNode) and k.value in words]
        return (keys[0],) if len(keys) == 1 else ()

    def _line(self, line: int) -> str:
        return self.lines[line - 1].rstrip() if 0 < line <= len(self.lines) else ""

    def at_mark(self, mark: Any, message: str) -> SpecError:
        if mark is None:
            return SpecError(self.file, 1, 1, "", message, self._line(1))
        line = mark.line + 1
        return SpecError(self.file, line, mark.column + 1, "", message, self._line(line))


def _structural_errors(source: Source) -> list[SpecError]:
    """Duplicate keys and aliases that contain themselves; each mapping node is checked once.

    Plain keys are also made text here (`1:`, `true:` and `null:` would be int, bool and None).
    """
    errors: list[SpecError] = []
    done: set[int] = set()
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(source.root, False)] if source.root is not None else []
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in on_path:
            errors.append(source.at_mark(node.start_mark, "an alias refers to the node that contains it"))
            continue
        if id(node) in done or isinstance(node, ScalarNode):
            continue
        on_path.add(id(node))
        stack.append((node, True))
        if isinstance(node, MappingNode):
            seen: dict[str, Node] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    # every key of the spec is text: `1:` or `null:` is then an unknown key, at the key
                    key.tag = _TAG + "str"
                    if key.value in seen:
                        first = seen[key.value].start_mark.line + 1
                        errors.append(
                            source.at_mark(
                                key.start_mark, f"duplicate key {key.value!r} (first on line {first})"
                            )
                        )
                    seen[key.value] = key
                stack.extend([(value, False), (key, False)])
        else:
            stack.extend((child, False) for child in reversed(node.value))
    return errors


def read_yaml(path: Path, display: str) -> tuple[Any, Source, list[SpecError]]:
    """Read one YAML file: (data, source, errors). Data is None when there are errors."""
    source = Source(display)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, source, [SpecError(display, 0, 0, "", f"cannot read file: {exc}")]
    source.lines = _LINE_BREAK.split(text)
    loader = None
    try:
        loader = SpecLoader(text)
        source.root = loader.get_single_node()
        errors = _structural_errors(source)
        if any("alias" in e.message for e in errors) or source.root is None:
            return None, source, errors
        # duplicate keys are reported, and the file is still read (the last one wins) so that its
        # other errors are reported in the same run
        return loader.construct_document(source.root), source, errors
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        return None, source, [source.at_mark(mark, f"invalid YAML: {problem}")]
    except yaml.reader.ReaderError as exc:  # characters YAML does not allow, found before parsing
        before = _LINE_BREAK.split(text[: exc.position])
        mark = yaml.Mark(display, exc.position, len(before) - 1, len(before[-1]), None, None)
        return (
            None,
            source,
            [source.at_mark(mark, f"invalid YAML: character {exc.character:#06x} is not allowed")],
        )
    except RecursionError:
        return None, source, [source.at_mark(None, "invalid YAML: nested too deeply")]
    finally:
        if loader is not None:
            loader.dispose()


# --- pydantic errors -> located spec errors -----------------------------------------------------

_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}
_TYPE_TAG = re.compile(r"[\[\(]|^(?:str|int|float|bool|none|dict|list)$")


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union/validator tags (`str`, `list[Choice]`, `function-after[...]`)."""
    return tuple(p for p in loc if isinstance(p, int) or not _TYPE_TAG.search(p))


def _message(err: dict[str, Any]) -> str:
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if err["type"] == "extra_forbidden":
        return "unknown key (not part of the spec; check its spelling and indentation)"
    if err["type"] == "missing":
        return "required key is missing"
    if err["type"] == "literal_error" and isinstance(err.get("input"), str):
        allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(err["input"], allowed, n=1)
        if len(allowed) > 8:
            msg = f"{err['input']!r} is not one of the {len(allowed)} allowed values"
            msg += f" (did you mean {close[0]!r}?)" if close else f": {', '.join(allowed)}"
        elif close:
            msg += f" (did you mean {close[0]!r}?)"
    if err["type"] == "bool_type" and str(err.get("input")).lower() in _YAML11_BOOLS:
        msg += f" (write true or false: YAML 1.2 reads {err['input']} as the text {err['input']!r})"
    return msg


def validation_errors(exc: ValidationError, source: Source, base: Path_ = ()) -> list[SpecError]:
    """Every pydantic error located in `source`; alternatives of one union merged into one error."""
    grouped: dict[tuple[tuple[str | int, ...], bool], list[str]] = {}
    for err in exc.errors(include_url=False):
        loc = (*base, *_clean_loc(tuple(err["loc"])))
        if err["type"] == "value_error":  # a model validator: point at the key its message names
            loc = (*loc, *source.key_named_in(loc, err["msg"]))
        messages = grouped.setdefault((loc, err["type"] == "extra_forbidden"), [])
        message = _message(err)
        if message not in messages:
            messages.append(message)
    return [
        source.error(loc, "; or ".join(messages), at_key=at_key)
        for (loc, at_key), messages in grouped.items()
    ]


def validate(
    model: type[BaseModel], data: Any, source: Source, base: Path_ = ()
) -> tuple[Any, list[SpecError]]:
    """Validate `data` (found at `base` in `source`) as `model`: (instance or None, errors).

    Strict mode: a YAML string never turns into a boolean or number (`reqd: "yes"` is an error,
    not True), so what validates is what was written.
    """
    try:
        return model.model_validate(data, strict=True), []
    except ValidationError as exc:
        return None, validation_errors(exc, source, base)
