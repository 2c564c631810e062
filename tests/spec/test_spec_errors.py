"""Each kind of spec error: its message and the file:line:col it points at.

Every case breaks the small valid project of conftest.BASE in one place; the caret must land on
the token named in `at` (the key or value a person has to change).
"""

from __future__ import annotations

import pytest

from townflow.spec import SpecErrors, load_project

from .conftest import BASE, VILLAGE, WORKFLOW, spec_errors, write_project

A = "doctypes/application.yaml"
V = "doctypes/village.yaml"
W = "workflows/application.yaml"
F = "fixtures/villages.yaml"
R = "fixtures/roles.yaml"

EXTRA_TRANSITION = "applicant_state: Draft"
NEXT_FIELD = "  - fieldname: workflow_state\n"


def _add_field(text: str) -> tuple[str, str]:
    """Insert a field (YAML lines) before workflow_state, at line 23 of application.yaml."""
    return NEXT_FIELD, text + NEXT_FIELD


def _add_transition(line: str) -> tuple[str, str]:
    return EXTRA_TRANSITION, f"  - {line}\n{EXTRA_TRANSITION}"


# (case, file, replacements, location, message, token under the caret)
CASES = [
    # --- YAML itself
    (
        "yaml_syntax",
        V,
        ("label: {zh: 村, en: Village}", "label: {zh: 村, en: Village"),
        "doctypes/village.yaml:4:9",
        "invalid YAML: while parsing a flow mapping did not find expected ',' or '}'",
        ":",
    ),
    (
        "duplicate_key",
        V,
        ("    reqd: true\n", "    reqd: true\n    reqd: false\n"),
        "doctypes/village.yaml:10:5",
        "duplicate key 'reqd' (first on line 9)",
        "reqd: false",
    ),
    (
        "yaml11_boolean_is_text",
        V,
        ("reqd: true", "reqd: yes"),
        "doctypes/village.yaml:9:11",
        "Input should be a valid boolean (write true or false: YAML 1.2 reads yes as the text 'yes')",
        "yes",
    ),
    (
        "recursive_alias",
        V,
        ("permissions:\n  - {role: Clerk, read: true}\n", "permissions: &p\n  - *p\n"),
        "doctypes/village.yaml:10:14",
        "an alias refers to the node that contains it",
        "&p",
    ),
    (
        "two_documents",
        V,
        ("module: Org\n", "module: Org\n---\nname: X\n"),
        "doctypes/village.yaml:3:1",
        "invalid YAML: expected a single document in the stream but found another document",
        "---",
    ),
    (
        "empty_file",
        V,
        (VILLAGE, ""),
        "doctypes/village.yaml:1:1",
        "the file is empty: a doctypes/ file holds one DocType",
        "",
    ),
    # --- one file against the models
    (
        "unknown_key",
        V,
        ("    reqd: true\n", "    reqd: true\n    colour: red\n"),
        "doctypes/village.yaml:10:5",
        "unknown key (not part of the spec; check its spelling and indentation)",
        "colour",
    ),
    ("missing_key", V, ("module: Org\n", ""), "doctypes/village.yaml:1:1", "required key is missing", "name"),
    (
        "field_type",
        V,
        ("fieldtype: Data", "fieldtype: Dat"),
        "doctypes/village.yaml:7:16",
        "'Dat' is not one of the 43 allowed values (did you mean 'Date'?)",
        "Dat",
    ),
    (
        "fieldname_identifier",
        V,
        ("fieldname: village_name", "fieldname: Village-Name"),
        "doctypes/village.yaml:6:16",
        "fieldname 'Village-Name' must be a lower-case Python identifier (a-z, 0-9, _)",
        "Village-Name",
    ),
    (
        "select_needs_choices",
        A,
        ("options: [{value: A, zh: 甲}, {value: B, zh: 乙}]", "options: A"),
        "doctypes/application.yaml:20:14",
        "Select field 'kind' needs options as a list of {value, zh}",
        "A",
    ),
    (
        "model_rule_naming_no_single_key",
        A,
        _add_field(
            "  - fieldname: n\n    fieldtype: Int\n    min_value: 5\n    max_value: 1\n"
            "    label: {zh: 数, en: N}\n"
        ),
        "doctypes/application.yaml:23:5",
        "field 'n': min_value is greater than max_value",
        "fieldname: n",
    ),
    (
        "step_rule",
        W,
        ("step: {assignee_role: Approver}", "step: {assignee_role: Approver, on_overdue: [remind]}"),
        "workflows/application.yaml:8:49",
        "on_overdue needs due_hours, due_days, due_hours_setting or due_date_field",
        "[remind]",
    ),
    # --- DocTypes across the project
    (
        "duplicate_fieldname",
        A,
        _add_field("  - fieldname: amount\n    fieldtype: Int\n    label: {zh: 数, en: Count}\n"),
        "doctypes/application.yaml:23:16",
        "duplicate fieldname 'amount' (first at fields[2])",
        "amount",
    ),
    (
        "reserved_fieldname",
        A,
        _add_field("  - fieldname: owner\n    fieldtype: Data\n    label: {zh: 户主, en: Owner}\n"),
        "doctypes/application.yaml:23:16",
        "fieldname 'owner' is a column Frappe adds to every DocType",
        "owner",
    ),
    (
        "fetal_sex_field",
        A,
        _add_field("  - fieldname: fetal_sex\n    fieldtype: Data\n    label: {zh: 性别, en: Sex}\n"),
        "doctypes/application.yaml:23:16",
        "Application.fetal_sex: no form may record fetal sex ('fetal_sex'); "
        "the campaign forbids identifying it",
        "fetal_sex",
    ),
    (
        "fetal_sex_label",
        A,
        _add_field("  - fieldname: result\n    fieldtype: Data\n    label: {zh: 胎儿性别, en: Result}\n"),
        "doctypes/application.yaml:23:16",
        "Application.result: no form may record fetal sex ('胎儿性别'); the campaign forbids identifying it",
        "result",
    ),
    (
        "link_target",
        A,
        _add_field(
            "  - fieldname: home\n    fieldtype: Link\n    options: Villag\n    label: {zh: 村, en: Home}\n"
        ),
        "doctypes/application.yaml:25:14",
        "Link target 'Villag' is not a declared DocType (did you mean 'Village'?)",
        "Villag",
    ),
    (
        "table_target_not_child_table",
        A,
        _add_field(
            "  - fieldname: rows\n    fieldtype: Table\n    options: Village\n    label: {zh: 行, en: Rows}\n"
        ),
        "doctypes/application.yaml:25:14",
        "Table target 'Village' must be a child table (istable: true)",
        "Village",
    ),
    (
        "select_default",
        A,
        ("default: A", "default: C"),
        "doctypes/application.yaml:21:14",
        "default 'C' is not one of the options: A, B",
        "C",
    ),
    (
        "title_field",
        A,
        ("title_field: applicant", "title_field: applicant_name"),
        "doctypes/application.yaml:5:14",
        "Application has no field 'applicant_name' (did you mean 'applicant'?)",
        "applicant_name",
    ),
    (
        "fetch_from",
        A,
        ("    depends_on: doc.kind == 'A'\n", "    fetch_from: village.population\n"),
        "doctypes/application.yaml:17:17",
        "fetch_from: Village has no field 'population'",
        "village.population",
    ),
    (
        "expression_syntax",
        A,
        ("depends_on: doc.kind == 'A'", "depends_on: doc.kind === 'A'"),
        "doctypes/application.yaml:17:28",
        "expression does not parse: syntax error: invalid syntax",
        "= 'A'",
    ),
    (
        "expression_field",
        A,
        ("depends_on: doc.kind == 'A'", "depends_on: doc.kinds == 'A'"),
        "doctypes/application.yaml:17:17",
        "expression reads doc.kinds, which Application does not have (did you mean 'kind'?)",
        "doc.kinds",
    ),
    (
        "permission_role",
        A,
        ("{role: Approver, read: true", "{role: Approvers, read: true"),
        "doctypes/application.yaml:30:12",
        "role 'Approvers' is not declared in fixtures/ roles: (did you mean 'Approver'?)",
        "Approvers",
    ),
    (
        "scope_without_link",
        V,
        ("{role: Clerk, read: true}", "{role: Clerk, read: true, scope: department}"),
        "doctypes/village.yaml:11:38",
        "scope 'department' needs a Link field to Department on Village, and there is none",
        "department",
    ),
    # --- workflows
    (
        "workflow_doctype",
        W,
        ("document_type: Application", "document_type: Applications"),
        "workflows/application.yaml:2:16",
        "'Applications' is not a declared DocType (did you mean 'Application'?)",
        "Applications",
    ),
    (
        "workflow_state_field",
        W,
        ("document_type: Application\n", "document_type: Application\nworkflow_state_field: status\n"),
        "workflows/application.yaml:3:23",
        "Application has no field 'status': declare it on the DocType (a Data field, hidden and read only)",
        "status",
    ),
    (
        "unknown_state",
        W,
        (
            "next_state: Rejected",
            "next_state: Rejectd",
            *_add_transition("{state: Pending, action: Decline, next_state: Rejected, allowed: Approver}"),
        ),
        "workflows/application.yaml:14:50",
        "'Rejectd' is not a state of this workflow (did you mean 'Rejected'?)",
        "Rejectd",
    ),
    (
        "unreachable_state",
        W,
        ("  - {state: Pending, action: Reject, next_state: Rejected, allowed: Approver, kind: reject}\n", ""),
        "workflows/application.yaml:10:13",
        "state 'Rejected' cannot be reached from the initial state 'Draft' by any transition",
        "Rejected",
    ),
    (
        "exit_from_cancelled_state",
        W,
        (
            "{state: Rejected, label: {zh: 已驳回, en: Rejected}, allow_edit: Approver}",
            "{state: Rejected, label: {zh: 已驳回, en: Rejected}, allow_edit: Approver}\n"
            "  - {state: Cancelled, label: {zh: 已作废, en: Cancelled}, doc_status: 2, allow_edit: Approver}",
            *_add_transition("{state: Approved, action: Cancel, next_state: Cancelled, allowed: Approver}"),
            *_add_transition("{state: Cancelled, action: Restore, next_state: Approved, allowed: Approver}"),
        ),
        "workflows/application.yaml:17:13",
        "state 'Cancelled' has doc_status 2 (cancelled): it is final, nothing may leave it",
        "Cancelled",
    ),
    (
        "submitted_back_to_draft",
        W,
        _add_transition("{state: Approved, action: Reopen, next_state: Draft, allowed: Approver}"),
        "workflows/application.yaml:15:51",
        "a submitted document (doc_status 1) cannot go back to draft (doc_status 0)",
        "Draft",
    ),
    (
        "cancel_before_submit",
        W,
        (
            "allow_edit: Approver}\ntransitions",
            "allow_edit: Approver}\n"
            "  - {state: Void, label: {zh: 作废, en: Void}, doc_status: 2, allow_edit: Approver}\n"
            "transitions",
            *_add_transition("{state: Draft, action: Void, next_state: Void, allowed: Clerk}"),
        ),
        "workflows/application.yaml:16:46",
        "a document cannot be cancelled (doc_status 2) before it is submitted (doc_status 1)",
        "Void",
    ),
    (
        "transition_role",
        W,
        ("allowed: Clerk", "allowed: Clerks"),
        "workflows/application.yaml:12:66",
        "allowed role 'Clerks' is not declared in fixtures/ roles: (did you mean 'Clerk'?)",
        "Clerks",
    ),
    (
        "step_without_exit",
        W,
        (
            "{state: Pending, action: Approve",
            "{state: Draft, action: Approve",
            "{state: Pending, action: Reject",
            "{state: Draft, action: Reject",
        ),
        "workflows/application.yaml:8:11",
        "state 'Pending' has approvers (step) but no transition leaves it",
        "{assignee_role",
    ),
    (
        "transition_condition_field",
        W,
        ("condition: doc.amount > 0", "condition: doc.total > 0"),
        "workflows/application.yaml:13:91",
        "expression reads doc.total, which Application does not have",
        "doc.total",
    ),
    (
        "applicant_state",
        W,
        ("applicant_state: Draft", "applicant_state: Start"),
        "workflows/application.yaml:15:18",
        "applicant_state 'Start' is not a state of this workflow",
        "Start",
    ),
    (
        "action_not_declared",
        W,
        (
            "applicant_state: Draft",
            "applicant_state: Draft\nactions:\n  - {action: Submit, label: {zh: 提交, en: Submit}}\n"
            "  - {action: Approve, label: {zh: 同意, en: Approve}}",
        ),
        "workflows/application.yaml:14:30",
        "action 'Reject' is not declared under actions: (which gives its label)",
        "Reject",
    ),
    (
        "dynamic_link_source",
        A,
        _add_field(
            "  - fieldname: ref\n    fieldtype: Dynamic Link\n    options: kind\n"
            "    label: {zh: 引, en: Ref}\n"
        ),
        "doctypes/application.yaml:25:14",
        "Dynamic Link options must name a Link to DocType field, not 'kind'",
        "kind",
    ),
    (
        "check_default",
        A,
        _add_field(
            "  - fieldname: urgent\n    fieldtype: Check\n    default: 2\n    label: {zh: 急, en: Urgent}\n"
        ),
        "doctypes/application.yaml:25:14",
        "a Check default is 0 or 1",
        "2",
    ),
    (
        "rule_field",
        A,
        (
            "permissions:\n",
            "rules:\n  - name: positive\n    condition: doc.amount > 0\n    fields: [amout]\n"
            "    message: {zh: 金额须大于零, en: Amount must be positive}\npermissions:\n",
        ),
        "doctypes/application.yaml:31:14",
        "Application has no field 'amout'",
        "amout",
    ),
    (
        "exists_doctype",
        A,
        ("depends_on: doc.kind == 'A'", "depends_on: exists('Vilage', village_name=doc.village)"),
        "doctypes/application.yaml:17:24",
        "exists() names 'Vilage', which is not a declared DocType",
        "'Vilage'",
    ),
    (
        "exists_filter_field",
        A,
        ("depends_on: doc.kind == 'A'", "depends_on: exists('Village', village=doc.village)"),
        "doctypes/application.yaml:17:17",
        "exists() filters on 'village', which Village does not have",
        "exists(",
    ),
    (
        "duplicate_state",
        W,
        (
            "allow_edit: Approver}\ntransitions",
            "allow_edit: Approver}\n"
            "  - {state: Draft, label: {zh: 草稿, en: Draft}, allow_edit: Clerk}\ntransitions",
        ),
        "workflows/application.yaml:11:13",
        "duplicate state 'Draft' (first at states[0])",
        "Draft",
    ),
    (
        "duplicate_transition",
        W,
        _add_transition("{state: Draft, action: Submit, next_state: Rejected, allowed: Clerk}"),
        "workflows/application.yaml:15:5",
        "transition repeats transitions[0] (same state, action, allowed, condition)",
        "{state: Draft",
    ),
    (
        "escalation_role",
        W,
        (
            "step: {assignee_role: Approver}",
            "step: {assignee_role: Approver, due_hours: 24, on_overdue: [escalate], escalate_to: Leader}",
        ),
        "workflows/application.yaml:8:89",
        "escalate_to role 'Leader' is not declared in fixtures/ roles:",
        "Leader",
    ),
    (
        "cc_role",
        W,
        ("step: {assignee_role: Approver}", "step: {assignee_role: Approver, cc: [Clerk, Clark]}"),
        "workflows/application.yaml:8:49",
        "cc role 'Clark' is not declared in fixtures/ roles: (did you mean 'Clerk'?)",
        "Clark",
    ),
    (
        "update_value_select",
        W,
        (
            "allow_edit: Approver}\ntransitions",
            "allow_edit: Approver, update_field: kind, update_value: D}\ntransitions",
        ),
        "workflows/application.yaml:10:111",
        "'D' is not one of the options of 'kind': A, B",
        "D",
    ),
    (
        "update_value_link",
        W,
        (
            "allow_edit: Approver}\ntransitions",
            "allow_edit: Approver, update_field: village, update_value: 南关村}\ntransitions",
        ),
        "workflows/application.yaml:10:114",
        "no Village fixture record is named '南关村' (did you mean '西关村'?)",
        "南关村",
    ),
    (
        "withdraw_to_state",
        W,
        ("applicant_state: Draft", "applicant_state: Draft\nwithdraw: {to_state: Draf}"),
        "workflows/application.yaml:16:22",
        "withdraw to_state 'Draf' is not a state of this workflow",
        "Draf",
    ),
    (
        "action_unused",
        W,
        (
            "applicant_state: Draft",
            "applicant_state: Draft\nactions:\n  - {action: Submit, label: {zh: 提交, en: Submit}}\n"
            "  - {action: Approve, label: {zh: 同意, en: Approve}}\n"
            "  - {action: Reject, label: {zh: 驳回, en: Reject}}\n"
            "  - {action: Return, label: {zh: 退回, en: Return}}",
        ),
        "workflows/application.yaml:20:14",
        "action 'Return' is declared but no transition uses it",
        "Return",
    ),
    (
        "workflow_on_child_table",
        A,
        (
            "is_submittable: true\n",
            "istable: true\n",
            "permissions:\n  - {role: Clerk",
            "permissions: []\n#  - {role: Clerk",
            "  - {role: Approver, read",
            "#  - {role: Approver, read",
        ),
        "workflows/application.yaml:2:16",
        "Application is a child table; workflows run on parent documents",
        "Application",
    ),
    # --- fixtures
    (
        "record_doctype",
        F,
        ("{doctype: Village, village_name: 西关村}", "{doctype: Vilage, village_name: 西关村}"),
        "fixtures/villages.yaml:3:15",
        "'Vilage' is not a declared DocType (did you mean 'Village'?)",
        "Vilage",
    ),
    (
        "record_field",
        F,
        ("village_name: 西关村}", "village_name: 西关村, population: 3}"),
        "fixtures/villages.yaml:3:43",
        "Village has no field 'population'",
        "population",
    ),
    (
        "record_link_value",
        F,
        ("village: 东关村", "village: 北关村"),
        "fixtures/villages.yaml:4:52",
        "no Village fixture record is named '北关村' (did you mean '西关村'?)",
        "北关村",
    ),
    (
        "record_select_value",
        F,
        ("kind: B", "kind: C"),
        "fixtures/villages.yaml:4:63",
        "'C' is not one of the options of 'kind': A, B",
        "C",
    ),
    (
        "record_value_type",
        F,
        ("amount: 100", "amount: '100'"),
        "fixtures/villages.yaml:4:74",
        "Currency field 'amount' takes a number",
        "'100'",
    ),
    (
        "record_required_field",
        F,
        ("{doctype: Village, village_name: 西关村}", "{doctype: Village, name: 西关村}"),
        "fixtures/villages.yaml:3:5",
        "required field 'village_name' of Village has no value",
        "{doctype",
    ),
    (
        "fixtures_top_level_key",
        F,
        ("records:", "record:"),
        "fixtures/villages.yaml:1:1",
        "unknown key (a fixtures file has roles: and records:)",
        "record:",
    ),
    (
        "duplicate_record",
        F,
        ("village_name: 西关村", "village_name: 东关村"),
        "fixtures/villages.yaml:3:5",
        "a Village record named '东关村' is already declared",
        "{doctype",
    ),
    (
        "duplicate_role",
        R,
        (
            "  - role_name: Approver",
            "  - role_name: Clerk\n    label: {zh: 文书, en: Clerk}\n  - role_name: Approver",
        ),
        "fixtures/roles.yaml:4:16",
        "role 'Clerk' is already declared in fixtures/roles.yaml",
        "Clerk",
    ),
    # --- DocPerm rows narrowed to workflow states
    (
        "workflow_states_names_an_unknown_state",
        A,
        (
            "{role: Approver, read: true, write: true, submit: true}",
            "{role: Approver, read: true, write: true, submit: true, workflow_states: [Approved, Issued]}",
        ),
        "doctypes/application.yaml:30:89",
        "'Issued' is not a state of workflow Application Approval",
        "Issued",
    ),
    (
        "workflow_states_without_a_workflow",
        V,
        ("  - {role: Clerk, read: true}\n", "  - {role: Clerk, read: true, workflow_states: [Approved]}\n"),
        "doctypes/village.yaml:11:48",
        "workflow_states needs a workflow on Village, and there is none",
        "[Approved]",
    ),
    (
        "workflow_states_empty_reaches_nothing",
        A,
        (
            "{role: Approver, read: true, write: true, submit: true}",
            "{role: Approver, read: true, write: true, submit: true, workflow_states: []}",
        ),
        "doctypes/application.yaml:30:78",
        "workflow_states is empty: the row would reach no record (leave the row out)",
        "[]",
    ),
]


