"""`townflow export` and `townflow import`: registers in and out of a site, for scripts.

townflow export --site sites/demo --doctype Person [--filters JSON] [--user U] persons.xlsx
townflow export --site sites/demo --report "Benefit Tally" [--filters JSON] [--user U] tally.xlsx
townflow import --site sites/demo --doctype Person persons.xlsx [--update] [--user U]

The commands act as `--user` (Administrator by default) through the same Session as the web
layer: its permission checks, masks, validation and one transaction per written document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _open_site(args: argparse.Namespace):
    from townflow.runtime.commands import _open

    return _open(args)


def _format_of(path: str) -> str | None:
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in ("xlsx", "csv") else None


def export_command(args: argparse.Namespace) -> int:
    from townflow.dataio.export import export_list
    from townflow.runtime.errors import PermissionError, QueryError

    file_format = _format_of(args.file)
    if file_format is None:
        print(f"{args.file}: the file must end in .xlsx or .csv", file=sys.stderr)
        return 2
    try:
        filters = json.loads(args.filters) if args.filters else None
    except json.JSONDecodeError as exc:
        print(f"--filters is not valid JSON: {exc}", file=sys.stderr)
        return 2
    if bool(args.doctype) == bool(args.report):
        print("give either --doctype or --report", file=sys.stderr)
        return 2
    site = _open_site(args)
    if site is None:
        return 2
    partial = Path(args.file).with_name(Path(args.file).name + ".part")
    try:
        session = site.session(args.user)
        if args.report:
            return _export_report(site, session, args, filters, file_format, partial)
        if not site.metas.exists(args.doctype):
            print(f"no DocType {args.doctype!r}", file=sys.stderr)
            return 2
        fields = [f.strip() for f in args.fields.split(",")] if args.fields else None
        count = export_list(
            session, args.doctype, partial, file_format, fields=fields, filters=filters, lang=args.lang
        )
        os.replace(partial, args.file)
    except (PermissionError, QueryError) as exc:
        print(f"export refused: {exc}", file=sys.stderr)
        return 1
    finally:
        partial.unlink(missing_ok=True)
        site.close()
    print(f"exported {count} {args.doctype} rows to {args.file}")
    return 0


def _export_report(site, session, args, filters, file_format: str, partial: Path) -> int:
    from townflow.dataio.report import export_report
    from townflow.runtime.errors import TownflowError

    if args.report not in site.project.reports:
        print(f"no report {args.report!r}", file=sys.stderr)
        return 2
    try:
        count = export_report(session, args.report, partial, file_format, filters=filters, lang=args.lang)
    except TownflowError as exc:
        print(f"export refused: {exc}", file=sys.stderr)
        return 1
    os.replace(partial, args.file)
    print(f"exported the report {args.report} ({count} rows) to {args.file}")
    return 0


def import_command(args: argparse.Namespace) -> int:
    from townflow.dataio.importer import ImportFileError, import_file, progress_printer

    site = _open_site(args)
    if site is None:
        return 2
    try:
        if not site.metas.exists(args.doctype):
            print(f"no DocType {args.doctype!r}", file=sys.stderr)
            return 2
        session = site.session(args.user)
        failed_path = args.failed or str(Path(args.file).with_name(Path(args.file).stem + ".failed.xlsx"))
        try:
            result = import_file(
                session,
                args.doctype,
                args.file,
                update=args.update,
                failed_path=failed_path,
                progress=progress_printer(sys.stderr),
            )
        except ImportFileError as exc:
            print(f"import refused, nothing imported: {exc}", file=sys.stderr)
            return 1
    finally:
        site.close()
    print(result.summary())
    if result.failed:
        print(f"{len(result.failed)} rows failed; fix them in {failed_path} and import it again")
        return 1
    return 0


def template_command(args: argparse.Namespace) -> int:
    from townflow.dataio.template import write_template

    site = _open_site(args)
    if site is None:
        return 2
    try:
        if not site.metas.exists(args.doctype):
            print(f"no DocType {args.doctype!r}", file=sys.stderr)
            return 2
        write_template(site, site.metas.get(args.doctype), args.file)
    finally:
        site.close()
    print(f"wrote the {args.doctype} import template to {args.file}")
    return 0


def register(subparsers) -> None:
    export = subparsers.add_parser(
        "export", help="export a DocType list or a report (with filters) to .xlsx or .csv"
    )
    export.add_argument("--site", required=True, help="the site folder")
    export.add_argument("--doctype", help="the DocType whose list to export")
    export.add_argument("--report", help="the report (reports/*.yaml report_name) to export")
    export.add_argument("--filters", help='JSON, as /api/resource takes it: {"village": "V01"}')
    export.add_argument("--fields", help="comma-separated fieldnames (default: name and every field)")
    export.add_argument("--user", default="Administrator", help="export as this user (default Administrator)")
    export.add_argument("--lang", default="zh", choices=("zh", "en"), help="header language")
    export.add_argument("file", help="the .xlsx or .csv to write")
    export.set_defaults(func=export_command)

    imp = subparsers.add_parser("import", help="import a DocType's records from .xlsx or .csv")
    imp.add_argument("--site", required=True, help="the site folder")
    imp.add_argument("--doctype", required=True)
    imp.add_argument("--update", action="store_true", help="update records that already exist")
    imp.add_argument("--user", default="Administrator", help="import as this user (default Administrator)")
    imp.add_argument("--failed", help="where to write the failed rows (default FILE.failed.xlsx)")
    imp.add_argument("file", help="the .xlsx or .csv to read")
    imp.set_defaults(func=import_command)

    template = subparsers.add_parser("import-template", help="write a DocType's import template (.xlsx)")
    template.add_argument("--site", required=True, help="the site folder")
    template.add_argument("--doctype", required=True)
    template.add_argument("file", help="the .xlsx to write")
    template.set_defaults(func=template_command)
