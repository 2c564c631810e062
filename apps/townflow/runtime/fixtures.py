"""Loading the project's fixtures into a site: roles first, then records, idempotently.

A record already present (by name) is left alone, so edits made on the site survive a reload;
a Single (Campaign Settings) is written only if it was never saved. Records may link to each
other in any file order: a record whose Link target is not loaded yet is retried after the
others, until a pass makes no progress (then the remaining errors are raised).
"""

from __future__ import annotations

from townflow.runtime import store
from townflow.runtime.errors import LinkValidationError
from townflow.runtime.system_doctypes import ADMINISTRATOR


def _record_values(record) -> dict:
    values = dict(record.model_extra or {})
    values["doctype"] = record.doctype
    if record.name:
        values["name"] = record.name
    return values


def load_fixtures(site) -> dict[str, int]:
    """Insert missing roles and records; returns how many of each DocType were inserted."""
    admin = site.session(ADMINISTRATOR, ignore_permissions=True)
    inserted: dict[str, int] = {}
    with site.transaction():
        for role in getattr(site.project, "roles", {}).values():
            if not store.exists(site.db, site.metas.get("Role"), role.role_name):
                admin.insert(
                    {
                        "doctype": "Role",
                        "role_name": role.role_name,
                        "desk_access": int(role.desk_access),
                        "scope": role.scope,
                    }
                )
                inserted["Role"] = inserted.get("Role", 0) + 1
        pending = [_record_values(r) for r in getattr(site.project, "records", [])]
        while pending:
            retry: list[dict] = []
            errors: list[Exception] = []
            for values in pending:
                try:
                    with site.transaction():
                        if _insert_record(site, admin, values):
                            inserted[values["doctype"]] = inserted.get(values["doctype"], 0) + 1
                except LinkValidationError as exc:
                    retry.append(values)
                    errors.append(exc)
            if len(retry) == len(pending):
                raise errors[0]
            pending = retry
    return inserted


def _insert_record(site, admin, values: dict) -> bool:
    meta = site.metas.get(values["doctype"])
    if meta.issingle:
        if store.load_single(site.db, meta).get("modified"):
            return False
        admin.save({**values, "name": meta.name}, check_modified=False)
        return True
    name = values.get("name")
    if name and store.exists(site.db, meta, name):
        return False
    with site.transaction():
        admin._insert(meta, values, preset_name=bool(name))
    return True
