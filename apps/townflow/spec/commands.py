"""`townflow check`: load the whole spec and say what was checked, or list every error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from townflow.spec.errors import SpecErrors
from townflow.spec.project import Project, load_project


def load_project_or_report(root: str | Path) -> Project | None:
    """The project at `root`, or None after printing every spec error to stderr.

    Every command that needs the spec starts so; each then exits in its own way.
    """
    try:
        return load_project(root)
    except SpecErrors as errors:
        print(errors, file=sys.stderr)
        return None


def summary_counts(project: Project) -> dict[str, int]:
    """What `townflow check` reports having checked, by kind."""
    return {
        "doctypes": len(project.doctypes),
        "fields": sum(len(d.fields) for d in project.doctypes.values()),
        "workflows": len(project.workflows),
        "states": sum(len(w.states) for w in project.workflows.values()),
        "transitions": sum(len(w.transitions) for w in project.workflows.values()),
        "roles": len(project.roles),
        "fixture records": len(project.records),
        "reports": len(project.reports),
        "number cards": len(project.number_cards),
        "charts": len(project.charts),
    }


def project_summary(project: Project) -> str:
    """A deterministic text picture of the spec, for `townflow check --summary` and the golden test.

    Sorted by name everywhere, so it changes only when the spec does.
    """
    out = [f"roles ({len(project.roles)}): " + ", ".join(sorted(project.roles))]
    out.append(f"doctypes ({len(project.doctypes)}):")
    for name in sorted(project.doctypes):
        d = project.doctypes[name]
        kind = [
            k
            for k, on in (("submittable", d.is_submittable), ("child", d.istable), ("single", d.issingle))
            if on
        ]
        flags = f" [{', '.join(kind)}]" if kind else ""
        records = len(project.records_of(name))
        out.append(
            f"  {name}{flags}: {len(d.fields)} fields ({len(d.data_fields)} with values), "
            f"{len(d.permissions)} permissions, {len(d.rules)} rules, {records} fixture records"
        )
    out.append(f"workflows ({len(project.workflows)}):")
    for doctype in sorted(project.workflows):
        w = project.workflows[doctype]
        out.append(
            f"  {w.workflow_name} on {doctype}: {len(w.states)} states, {len(w.transitions)} transitions"
        )
        for s in w.states:
            step = f" step={s.step.mode}:{s.step.assignee_role}" if s.step else ""
            out.append(f"    state {s.state} (doc_status {s.doc_status}, edit {s.allow_edit}){step}")
        for t in w.transitions:
            cond = f" if {t.condition}" if t.condition else ""
            out.append(f"    {t.state} --{t.action}--> {t.next_state} by {t.allowed}{cond}")
    return "\n".join(out) + "\n"


def run_check(args: argparse.Namespace) -> int:
    project = load_project_or_report(args.project)
    if project is None:
        return 1
    counts = ", ".join(f"{count} {kind}" for kind, count in summary_counts(project).items())
    print(f"townflow check: {project.root.resolve()} is valid: {counts}")
    if args.summary:
        print(project_summary(project), end="")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="validate doctypes/, workflows/ and fixtures/ and report every error"
    )
    parser.add_argument("--summary", action="store_true", help="also print every doctype, workflow and role")
    parser.set_defaults(func=run_check)
