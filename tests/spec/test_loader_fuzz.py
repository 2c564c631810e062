"""Whatever is written in the spec folders, loading ends in a Project or in located SpecErrors.

Two kinds of damage: text edits that usually break the YAML itself, and edits of the parsed
mappings (wrong types, unknown keys, missing keys, deleted list items such as states) that are
written back as valid YAML. A traceback of any other exception is a bug.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townflow.spec import Project, SpecErrors, load_project
from townflow.spec.loader import read_yaml

from .conftest import BASE, write_project

FILES = sorted(BASE)
WORDS = [
    "Draft", "Pending", "Approved", "Rejected", "Clerk", "Approver", "Village", "Application",
    "amount", "kind", "village", "workflow_state", "doc.amount > 0", "doc.nope == 1", "doc.", "1 +",
    "Table", "Link", "Select", "Data", "no", "yes", "2024-01-01", "", "东关村", "A", "C",
]  # fmt: skip

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.sampled_from(WORDS)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(WORDS), inner, max_size=3)
    ),
    max_leaves=6,
)
YAML_PIECES = st.sampled_from([*":-{}[],&*!|>'\"#%@`? \t\n\\", "\x00", "\ufeff", "  ", "\n  - ", ": ", "村"])


def _load(files: dict[str, str]) -> Project | SpecErrors:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), files)
        try:
            return load_project(root)
        except SpecErrors as errors:
            return errors


def _assert_clean_outcome(outcome: Project | SpecErrors) -> None:
    if isinstance(outcome, SpecErrors):
        assert len(outcome) >= 1
        for error in outcome:
            assert error.file in BASE, error
            assert error.line >= 1 and error.col >= 1, error
            assert error.message
            str(error)


def _parsed(name: str) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_project(Path(tmp), {name: BASE[name]}) / name
        data, _source, errors = read_yaml(path, name)
    assert not errors
    return data


PARSED = {name: _parsed(name) for name in FILES}


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def _mutate(data: Any, path: tuple, kind: str, value: Any, key: str) -> Any:
    data = copy.deepcopy(data)
    if not path:
        return value if kind == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if kind == "replace":
        parent[last] = value
    elif kind == "delete":
        del parent[last]
    elif kind == "add_key" and isinstance(parent[last], dict):
        parent[last][key] = value
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_but_parseable_specs_give_located_errors(data):
    files = dict(BASE)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        name = data.draw(st.sampled_from(FILES), label="file")
        parsed = PARSED[name] if files[name] is BASE[name] else yaml.load(files[name], Loader=yaml.SafeLoader)
        path = data.draw(st.sampled_from(_paths(parsed)), label="path")
        kind = data.draw(st.sampled_from(["replace", "delete", "add_key", "duplicate"]), label="kind")
        value = data.draw(VALUES, label="value")
        key = data.draw(st.text(max_size=8) | st.sampled_from(WORDS), label="key")
        files[name] = yaml.safe_dump(
            _mutate(parsed, path, kind, value, key), allow_unicode=True, sort_keys=False
        )
    _assert_clean_outcome(_load(files))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_yaml_text_gives_located_errors(data):
    name = data.draw(st.sampled_from(FILES), label="file")
    text = BASE[name]
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        kind = data.draw(st.sampled_from(["insert", "delete", "dup_line"]), label="kind")
        if kind == "insert":
            text = (
                text[:at]
                + "".join(data.draw(st.lists(YAML_PIECES, min_size=1, max_size=4), label="chars"))
                + text[at:]
            )
        elif kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 6), label="n") :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            line = at % len(lines)
            text = "".join(lines[: line + 1] + lines[line:])
    _assert_clean_outcome(_load({**BASE, name: text}))
