"""Runtime subcommands: `townflow audit verify`, `townflow migrate`, `townflow customizations export`,
`townflow backup`.

townflow audit verify --site sites/demo        exit 0 if the hash chain holds, 1 at the first broken row
townflow migrate --site sites/demo             sync tables/columns/indexes with the spec, load new fixtures
townflow customizations export --site sites/demo [--out customizations]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from townflow.runtime.db import DB_FILENAME  # sqlite3 only

# The runtime (argon2 and the rest of the `runtime` extra) is imported when a command runs, so
# the base install's commands work without it (townflow.cli names the extra to install).
if TYPE_CHECKING:
    from townflow.runtime.db import Database
    from townflow.runtime.site import Site


def _site_db(site_dir: str) -> Database | None:
    from townflow.runtime.db import Database

    path = Path(site_dir) / DB_FILENAME
    if not path.exists():
        print(f"no site at {site_dir} ({path} is missing)", file=sys.stderr)
        return None
    return Database(path)


def audit_verify(args: argparse.Namespace) -> int:
    from townflow.runtime import audit_key
    from townflow.runtime.audit import AuditLog

    db = _site_db(args.site)
    if db is None:
        return 2
    expect = None
    if args.expect_head:
        row_id, _, digest = args.expect_head.partition(":")
        expect = (int(row_id), digest)
    anchor = audit_key.load(args.site)
    if anchor is None:
        db.close()
        print(
            f"no audit key at {audit_key.key_path(args.site)}: the chain cannot be verified "
            "(a site creates its key when opened; restore the key file from its backup)"
        )
        return 1
    try:
        result = AuditLog(db, now=None, key=anchor.key, keyed_from=anchor.keyed_from).verify(expect)
    finally:
        db.close()
    if result.ok:
        print(f"audit chain intact: {result.rows} rows; head {result.rows}:{result.head_hash}")
        return 0
    print(f"audit chain broken at row {result.first_broken_id}: {result.reason}")
    return 1


def _open(args: argparse.Namespace) -> Site | None:
    """The existing site with the project loaded; None (after printing why) when there is no
    site at --site or the spec does not check."""
    from townflow.runtime.site import Site
    from townflow.spec.commands import load_project_or_report

    if not (Path(args.site) / DB_FILENAME).exists():
        print(f"no site at {args.site}", file=sys.stderr)
        return None
    project = load_project_or_report(args.project)
    if project is None:
        return None
    return Site.open(args.site, project, with_fixtures=False)


def migrate(args: argparse.Namespace) -> int:
    site = _open(args)
    if site is None:
        return 2
    try:
        added = site.sync_schema()
        loaded = site.load_fixtures()
    finally:
        site.close()
    for doctype, columns in sorted(added.items()):
        print(f"{doctype}: added {', '.join(columns)}")
    for doctype, count in sorted(loaded.items()):
        print(f"{doctype}: {count} fixture records inserted")
    print("migrated" if added or loaded else "already up to date")
    return 0


def customizations_export(args: argparse.Namespace) -> int:
    from townflow.runtime.customize import export_customizations

    site = _open(args)
    if site is None:
        return 2
    if args.into_spec:
        from townflow.runtime.customize import collect
        from townflow.runtime.spec_patch import merge_into_spec

        try:
            done, errors = merge_into_spec(args.project, collect(site))
        finally:
            site.close()
        for line in done or ["nothing to merge"]:
            print(line)
        for error in errors:
            print(error, file=sys.stderr)
        return 1 if errors else 0
    try:
        written = export_customizations(
            site, Path(args.project) / args.out if not Path(args.out).is_absolute() else args.out
        )
    finally:
        site.close()
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("no customizations")
    return 0


def backup(args: argparse.Namespace) -> int:
    """SQLite's online backup: a consistent snapshot even while the server writes."""
    db = _site_db(args.site)
    if db is None:
        return 2
    target = Path(args.to)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        print(f"{target} exists; choose a new file", file=sys.stderr)
        db.close()
        return 2
    import sqlite3

    dest = sqlite3.connect(target)
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
        db.close()
    print(f"backed up {args.site} to {target}")
    return 0


def register(subparsers) -> None:
    audit = subparsers.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="check the hash chain; report the first broken row")
    verify.add_argument("--site", required=True, help="site folder (holding site.sqlite)")
    verify.add_argument(
        "--expect-head",
        metavar="ID:HASH",
        help="a head printed by an earlier verify: that row must be intact",
    )
    verify.set_defaults(func=audit_verify)

    mig = subparsers.add_parser("migrate", help="sync the site's tables with the spec and load new fixtures")
    mig.add_argument("--site", required=True)
    mig.set_defaults(func=migrate)

    back = subparsers.add_parser("backup", help="copy the site's database consistently, even while it runs")
    back.add_argument("--site", required=True)
    back.add_argument("--to", required=True, help="the new file to write")
    back.set_defaults(func=backup)

    custom = subparsers.add_parser("customizations", help="Custom Fields and Property Setters")
    custom_sub = custom.add_subparsers(dest="customizations_command", required=True, metavar="ACTION")
    export = custom_sub.add_parser("export", help="write them as YAML patches (Frappe custom/*.json shape)")
    export.add_argument("--site", required=True)
    export.add_argument(
        "--out", default="customizations", help="folder, relative to --project (default: customizations)"
    )
    export.add_argument(
        "--into-spec",
        action="store_true",
        help="merge into doctypes/*.yaml instead (line edits; restored if the spec stops checking)",
    )
    export.set_defaults(func=customizations_export)
