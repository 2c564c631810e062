"""Every key and Select value the compiler writes is one Frappe v15 defines.

The reference is tests/compile/frappe_v15_meta.json: field names, types and Select options taken
from Frappe's own DocType definitions (frappe/core/doctype/doctype/doctype.json, docfield.json,
docperm.json, frappe/workflow/doctype/*, role.json; see its `_source` and extract_frappe_meta.py).
Checked for the sample project and for the repository's own app.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from townflow.compile import API_METHODS, build_files
from townflow.compile.fixtures import FRAPPE_COLUMNS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
META = json.loads((HERE / "frappe_v15_meta.json").read_text())["doctypes"]
EXT = ROOT / "apps" / "care_for_girls" / "care_for_girls" / "townflow_ext"
#: Keys an exported document carries besides its fields (frappe.model.default_fields, child_table_fields).
DOC_KEYS = {"doctype", "name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"}
CHILD_KEYS = {"parent", "parentfield", "parenttype"}
#: Keys DocType.before_export adds for the file only.
DOCTYPE_FILE_KEYS = {"field_order"}


def _fields(doctype: str) -> dict:
    return META[doctype]["fields"]


def _check_doc(doctype: str, doc: dict, extra: set[str] = frozenset()) -> None:
    allowed = set(_fields(doctype)) | DOC_KEYS | CHILD_KEYS | extra
    unknown = set(doc) - allowed
    assert not unknown, f"{doctype} keys Frappe does not define: {sorted(unknown)}"
    for key, value in doc.items():
        spec = _fields(doctype).get(key)
        # A Select whose options Frappe fills in at run time (update_field: the DocType's fields)
        # has none in its definition.
        if spec and spec["fieldtype"] == "Select" and value is not None and any(spec["options"]):
            assert str(value) in spec["options"], (
                f"{doctype}.{key} = {value!r} is not one of Frappe's options"
            )
        if spec and spec["fieldtype"] == "Check":
            assert value in (0, 1), f"{doctype}.{key} must be 0 or 1, not {value!r}"
        if spec and spec["fieldtype"] == "Int" and value is not None:
            assert isinstance(value, int), f"{doctype}.{key} must be an integer"


@pytest.fixture(scope="module", params=["sample", "repository"])
def built(request, sample_project, repo_project):
    project = sample_project if request.param == "sample" else repo_project
    return project, build_files(project)


@pytest.fixture(scope="module")
def files(built):
    return built[1]


def _json(files: dict[str, bytes], pattern: str) -> list[tuple[str, object]]:
    rx = re.compile(pattern)
    return [(p, json.loads(c)) for p, c in files.items() if rx.search(p)]


def test_doctype_docfield_docperm_keys_and_values_are_frappes(files):
    doctypes = _json(files, r"/doctype/([a-z0-9_]+)/\1\.json$")
    assert doctypes
    for _path, doc in doctypes:
        _check_doc(
            "DocType", {k: v for k, v in doc.items() if k not in ("fields", "permissions")}, DOCTYPE_FILE_KEYS
        )
        assert doc["field_order"] == [f["fieldname"] for f in doc["fields"]]
        for field in doc["fields"]:
            _check_doc("DocField", field)
            if field["fieldtype"] == "Select":
                assert "\n" in field["options"] or field["options"], (
                    "Select options are newline-joined values"
                )
            for key in ("depends_on", "mandatory_depends_on", "read_only_depends_on"):
                if key in field:
                    assert field[key].startswith("eval:"), f"{key} must be compiled to eval:<js>"
        for perm in doc["permissions"]:
            _check_doc("DocPerm", perm)
            assert perm["role"]


def test_workflow_fixtures_use_frappes_keys_states_and_transitions(files):
    for _path, records in _json(files, r"fixtures/workflow\.json$"):
        for wf in records:
            _check_doc("Workflow", {k: v for k, v in wf.items() if k not in ("states", "transitions")})
            for row in wf["states"]:
                _check_doc("Workflow Document State", row)
                assert row["parenttype"] == "Workflow" and row["parentfield"] == "states"
            for row in wf["transitions"]:
                _check_doc("Workflow Transition", row)
                assert row["parentfield"] == "transitions"
                if row["condition"]:
                    ast.parse(row["condition"], mode="eval")  # frappe.safe_eval runs it as Python


def test_role_state_and_action_fixtures_use_frappes_keys(files):
    for name, doctype in (
        ("role", "Role"),
        ("workflow_state", "Workflow State"),
        ("workflow_action_master", "Workflow Action Master"),
    ):
        for _path, records in _json(files, rf"fixtures/{name}\.json$"):
            for record in records:
                _check_doc(doctype, record)
                assert set(FRAPPE_COLUMNS[doctype]) <= set(record), "an export lists every column"


def test_the_compilers_column_lists_are_frappes():
    for doctype, columns in FRAPPE_COLUMNS.items():
        data_fields = {
            k for k, v in _fields(doctype).items() if v["fieldtype"] not in ("Table", "Table MultiSelect")
        }
        assert set(columns) == data_fields, doctype


def test_hooks_point_at_functions_that_exist(files):
    hooks = ast.literal_eval
    tree = ast.parse(files["care_for_girls/hooks.py"].decode())
    values = {t.targets[0].id: hooks(t.value) for t in tree.body if isinstance(t, ast.Assign)}
    dotted: list[str] = [values["after_install"], values["after_migrate"]]
    handlers = [path for events in values["doc_events"].values() for path in events.values()]
    # Frappe takes one dotted path or a list of them per event
    dotted += [p for path in handlers for p in (path if isinstance(path, list) else [path])]
    dotted += [p for paths in values["scheduler_events"].values() for p in paths]
    dotted += list(values["override_whitelisted_methods"].values())
    for path in dotted:
        module, function = path.rsplit(".", 1)
        assert module.startswith("care_for_girls.townflow_ext."), path
        source = EXT / (module.split(".")[-1] + ".py")
        defined = {n.name for n in ast.parse(source.read_text()).body if isinstance(n, ast.FunctionDef)}
        assert function in defined, f"{path} is not defined in {source}"


def test_the_app_answers_every_townflow_api_name_the_embedded_runtime_answers(files):
    web = (ROOT / "apps" / "townflow" / "web" / "api_methods.py").read_text()
    runtime_names = set(re.findall(r'"townflow\.api\.([a-z_]+)"', web))
    assert runtime_names <= set(API_METHODS)
    tree = ast.parse((EXT / "api.py").read_text())
    whitelisted = {
        n.name
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and any("whitelist" in ast.unparse(d) for d in n.decorator_list)
    }
    assert set(API_METHODS) | {"apply_workflow"} <= whitelisted


def test_translations_cover_every_label_state_and_action(built):
    project, files = built
    rows = files["care_for_girls/translations/zh.csv"].decode().splitlines()
    sources = {row.split(",", 1)[0].strip('"') for row in rows}
    for wf in project.workflows.values():
        assert {s.state for s in wf.states} <= sources
        assert {a.action for a in wf.actions} <= sources
    for dt in project.doctypes.values():
        assert dt.name in sources or dt.name == dt.label.zh
        for f in dt.fields:
            if f.label and f.label.en != f.label.zh:
                assert f.label.en in sources, f"{dt.name}.{f.fieldname}"
            for choice in f.choices:
                if choice.value != choice.zh:
                    assert choice.value in sources


def test_fields_pushed_as_custom_fields_use_custom_field_keys(repo_project):
    from townflow.compile.doctypes import docfield

    allowed = set(_fields("Custom Field")) | DOC_KEYS
    for dt in repo_project.doctypes.values():
        types = {f.fieldname: f.fieldtype for f in dt.data_fields}
        for field in dt.fields:
            unknown = set(docfield(field, types)) - allowed
            assert not unknown, f"{dt.name}.{field.fieldname}: {sorted(unknown)}"
