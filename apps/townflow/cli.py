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
    "townflow.dataio.commands",  # import, export
]


#: Commands from these modules need an extra; without it they say which, in one line.
EXTRA_OF_MODULE = {
    "townflow.web.commands": "web",
    "townflow.runtime.commands": "runtime",
    "townflow.runtime.workflow_commands": "runtime",
    "townflow.dataio.commands": "runtime",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="townflow", description="Low-code forms and approval workflows.")
    parser.add_argument("--project", default=".", help="folder holding doctypes/, workflows/, fixtures/")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as exc:
        extra = EXTRA_OF_MODULE.get(getattr(args.func, "__module__", ""))
        if extra is None or not exc.name or exc.name.split(".")[0] == "townflow":
            raise
        print(
            f"townflow {args.command} needs the '{extra}' extra (no module {exc.name!r}): "
            f"pip install 'townflow[{extra}]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
