"""The fields the system sets, never a user: one rule over the spec, for both runtimes.

A value a user sends for one of these on insert or update is dropped (the stored value stays;
a new document gets the field's default): serial numbers and validity dates (set when a step
issues them), quota fields and the honour title (set by the campaign's rules), a department the
workflow routes to, a report's certificate check — every `read_only` field that `fetch_from` does
not fill — and the masked companions of sensitive fields (`<fieldname>_masked`, which exist in the
compiled Frappe app only). The workflow state field changes through a transition only.

`fetched`, the read-only fields `fetch_from` fills, are the system's too: Frappe fetches them from
the linked record before its validate hooks run (so the app leaves them alone), the embedded
runtime after merging a user's values (so it drops them with the others and fetches).
"""

from __future__ import annotations

from dataclasses import dataclass

from townflow.rules.masking import masked_companion
from townflow.spec.models import DocType, Workflow

#: Set when a document is amended, by the amend itself (both runtimes handle it there).
AMENDED_FROM = "amended_from"


@dataclass(frozen=True)
class SystemFields:
    set_by_system: frozenset[str]  # read-only, no fetch_from, plus masked companions
    fetched: frozenset[str]  # read-only with fetch_from
    state_field: str | None  # moves through a transition only


def system_fields(doctype: DocType, workflow: Workflow | None) -> SystemFields:
    state_field = workflow.workflow_state_field if workflow is not None else None
    skip = {state_field, AMENDED_FROM}
    read_only = [f for f in doctype.data_fields if f.read_only and f.fieldname not in skip]
    companions = {masked_companion(f.fieldname) for f in doctype.data_fields if f.sensitive and f.mask}
    return SystemFields(
        set_by_system=frozenset({f.fieldname for f in read_only if not f.fetch_from} | companions),
        fetched=frozenset(f.fieldname for f in read_only if f.fetch_from),
        state_field=state_field,
    )
