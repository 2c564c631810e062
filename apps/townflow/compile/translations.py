"""translations/zh.csv: every English label, option, state and action with its Chinese text.

Frappe v15 reads `<app>/translations/<lang>.csv` rows of `source,translation[,context]`
(frappe/translate.py). Field labels are translated with the DocType as context in the desk, so
a label that means different things in two DocTypes gets one row per DocType context; every
other string is written once, without context.
"""

from __future__ import annotations

import csv
import io

from townflow.spec.models import DocType, Role, Workflow


def _add(rows: dict[tuple[str, str], str], source: str, zh: str, context: str = "") -> None:
    if source and zh and source != zh:
        rows.setdefault((source, context), zh)


def translation_rows(
    doctypes: list[DocType], workflows: list[Workflow], roles: list[Role]
) -> list[tuple[str, str, str]]:
    plain: dict[tuple[str, str], str] = {}
    by_context: dict[tuple[str, str], str] = {}
    # Workflow states, actions and roles first: they are what approvers read on every button.
    for wf in workflows:
        for s in wf.states:
            _add(plain, s.state, s.label.zh)
        for a in wf.actions:
            _add(plain, a.action, a.label.zh)
    for role in roles:
        _add(plain, role.role_name, role.label.zh)
    for dt in doctypes:
        _add(plain, dt.name, dt.label.zh)
        if dt.description:
            _add(plain, dt.description.en, dt.description.zh)
        for f in dt.fields:
            if f.label:
                _add(by_context, f.label.en, f.label.zh, dt.name)
            if f.description:
                _add(plain, f.description.en, f.description.zh)
            for choice in f.choices:
                _add(plain, choice.value, choice.zh)
        for rule in dt.rules:
            _add(plain, rule.message.en, rule.message.zh)

    # A label with one meaning everywhere needs no context; only ambiguous ones keep theirs.
    meanings: dict[str, set[str]] = {}
    for (source, _ctx), zh in by_context.items():
        meanings.setdefault(source, set()).add(zh)
    for (source, ctx), zh in by_context.items():
        if len(meanings[source]) == 1 and (source, "") not in plain:
            plain[(source, "")] = zh
        elif plain.get((source, "")) != zh:
            plain[(source, ctx)] = zh
    return sorted((source, zh, ctx) for (source, ctx), zh in plain.items())


def zh_csv(doctypes: list[DocType], workflows: list[Workflow], roles: list[Role]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for source, zh, ctx in translation_rows(doctypes, workflows, roles):
        writer.writerow([source, zh, ctx] if ctx else [source, zh])
    return out.getvalue()
