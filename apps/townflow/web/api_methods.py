"""`/api/method/...`: Frappe's workflow and count calls, and townflow's approval calls.

Frappe's names and arguments, so a script written for a Frappe site works unchanged:
`frappe.model.workflow.get_transitions(doc)`, `frappe.model.workflow.apply_workflow(doc,
action)`, `frappe.client.get_count`, `frappe.desk.reportview.get_count`,
`frappe.client.get_value`, `frappe.client.get`. What Frappe lacks lives under `townflow.api.*`
(the Frappe app exposes the same names). Each handler only parses arguments and calls the
runtime: the rules are the runtime's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from townflow.runtime import inbox as runtime_inbox
from townflow.runtime import workflow, workflow_reclaim
from townflow.web.api_resource import list_args
from townflow.web.errors import ValidationError
from townflow.web.requestdata import int_arg, parse_json_arg, require
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()

DOC = Param(
    "doc",
    {"oneOf": [{"type": "object"}, {"type": "string"}]},
    required=True,
    description="the document (at least doctype and name; modified for conflict checks), or its JSON",
)
COMMENT = Param("comment", description="comment recorded with the action (required where the spec says so)")
DOCTYPE = Param("doctype", required=True, description="DocType name")
FILTERS = Param("filters", {"oneOf": [{"type": "object"}, {"type": "array"}, {"type": "string"}]})
#: Frappe's paging arguments, as get_list and the inbox take them.
PAGING = (
    Param("limit_start", {"type": "integer", "minimum": 0}),
    Param("limit_page_length", {"type": "integer", "minimum": 0}),
)


def _doc(args: dict[str, Any]) -> dict[str, Any]:
    doc = parse_json_arg(require(args, "doc"), "doc")
    if not isinstance(doc, dict) or not isinstance(doc.get("doctype"), str) or not doc.get("name"):
        raise ValidationError(
            "Argument doc must be a document with doctype and name", zh="参数 doc 需含 doctype 和 name"
        )
    return doc


def _text(args: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = require(args, name) if required else args.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise ValidationError(f"Argument {name} must be text", zh=f"参数 {name} 必须是文本")
    return str(value)


# -- Frappe's workflow calls -------------------------------------------------------------


@whitelisted(router, "frappe.model.workflow.get_transitions", http_methods=("POST",), params=[DOC])
def get_transitions(session: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The workflow transitions the user may take on the document now."""
    return workflow.get_transitions(session, _doc(args))


