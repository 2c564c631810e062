"""How a report's raw values read to a person: Select values, workflow states, roles and
DocType names as their zh / en labels from the spec. Pure; pages and exports use it, the REST
answer keeps the stored values (as Frappe's does)."""

from __future__ import annotations

from typing import Any

from townflow.spec.reports import SOURCE_COLUMN, Report


def _pick(label: Any, lang: str, fallback: str) -> str:
    if label is None:
        return fallback
    return label.zh if lang == "zh" else label.en


def value_labels(project: Any, report: Report, column: str, lang: str) -> dict[Any, str]:
    """value -> label for a report column (empty when its values are shown as they are)."""
    out: dict[Any, str] = {}
    if column == SOURCE_COLUMN:
        for s in report.sources:
            doctype = project.doctypes.get(s.doctype)
            out[s.doctype] = _pick(doctype.label if doctype else None, lang, s.doctype)
        return out
    if column in ("step", "office", "step_role"):
        for s in report.sources:
            workflow = project.workflow_for(s.doctype)
            for state in workflow.states if workflow else []:
                out.setdefault(state.state, _pick(state.label, lang, state.state))
        for name, role in project.roles.items():
            out.setdefault(name, _pick(role.label, lang, name))
        return out
    for s in report.sources:
        doctype = project.doctypes.get(s.doctype)
        f = doctype.field(s.field_for(column)) if doctype else None
        if f is not None and f.fieldtype == "Select":
            for choice in f.choices:
                out.setdefault(choice.value, choice.zh if lang == "zh" else choice.value)
    return out


def display_rows(
    project: Any, report: Report, columns: list[dict], rows: list[dict], lang: str
) -> list[dict]:
    """Rows with dimension values replaced by their labels (figures unchanged)."""
    maps = {}
    for col in columns:
        d = report.dimension(col["fieldname"])
        if d is not None and d.bucket is None:
            labels = value_labels(project, report, d.target_column, lang)
            if labels:
                maps[d.name] = labels
    out = []
    for row in rows:
        shown = dict(row)
        for name, labels in maps.items():
            value = shown.get(name)
            if value in labels and not row.get("is_total_row"):
                shown[name] = labels[value]
        out.append(shown)
    return out
