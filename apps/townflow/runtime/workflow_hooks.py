"""How the workflow engine joins a site: its tables, and the document hooks that guard states.

Frappe's `validate_workflow`: a new document starts in the first state; a save may not change
the state field except through a transition (WorkflowPermissionError otherwise). Frappe enforces
`allow_edit` only in the browser; the embedded runtime enforces it on the server too: in a
state, only holders of its allow_edit role may save the document by hand. The engine's own
saves are marked (`session.in_workflow`) and pass. Submit and cancel (docstatus moves) happen
through workflow actions only, so no DocPerm `submit`/`cancel` right skips the remaining steps.
"""

from __future__ import annotations

from townflow.rules.workflow import current_state, may_edit
from townflow.runtime import approval_moves, campaign, errors, monitoring, pregnancy
from townflow.runtime import workflow_store as store
from townflow.runtime.system_doctypes import ADMINISTRATOR


class WorkflowPermissionError(errors.ValidationError):
    """Frappe's frappe.model.workflow.WorkflowPermissionError."""

    exc_type = "WorkflowPermissionError"


def _guard(event) -> None:
    session = event.session
    workflow = session.site.project.workflow_for(event.doctype)
    if workflow is None or not workflow.is_active:
        return
    field = workflow.workflow_state_field
    initial = workflow.initial_state.state
    if event.old is None:
        state = event.doc.get(field) or initial
        if state != initial and not getattr(session, "in_workflow", False):
            raise WorkflowPermissionError(
                f"Workflow State transition not allowed from {initial} to {state}",
                f"不允许将审批状态从 {initial} 直接设为 {state}",
            )
        event.doc[field] = state
        return
    if getattr(session, "in_workflow", False) or session.ignore_permissions or session.user == ADMINISTRATOR:
        return
    if int(event.doc.get("docstatus") or 0) != int(event.old.get("docstatus") or 0):
        # frappe.client.submit / cancel by a role holding the DocPerm right would approve or
        # revoke the document without the workflow's remaining steps (a countersign, a serial).
        raise WorkflowPermissionError(
            f"{event.doctype} {event.doc.get('name')} is submitted or cancelled by its workflow actions only",
            f"{event.doctype} {event.doc.get('name')} 只能通过审批操作提交或取消",
        )
    before = current_state(workflow, event.old)
    after = event.doc.get(field) or before
    if after != before:
        raise WorkflowPermissionError(
            f"Workflow State transition not allowed from {before} to {after}",
            f"不允许将审批状态从 {before} 改为 {after}，请使用审批操作",
        )
    if not may_edit(workflow, event.old, session.roles):
        raise errors.PermissionError(
            f"Not allowed to edit {event.doctype} {event.doc.get('name')} in state {before}",
            f"单据处于「{before}」状态，您无权修改",
        )


def register_workflow_hooks(site) -> None:
    """Create the engine's tables and register its hooks (Site calls this when it opens)."""
    with site.db.transaction():
        store.create_tables(site.db)
    for doctype in site.project.workflows:
        if site.metas.exists(doctype):
            site.hooks.register(doctype, "validate", _guard)
            site.hooks.register(doctype, "before_cancel", _guard)
    approval_moves.register(site)  # 加签, 比例会签, 会办 (issue 17.5)
    campaign.register(site)
    pregnancy.register(site)
    monitoring.register(site)  # pregnancy visits due: work in the village clerk's inbox


def tick(site, now=None) -> dict[str, int]:
    from townflow.runtime.tick import run

    return run(site, now)