@whitelisted(
    router,
    "frappe.model.workflow.apply_workflow",
    http_methods=("POST",),
    params=[DOC, Param("action", required=True), COMMENT],
    durable=True,  # one @durable workflow action: run on the group committer, awaited on the loop
)
def apply_workflow(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Take a workflow action on the document; answers the updated document."""
    return workflow.apply_workflow(
        session, _doc(args), _text(args, "action", required=True), _text(args, "comment")
    )


# -- Frappe's read helpers ---------------------------------------------------------------


@whitelisted(router, "frappe.desk.reportview.get_count", params=[DOCTYPE, FILTERS])
def reportview_get_count(session: Any, args: dict[str, Any]) -> int:
    """Count the documents the user may see (user permissions applied, as Frappe does here)."""
    return session.get_count(
        _text(args, "doctype", required=True), parse_json_arg(args.get("filters"), "filters")
    )


@whitelisted(router, "frappe.client.get_count", params=[DOCTYPE, FILTERS])
def client_get_count(session: Any, args: dict[str, Any]) -> int:
    """Count the documents the user may see. Unlike Frappe 15, scoped by the user's villages too."""
    return session.get_count(
        _text(args, "doctype", required=True), parse_json_arg(args.get("filters"), "filters")
    )


@whitelisted(
    router,
    "frappe.client.get_value",
    params=[
        DOCTYPE,
        Param("fieldname", {"oneOf": [{"type": "string"}, {"type": "array"}]}, required=True),
        FILTERS,
    ],
)
def client_get_value(session: Any, args: dict[str, Any]) -> Any:
    """Field values of the first document matching filters (a name or a filter dict)."""
    doctype = _text(args, "doctype", required=True)
    fieldname = parse_json_arg(require(args, "fieldname"), "fieldname")
    fields = fieldname if isinstance(fieldname, list) else [fieldname]
    if not fields or not all(isinstance(f, str) for f in fields):
        raise ValidationError("Argument fieldname must name fields", zh="参数 fieldname 必须是字段名")
    filters = parse_json_arg(args.get("filters"), "filters")
    if isinstance(filters, str):
        filters = {"name": filters}
    rows = session.get_list(doctype, fields=fields, filters=filters, limit_page_length=1)
    return rows[0] if rows else None


@whitelisted(router, "frappe.client.get", params=[DOCTYPE, Param("name", required=True)])
def client_get(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """One document by name (the same as GET /api/resource/<doctype>/<name>)."""
    return session.get(_text(args, "doctype", required=True), _text(args, "name", required=True))


@whitelisted(
    router,
    "frappe.client.get_list",
    params=[
        DOCTYPE,
        Param("fields", {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
        FILTERS,
        Param("or_filters", {"oneOf": [{"type": "object"}, {"type": "array"}, {"type": "string"}]}),
        Param("order_by"),
        *PAGING,
    ],
)
def client_get_list(session: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """The same list as GET /api/resource/<doctype>, called as a method."""
    return session.get_list(_text(args, "doctype", required=True), **list_args(args))


@whitelisted(router, "frappe.client.submit", http_methods=("POST",), params=[DOC])
def client_submit(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Submit a draft (docstatus 0 -> 1); documents under a workflow move by apply_workflow."""
    doc = _doc(args)
    return session.submit(doc, check_modified=bool(doc.get("modified")))


@whitelisted(
    router, "frappe.client.cancel", http_methods=("POST",), params=[DOCTYPE, Param("name", required=True)]
)
def client_cancel(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Cancel a submitted document (docstatus 1 -> 2)."""
    return session.cancel(_text(args, "doctype", required=True), _text(args, "name", required=True))


# -- townflow's approval calls -----------------------------------------------------------


@whitelisted(
    router,
    "townflow.api.inbox",
    params=[
        Param("tab", {"type": "string", "enum": list(runtime_inbox.TABS)}, description="which list"),
        Param("doctype", description="only this DocType"),
        *PAGING,
    ],
    tags=("townflow",),
)
def inbox(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """The user's approval inbox: to do / done / CC / overdue, a page of one tab and all counts."""
    tab = _text(args, "tab") or "todo"
    if tab not in runtime_inbox.TABS:
        raise ValidationError("Argument tab must be todo, done, cc or overdue", zh="参数 tab 无效")
    return runtime_inbox.inbox(
        session,
        tab=tab,
        doctype=_text(args, "doctype"),
        limit_start=int_arg(args.get("limit_start"), "limit_start", default=0),
        limit_page_length=int_arg(
            args.get("limit_page_length"), "limit_page_length", default=20, maximum=runtime_inbox.MAX_PAGE
        ),
    )


@whitelisted(
    router,
    "townflow.api.return_to",
    http_methods=("POST",),
    params=[DOC, Param("to_state", description="an earlier state; empty for the applicant"), COMMENT],
    tags=("townflow",),
)
def return_to(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """退回: send the document back to an earlier step or to the applicant."""
    doc = _doc(args)
    target = _text(args, "to_state") or _text(args, "target_state")
    if not target:
        target = _applicant_state(session, doc["doctype"])
    if not target:
        raise ValidationError("Missing argument: to_state", zh="缺少参数：to_state")
    return workflow.return_to(session, doc, target, _text(args, "comment"))


def _applicant_state(session: Any, doctype: str) -> str | None:
    """Where 退回 to the applicant lands: the workflow's applicant_state, else its first state."""
    project = getattr(session.site, "project", None)
    wf = project.workflow_for(doctype) if project is not None else None
    if wf is None:
        return None
    return wf.applicant_state or wf.initial_state.state


@whitelisted(
    router, "townflow.api.withdraw", http_methods=("POST",), params=[DOC, COMMENT], tags=("townflow",)
)
def withdraw(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """撤回: the applicant pulls the document back before the next step acts."""
    return workflow.withdraw(session, _doc(args), _text(args, "comment"))


@whitelisted(
    router,
    "townflow.api.delegate",
    http_methods=("POST",),
    params=[DOC, Param("to_user", required=True), COMMENT],
    tags=("townflow",),
)
def delegate(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """转交: hand my to-do on this document to a colleague with the same role and reach."""
    return workflow.delegate(
        session, _doc(args), _text(args, "to_user", required=True), _text(args, "comment")
    )


@whitelisted(
    router, "townflow.api.reclaim", http_methods=("POST",), params=[DOC, COMMENT], tags=("townflow",)
)
def reclaim(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """收回: take back the to-do I handed over (转交) on this document, until the delegate acts."""
    return workflow_reclaim.reclaim(session, _doc(args), _text(args, "comment"))


@whitelisted(
    router,
    "townflow.api.comment",
    http_methods=("POST",),
    params=[DOCTYPE, Param("name", required=True), Param("content", required=True)],
    tags=("townflow",),
)
def comment(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Add a comment to the document's timeline."""
    doc = {"doctype": _text(args, "doctype", required=True), "name": _text(args, "name", required=True)}
    return workflow.add_comment(session, doc, _text(args, "content", required=True) or "")


@whitelisted(
    router, "townflow.api.timeline", params=[DOCTYPE, Param("name", required=True)], tags=("townflow",)
)
def timeline(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Versions, workflow actions with comments, and who is expected to act next."""
    return workflow.timeline(
        session, _text(args, "doctype", required=True), _text(args, "name", required=True)
    )


@whitelisted(
    router,
    "townflow.api.bulk_apply",
    http_methods=("POST",),
    params=[
        DOCTYPE,
        Param(
            "names",
            {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
            required=True,
        ),
        Param("action", required=True),
        COMMENT,
    ],
    tags=("townflow",),
)
def bulk_apply(session: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Bulk approve: the same action on many documents, each in its own transaction.

    Answers `{"done": [names], "failed": [{"name", "exc_type", "message"}]}`: one refusal does
    not stop the others, as an approver working through an inbox expects.
    """
    doctype = _text(args, "doctype", required=True)
    names = parse_json_arg(require(args, "names"), "names")
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(names) > 500:
        raise ValidationError("Argument names must be a list of up to 500 names", zh="参数 names 无效")
    action, note = _text(args, "action", required=True), _text(args, "comment")
    done: list[str] = []
    failed: list[dict[str, Any]] = []
    for name in names:
        try:
            workflow.apply_workflow(session, {"doctype": doctype, "name": name}, action, note)
            done.append(name)
        except Exception as exc:
            if not isinstance(getattr(exc, "http_status", None), int) or exc.http_status >= 500:
                raise
            failed.append(
                {"name": name, "exc_type": exc.exc_type, "http_status": exc.http_status, "message": str(exc)}
            )
    return {"done": done, "failed": failed}