@pytest.mark.parametrize(
    ("file", "replacements", "location", "message", "token"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_spec_error_is_reported_at_the_offending_token(
    tmp_path, file, replacements, location, message, token
):
    errors = spec_errors(tmp_path, file, *replacements)
    assert [(e.location, e.message) for e in errors] == [(location, message)]
    error = errors[0]
    assert error.snippet[error.col - 1 :].startswith(token)
    printed = str(error)
    assert printed.startswith(f"{location}: ")
    if error.snippet:
        assert printed.splitlines()[1].strip() == error.snippet.strip()
        assert printed.splitlines()[2].strip() == "^"


def test_every_error_of_a_run_is_reported_together_in_file_order(tmp_path):
    files = dict(BASE)
    files[A] = files[A].replace("fieldtype: Currency", "fieldtype: Currenc")
    files[V] = files[V].replace("reqd: true", "reqd: yes")
    files[W] = files[W].replace("allowed: Clerk", "allowed: Clerks")
    write_project(tmp_path, files)
    with pytest.raises(SpecErrors) as caught:
        load_project(tmp_path)
    assert [e.location for e in caught.value] == [
        "doctypes/application.yaml:15:16",
        "doctypes/village.yaml:9:11",
        "workflows/application.yaml:12:66",
    ]
    assert str(caught.value).startswith(
        "3 spec errors:\ndoctypes/application.yaml:15:16: fields[2].fieldtype: "
    )


def test_error_shows_key_path_line_and_caret_under_chinese_text(tmp_path):
    errors = spec_errors(tmp_path, F, "village: 东关村", "village: 北关村")
    lines = str(errors[0]).splitlines()
    assert lines[0].startswith("fixtures/villages.yaml:4:52: records[2].village: ")
    # 王芳 and 东关村 are two columns wide each in a terminal: the caret sits under 北
    assert (
        lines[1] == "      - {doctype: Application, applicant: 王芳, village: 北关村, kind: B, amount: 100}"
    )
    assert lines[2].index("^") == lines[1].index("北") + 2


def test_initial_state_must_be_a_draft(tmp_path):
    errors = spec_errors(
        tmp_path,
        W,
        "{state: Draft, label: {zh: 草稿, en: Draft}, allow_edit: Clerk}",
        "{state: Draft, label: {zh: 草稿, en: Draft}, doc_status: 1, allow_edit: Clerk}",
    )
    assert [(e.location, e.message) for e in errors] == [
        (
            "workflows/application.yaml:4:60",
            "the first state is the initial state (new documents start there) and must have doc_status 0",
        ),
        (
            "workflows/application.yaml:12:48",
            "a submitted document (doc_status 1) cannot go back to draft (doc_status 0)",
        ),
    ]


def test_settings_fields_read_by_expressions_must_exist(tmp_path):
    settings = (
        "name: Campaign Settings\nmodule: Care\nlabel: {zh: 参数, en: Campaign Settings}\nissingle: true\n"
        "fields:\n  - {fieldname: min_amount, fieldtype: Currency, label: {zh: 下限, en: Minimum}}\n"
    )
    errors = spec_errors(
        tmp_path,
        W,
        "condition: doc.amount > 0",
        "condition: doc.amount > settings.min_amout",
        extra={"doctypes/campaign_settings.yaml": settings},
    )
    assert [(e.location, e.message) for e in errors] == [
        (
            "workflows/application.yaml:13:104",
            "expression reads settings.min_amout, which Campaign Settings does not have"
            " (did you mean 'min_amount'?)",
        )
    ]
    assert errors[0].snippet[errors[0].col - 1 :].startswith("settings.min_amout")


def test_a_doctype_or_workflow_declared_twice_is_an_error_at_the_second(tmp_path):
    errors = spec_errors(
        tmp_path,
        V,
        "name: Village",
        "name: Village",
        extra={"doctypes/village_copy.yaml": VILLAGE, "workflows/second.yaml": WORKFLOW},
    )
    assert [(e.location, e.message) for e in errors] == [
        ("doctypes/village_copy.yaml:1:7", "DocType 'Village' is already declared in doctypes/village.yaml"),
        ("workflows/second.yaml:2:16", "'Application' already has a workflow in workflows/application.yaml"),
    ]


def test_a_single_doctype_takes_one_record(tmp_path):
    settings = (
        "name: Campaign Settings\nmodule: Care\nlabel: {zh: 参数, en: Campaign Settings}\nissingle: true\n"
        "fields:\n  - {fieldname: reward, fieldtype: Currency, label: {zh: 奖励, en: Reward}}\n"
    )
    records = (
        "records:\n  - {doctype: Campaign Settings, reward: 1}\n  - {doctype: Campaign Settings, reward: 2}\n"
    )
    errors = spec_errors(
        tmp_path,
        V,
        "name: Village",
        "name: Village",
        extra={"doctypes/campaign_settings.yaml": settings, "fixtures/settings.yaml": records},
    )
    assert [(e.location, e.message) for e in errors] == [
        (
            "fixtures/settings.yaml:2:15",
            "Campaign Settings is a single DocType: only one record may be given",
        ),
        (
            "fixtures/settings.yaml:3:15",
            "Campaign Settings is a single DocType: only one record may be given",
        ),
    ]


def test_spec_files_are_named_after_what_they_declare(tmp_path):
    errors = spec_errors(
        tmp_path,
        V,
        "name: Village",
        "name: Village",
        extra={"doctypes/villages.yml": "x: 1\n"},
    )
    files = dict(BASE)
    assert [(e.location, e.message) for e in errors] == [
        ("doctypes/villages.yml", "spec files end in .yaml; rename it")
    ]
    files["doctypes/hamlet.yaml"] = files.pop(V)
    write_project(tmp_path / "renamed", files)
    with pytest.raises(SpecErrors) as caught:
        load_project(tmp_path / "renamed")
    assert [(e.location, e.message) for e in caught.value] == [
        (
            "doctypes/hamlet.yaml:1:7",
            "'Village' belongs in doctypes/village.yaml (the file is named after it)",
        )
    ]
