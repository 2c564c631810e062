"""The rows of a `rows: steps` source: the step visits of the documents the user may report on.

The documents are read through the same permission condition as lists; their action log and
open to-dos are read for exactly those documents (a sub-select of the same condition), and
`townflow.reports.steps.step_visits` turns each log into visits. Filters apply to the visit
rows (entered_on, department, process).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from townflow.reports.filters import row_passes
from townflow.reports.steps import step_visits
from townflow.rules.steps import ActionEntry
from townflow.runtime.db import quote
from townflow.runtime.workflow_store import ACTION, LOG
from townflow.spec.reports import STEP_COLUMNS

if TYPE_CHECKING:
    from townflow.reports import Tally
    from townflow.runtime.reports.run import ReportRun
    from townflow.spec.reports import ReportSource


def add_step_rows(run: ReportRun, source: ReportSource, tally: Tally) -> None:
    site = run.site
    meta = site.metas.get(source.doctype)
    workflow = site.project.workflow_for(source.doctype)
    if workflow is None:
        return
    state_field = meta.workflow_state_field or workflow.workflow_state_field
    fields = [f for f in run.needed_fields(source) if f not in STEP_COLUMNS]
    fields = sorted(set(fields) | {"name", state_field} | ({"department"} & meta.column_set))
    perm_sql, perm_params = run.where(source)
    docs = {
        r["name"]: dict(r)
        for r in site.db.execute(
            f"SELECT {', '.join(quote(f) for f in fields)} FROM {meta.table} WHERE {perm_sql}", perm_params
        )
    }
    if not docs:
        return
    scoped = f"SELECT name FROM {meta.table} WHERE {perm_sql}"
    entries: dict[str, list[ActionEntry]] = defaultdict(list)
    for r in site.db.execute(
        f"""SELECT reference_name, action, kind, from_state, to_state, user, creation FROM {LOG}
            WHERE reference_doctype = ? AND reference_name IN ({scoped}) ORDER BY reference_name, name""",
        [source.doctype, *perm_params],
    ):
        entries[r["reference_name"]].append(
            ActionEntry(r["action"], r["kind"], r["from_state"], r["to_state"], r["user"], at=r["creation"])
        )
    due = {
        r["reference_name"]: r["due"]
        for r in site.db.execute(
            f"""SELECT reference_name, MIN(due_at) AS due FROM {ACTION}
                WHERE reference_doctype = ? AND kind = 'todo' AND status = 'Open'
                AND reference_name IN ({scoped}) GROUP BY reference_name""",
            [source.doctype, *perm_params],
        )
    }
    office_of = {name: role.scope for name, role in site.project.roles.items()}
    for name, log in entries.items():
        doc = docs.get(name)
        if doc is None:
            continue
        visits = step_visits(
            workflow,
            log,
            current_state=doc.get(state_field),
            now=run.now,
            due_at=due.get(name),
            office_of=office_of,
            department=doc.get("department"),
        )
        for visit in visits:
            row = tally.columns_of(source, {**doc, **visit})
            if row_passes(row, run.conditions) and tally.source_condition_holds(source, row):
                tally.add_columns(row)
