"""A small valid project written into tmp_path, and helpers to break it one line at a time.

Each error test starts from `BASE` (which loads cleanly), replaces one piece of text, and pins
the message and the file:line:col the loader reports.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from townflow.spec import SpecError, SpecErrors, load_project

ROLES = """\
roles:
  - role_name: Clerk
    label: {zh: 文书, en: Clerk}
  - role_name: Approver
    label: {zh: 审批人, en: Approver}
"""

VILLAGE = """\
name: Village
module: Org
label: {zh: 村, en: Village}
autoname: field:village_name
fields:
  - fieldname: village_name
    fieldtype: Data
    label: {zh: 村名, en: Village Name}
    reqd: true
permissions:
  - {role: Clerk, read: true}
"""

APPLICATION = """\
name: Application
module: Care
label: {zh: 申请, en: Application}
is_submittable: true
title_field: applicant
fields:
  - fieldname: applicant
    fieldtype: Data
    label: {zh: 申请人, en: Applicant}
  - fieldname: village
    fieldtype: Link
    options: Village
    label: {zh: 村, en: Village}
  - fieldname: amount
    fieldtype: Currency
    label: {zh: 金额, en: Amount}
    depends_on: doc.kind == 'A'
  - fieldname: kind
    fieldtype: Select
    options: [{value: A, zh: 甲}, {value: B, zh: 乙}]
    default: A
    label: {zh: 类别, en: Kind}
  - fieldname: workflow_state
    fieldtype: Data
    hidden: true
    read_only: true
    label: {zh: 状态, en: State}
permissions:
  - {role: Clerk, read: true, write: true, create: true, scope: village}
  - {role: Approver, read: true, write: true, submit: true}
"""

WORKFLOW = """\
workflow_name: Application Approval
document_type: Application
states:
  - {state: Draft, label: {zh: 草稿, en: Draft}, allow_edit: Clerk}
  - state: Pending
    label: {zh: 待审批, en: Pending}
    allow_edit: Approver
    step: {assignee_role: Approver}
  - {state: Approved, label: {zh: 已批准, en: Approved}, doc_status: 1, allow_edit: Approver}
  - {state: Rejected, label: {zh: 已驳回, en: Rejected}, allow_edit: Approver}
transitions:
  - {state: Draft, action: Submit, next_state: Pending, allowed: Clerk, kind: submit}
  - {state: Pending, action: Approve, next_state: Approved, allowed: Approver, condition: doc.amount > 0}
  - {state: Pending, action: Reject, next_state: Rejected, allowed: Approver, kind: reject}
applicant_state: Draft
"""

VILLAGES = """\
records:
  - {doctype: Village, village_name: 东关村}
  - {doctype: Village, village_name: 西关村}
  - {doctype: Application, applicant: 王芳, village: 东关村, kind: B, amount: 100}
"""

BASE: dict[str, str] = {
    "fixtures/roles.yaml": ROLES,
    "fixtures/villages.yaml": VILLAGES,
    "doctypes/village.yaml": VILLAGE,
    "doctypes/application.yaml": APPLICATION,
    "workflows/application.yaml": WORKFLOW,
}


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def spec_errors(
    root: Path, file: str, *replacements: str, extra: dict[str, str] | None = None
) -> list[SpecError]:
    """Write BASE (plus `extra` files) with `old, new, ...` replaced in `file`; return the errors raised."""
    files = {**BASE, **(extra or {})}
    for old, new in zip(replacements[::2], replacements[1::2], strict=True):
        assert old in files[file], f"test setup: {old!r} not in {file}"
        files[file] = files[file].replace(old, new, 1)
    write_project(root, files)
    with pytest.raises(SpecErrors) as caught:
        load_project(root)
    return caught.value.errors


@pytest.fixture
def base_project(tmp_path: Path) -> Path:
    return write_project(tmp_path, BASE)
