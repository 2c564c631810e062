"""What an action did, who acts next, and the user's next to-do (issue 18 point 7).

After an action the page says, in the server's own words (never a text from the URL): what
happened (「审核通过」 done), where the document is now and who it waits on (the open to-dos'
users or roles), and links to the next document in the user's to-do list.
"""

from __future__ import annotations

from urllib.parse import quote

from townflow.runtime import inbox as runtime_inbox
from townflow.runtime import workflow_store as store
from townflow.web.pages import approval_moves_ui
from townflow.web.pages.common import Page, slug
from townflow.web.pages.timeline import user_name

#: op -> i18n key of what it did
OP_DONE = {
    "return": "op_done_return",
    "withdraw": "op_done_withdraw",
    "delegate": "op_done_delegate",
    "reclaim": "op_done_reclaim",
    "comment": "op_done_comment",
    "submit": "op_done_submit",
    "cancel": "op_done_cancel",
    **approval_moves_ui.OP_DONE,
}


def waiting_on(page: Page, doctype: str, name: str) -> str:
    """Who the document waits on now: named users, else the roles of its pooled to-dos."""
    rows = store.open_todos(page.site.db, doctype, name)
    people: list[str] = []
    for row in rows:
        who = (
            user_name(page.site, row.get("user"))
            if row.get("user")
            else page.role_label(row.get("role") or "")
        )
        if who and who not in people:
            people.append(who)
    return "、".join(people) if page.lang == "zh" else ", ".join(people)


def result_notice(page: Page, doctype: str, doc: dict, op: str | None, action: str | None) -> str | None:
    """The sentence shown after an action; None for an op this page did not take."""
    if op == "apply":
        workflow = page.site.project.workflow_for(doctype)
        if workflow is None or not any(a.action == action for a in workflow.transitions):
            return None
        what = page.t("op_done_apply", action=page.action_label(doctype, action or ""))
    elif op in OP_DONE:
        what = page.t(OP_DONE[op])
    else:
        return None
    workflow = page.site.project.workflow_for(doctype)
    state = doc.get(workflow.workflow_state_field) if workflow else None
    parts = [what]
    if state:
        parts.append(page.t("now_in_state", state=page.state_label(doctype, state)))
    who = waiting_on(page, doctype, doc["name"]) if workflow else ""
    parts.append(page.t("next_is", who=who) if who else page.t("next_none"))
    return page.t("sentence_sep").join(parts)


def next_todo(page: Page, exclude: tuple[str, str] | None = None) -> dict[str, str] | None:
    """The user's first open to-do other than `exclude`, as {url, title}."""
    data = runtime_inbox.inbox(page.session, tab="todo", limit_start=0, limit_page_length=5)
    for item in data["items"]:
        key = (item["reference_doctype"], item["reference_name"])
        if key == exclude:
            continue
        return {
            "url": f"/app/{slug(key[0])}/{quote(key[1])}",
            "title": f"{page.doctype_label(key[0])} · {item.get('title') or key[1]}",
        }
    return None


def acted_query(op: str, action: str | None) -> str:
    """The query string a page is sent to after an action (its notice is rebuilt from it)."""
    query = f"acted={quote(op)}"
    return query + (f"&action={quote(action)}" if op == "apply" and action else "")
