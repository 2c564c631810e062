"""`townflow check`: load the whole spec and say what was checked, or list every error."""

from __future__ import annotations

import argparse
import sys

from townflow.spec.errors import SpecErrors
from townflow.spec.project import Project, load_project


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
    }


def run_check(args: argparse.Namespace) -> int:
    try:
        project = load_project(args.project)
    except SpecErrors as exc:
        print(exc, file=sys.stderr)
        return 1
    counts = ", ".join(f"{count} {kind}" for kind, count in summary_counts(project).items())
    print(f"townflow check: {project.root.resolve()} is valid: {counts}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="validate doctypes/, workflows/ and fixtures/ and report every error"
    )
    parser.set_defaults(func=run_check)
