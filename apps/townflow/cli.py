"""The `townflow` command. Each layer registers its own subcommands; this file only wires them."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module has `register(subparsers)` adding its subcommands with `set_defaults(func=...)`;
# `func(args)` returns the exit status.
COMMAND_MODULES = [
    "townflow.spec.commands",  # check
    "townflow.compile.commands",  # build, deploy, push, pull
    "townflow.web.commands",  # serve, demo
    "townflow.runtime.commands",  # audit verify, migrate, customizations export
    "townflow.runtime.workflow_commands",  # tick
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="townflow", description="Low-code forms and approval workflows.")
    parser.add_argument("--project", default=".", help="folder holding doctypes/, workflows/, fixtures/")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
