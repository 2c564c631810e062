"""`townflow build [--out DIR] [--check]`, `townflow deploy`, `townflow push`, `townflow pull`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from townflow.compile.tree import build_files, differences, write_tree
from townflow.spec.commands import load_project_or_report

DEFAULT_OUT = "apps/care_for_girls"


def run_build(args: argparse.Namespace) -> int:
    project = load_project_or_report(args.project)
    if project is None:
        return 1
    out = Path(args.out) if args.out else Path(args.project) / DEFAULT_OUT
    files = build_files(project)
    if args.check:
        diff = differences(out, files)
        if diff:
            print(f"townflow build --check: {out} differs from what the spec generates:", file=sys.stderr)
            for line in diff:
                print(f"  {line}", file=sys.stderr)
            print("run `townflow build` and commit the result", file=sys.stderr)
            return 1
        print(f"townflow build --check: {out} matches the spec ({len(files)} files)")
        return 0
    written, removed = write_tree(out, files)
    print(f"townflow build: {out}: {len(files)} files, {len(written)} written, {len(removed)} stale removed")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser("build", help="compile the spec into the Frappe app apps/care_for_girls")
    build.add_argument("--out", help=f"app folder to write (default: {DEFAULT_OUT} under --project)")
    build.add_argument(
        "--check", action="store_true", help="write nothing; fail and list files that differ from the spec"
    )
    build.set_defaults(func=run_build)
    from townflow.compile import deploy, sync

    deploy.register(subparsers)
    sync.register(subparsers)
