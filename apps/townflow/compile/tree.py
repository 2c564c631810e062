"""The whole app tree: spec Project -> {relative path: bytes}, then written or compared.

Deterministic by construction: DocTypes, workflows and roles are emitted in sorted order,
JSON is written with sorted keys, timestamps come from content, never from the clock.
Everything under the app folder is generated except the hand-written extension package
(`care_for_girls/townflow_ext/`) and build leftovers; `stale_files` names generated-area files
the spec no longer produces, so `--check` catches a deleted DocType and `build` removes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from townflow.compile import templates as t
from townflow.compile import verify_app
from townflow.compile.builtin import builtin_doctypes
from townflow.compile.doctypes import doctype_json
from townflow.compile.fixtures import (
    STANDARD_ROLES,
    record_fixture,
    role_records,
    workflow_action_records,
    workflow_record,
    workflow_state_records,
)
from townflow.compile.frappe_format import as_json, scrub
from townflow.compile.masked import with_companions
from townflow.compile.monitoring_pages import monitoring_files, monitoring_translations
from townflow.compile.public_notice import www_files as public_notice_www
from townflow.compile.reports import dashboard_files, report_translations
from townflow.compile.translations import zh_csv
from townflow.rules.benefits import MEMBER_DOCTYPES
from townflow.rules.monitoring import DOCTYPE as MONITORED_DOCTYPE
from townflow.spec.models import DocType

APP = t.APP_NAME
EXT = f"{APP}.{t.EXT_PACKAGE}"
#: townflow.api.* names the embedded runtime answers (townflow.web.api_methods) -> this app's function.
API_METHODS = (
    "inbox",
    "return_to",
    "withdraw",
    "delegate",
    "comment",
    "timeline",
    "bulk_apply",
    "reclaim",
)
#: Pregnancy monitoring and migrants (townflow.web.api_monitoring in the embedded runtime).
MONITORING_METHODS = {
    "townflow.api.followups": f"{EXT}.monitoring.followups",
    "townflow.api.request_handover": f"{EXT}.migrants.request_handover",
    "townflow.api.confirm_handover": f"{EXT}.migrants.confirm_handover",
    "townflow.api.settle_objection": f"{EXT}.public_notice.settle_objection",  # 公示 (issue 17)
}
#: Frappe's own methods the app wraps (hooks override_whitelisted_methods).
FRAPPE_OVERRIDES = {
    "frappe.model.workflow.apply_workflow": f"{EXT}.api.apply_workflow",
    # The list view's bulk action would call Frappe's apply_workflow directly, past the wrapper.
    "frappe.model.workflow.bulk_workflow_approval": f"{EXT}.api.bulk_workflow_approval",
    # Frappe 15 counts every record here, ignoring permissions (DESIGN.md); the app scopes it.
    "frappe.client.get_count": f"{EXT}.api.get_count",
}
#: The approval moves (issue 17.5; townflow.web.api_approval_moves in the embedded runtime).
APPROVAL_MOVE_METHODS = {
    f"townflow.api.{m}": f"{EXT}.approval_moves.{m}"
    for m in ("add_signer", "remove_signer", "sign", "signer_candidates")
}
SPEC_BUNDLE = f"{APP}/townflow_spec.json"
#: Paths (relative to the app folder) that are never generated and never touched.
HAND_WRITTEN = (f"{APP}/{t.EXT_PACKAGE}/",)
IGNORED_PARTS = ("__pycache__", ".egg-info", ".pytest_cache", "node_modules", ".git")


def _module_dir(module: str) -> str:
    return f"{APP}/{scrub(module)}"


def _doctype_files(dt: DocType, workflow: Any) -> dict[str, str]:
    folder = f"{_module_dir(dt.module)}/doctype/{scrub(dt.name)}"
    snake = scrub(dt.name)
    state_field = workflow.workflow_state_field if workflow is not None else None
    return {
        f"{folder}/__init__.py": "",
        f"{folder}/{snake}.json": as_json(doctype_json(dt, state_field)),
        f"{folder}/{snake}.py": t.controller_py(dt.name),
        f"{folder}/{snake}.js": t.controller_js(dt.name, workflow) + verify_app.pdf_button_js(dt.name),
        f"{folder}/test_{snake}.py": t.controller_test_py(dt.name),
    }


def _fixtures(project: Any) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """fixtures/<scrub(doctype)>.json files and the hooks.py `fixtures` filters naming them."""
    workflows = [project.workflows[k] for k in sorted(project.workflows)]
    roles = [project.roles[k] for k in sorted(project.roles)]
    groups: dict[str, list[dict[str, Any]]] = {
        "Role": role_records(roles),
        "Workflow State": workflow_state_records(workflows),
        "Workflow Action Master": workflow_action_records(workflows),
        "Workflow": [workflow_record(wf, project.doctypes) for wf in workflows],
    }
    for record in project.records:
        doctype = project.doctypes[record.doctype]
        if doctype.issingle:
            # A fixture is re-imported on every `bench migrate`, undoing what an admin set: the
            # app installs a Single's values once instead (townflow_ext.install, from the bundle).
            continue
        groups.setdefault(record.doctype, []).append(record_fixture(record, doctype, project.doctypes))
    files: dict[str, str] = {}
    hooks: list[dict[str, Any]] = []
    for doctype, records in groups.items():
        if not records:
            continue
        files[f"{APP}/fixtures/{scrub(doctype)}.json"] = as_json(records, ensure_ascii=False)
        names = [r["name"] for r in records]
        hooks.append({"dt": doctype, "filters": [["name", "in", names]]})
    return files, hooks


def _doc_events(project: Any) -> dict[str, dict[str, str | list[str]]]:
    events: dict[str, dict[str, str | list[str]]] = {}
    for name in sorted(project.doctypes):
        dt = project.doctypes[name]
        if dt.istable:
            continue
        handlers: dict[str, Any] = {"validate": f"{EXT}.events.validate"}
        if dt.is_submittable:
            handlers["before_submit"] = f"{EXT}.events.before_submit"
        if name in project.workflows or dt.is_submittable:
            for event in ("on_update", "on_submit", "on_cancel", "on_update_after_submit"):
                handlers[event] = f"{EXT}.events.on_change"
        if name in MEMBER_DOCTYPES:  # its household's derived values follow its members
            handlers["on_update"] = f"{EXT}.events.on_change"
            handlers["on_trash"] = f"{EXT}.events.on_trash"
        if name == MONITORED_DOCTYPE and "on_update" not in handlers:
            # pregnancy monitoring: the schedule fields on save, due visits closed when recorded
            handlers["validate"] = [handlers["validate"], f"{EXT}.monitoring.validate"]
            handlers["on_update"] = f"{EXT}.monitoring.on_update"
        events[name] = handlers
    # townflow.rules.pregnancy: a termination drug dispensed under a certificate uses it.
    if "Drug Dispensing Record" in events:
        events["Drug Dispensing Record"]["on_update"] = f"{EXT}.pregnancy.on_dispensing_update"
    # townflow.rules.fetal_sex: no field may record fetal sex, however it is added.
    for name in ("Custom Field", "Property Setter"):
        events[name] = {"validate": f"{EXT}.pregnancy.validate_customization"}
    return dict(sorted(events.items()))


def _state_restricted(project: Any) -> list[str]:
    """DocTypes with DocPerm rows narrowed to workflow states or scoped (village, department,
    facility): Frappe needs hooks for them (the states; deny by default without a User
    Permission in the scope)."""
    return [
        name
        for name in sorted(project.doctypes)
        if any(
            p.workflow_states is not None or p.scope != "township" for p in project.doctypes[name].permissions
        )
    ]


def _spec_bundle(project: Any) -> dict[str, Any]:
    """The parts of the spec the extension code needs at run time, as pydantic dumps."""
    return {
        "doctypes": [project.doctypes[k].model_dump(mode="json") for k in sorted(project.doctypes)],
        "workflows": [project.workflows[k].model_dump(mode="json") for k in sorted(project.workflows)],
        "roles": [project.roles[k].model_dump(mode="json") for k in sorted(project.roles)],
        "settings": project.settings,
        "reports": [project.reports[k].model_dump(mode="json") for k in sorted(project.reports)],
        "dashboards": [project.dashboards[k].model_dump(mode="json") for k in sorted(project.dashboards)],
    }


def build_files(project: Any) -> dict[str, bytes]:
    """Every generated file of the app, keyed by its path relative to the app folder."""
    spec_doctypes = [project.doctypes[k] for k in sorted(project.doctypes)]
    all_doctypes = spec_doctypes + builtin_doctypes()
    modules = sorted(
        {dt.module for dt in all_doctypes}
        | {r.module for r in project.reports.values()}
        | {d.module for d in project.dashboards.values()}
    )
    files: dict[str, str] = {
        "pyproject.toml": t.PYPROJECT,
        "README.md": t.README,
        "license.txt": t.LICENSE,
        f"{APP}/__init__.py": t.INIT_PY,
        f"{APP}/modules.txt": "\n".join(modules) + "\n",
        f"{APP}/patches.txt": t.PATCHES_TXT,
        f"{APP}/config/__init__.py": "",
        f"{APP}/templates/__init__.py": "",
        f"{APP}/templates/pages/__init__.py": "",
        f"{APP}/public/.gitkeep": "",
    }
    for module in modules:
        files[f"{_module_dir(module)}/__init__.py"] = ""
        files[f"{_module_dir(module)}/doctype/__init__.py"] = ""
    for dt in all_doctypes:
        files.update(_doctype_files(dt, project.workflows.get(dt.name)))
    fixture_files, fixture_hooks = _fixtures(project)
    files.update(fixture_files)
    # Script Reports, Number Cards, Dashboard Charts and the Workspace (compile.reports)
    files.update(dashboard_files(project, _module_dir))
    files.update(monitoring_files(project, _module_dir))  # 育龄妇女档案, 随访 page, 联系函
    overrides = {f"townflow.api.{m}": f"{EXT}.api.{m}" for m in API_METHODS} | FRAPPE_OVERRIDES
    overrides |= MONITORING_METHODS
    overrides |= APPROVAL_MOVE_METHODS
    files[f"{APP}/hooks.py"] = t.hooks_py(
        fixture_hooks,
        verify_app.add_pinyin_fill(_doc_events(project), project),
        overrides,
        _state_restricted(project),
    ) + verify_app.hooks_extra(project)  # issue 17: pinyin search, print formats' QR, /verify
    files.update(verify_app.print_format_files(project, _module_dir))
    files.update(verify_app.www_files())
    roles = [r for k, r in sorted(project.roles.items()) if k not in STANDARD_ROLES]
    workflows = [project.workflows[k] for k in sorted(project.workflows)]
    # Translations cover the masked companion fields the DocType JSON adds (compile.masked).
    zh = zh_csv([with_companions(d) for d in all_doctypes], workflows, roles)
    zh += report_translations(project, zh)
    files[f"{APP}/translations/zh.csv"] = zh + monitoring_translations(project, zh)
    files[SPEC_BUNDLE] = as_json(_spec_bundle(project), ensure_ascii=False)
    files.update(public_notice_www())  # 公示: the guest page www/notice (issue 17)
    return {path: text.encode("utf-8") for path, text in sorted(files.items())}


def _is_ignored(rel: str) -> bool:
    return rel.startswith(HAND_WRITTEN) or any(part in rel for part in IGNORED_PARTS) or rel.endswith(".pyc")


def existing_files(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    found = set()
    for path in out.rglob("*"):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(out).as_posix()
            if not _is_ignored(rel):
                found.add(rel)
    return found


def differences(out: Path, files: dict[str, bytes]) -> list[str]:
    """Human-readable lines naming every file that differs from what the spec generates."""
    lines = []
    for rel, content in files.items():
        path = out / rel
        if not path.is_file():
            lines.append(f"missing   {rel}")
        elif path.read_bytes() != content:
            lines.append(f"differs   {rel}")
    for rel in sorted(existing_files(out) - set(files)):
        lines.append(f"stale     {rel}")
    return lines


def write_tree(out: Path, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Write changed files and remove stale ones; answers (written, removed)."""
    written, removed = [], []
    for rel, content in files.items():
        path = out / rel
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(rel)
    for rel in sorted(existing_files(out) - set(files)):
        (out / rel).unlink()
        removed.append(rel)
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        rel = folder.relative_to(out).as_posix() + "/"
        if not rel.startswith(HAND_WRITTEN) and not any(folder.iterdir()):
            folder.rmdir()
    return written, removed
