"""The MariaDB triggers the app keeps (kept tallies, kept step visits): which exist, and dropping
the ones of a family no report needs any more. Shared by tallies.py and visits.py."""

from __future__ import annotations

import frappe


def present(names: list[str]) -> set[str]:
    """Those of `names` that exist as triggers in the site's database."""
    if not names:
        return set()
    marks = ", ".join(["%s"] * len(names))
    return {
        r[0]
        for r in frappe.db.sql(
            "select trigger_name from information_schema.triggers "  # noqa: S608 - marks only
            f"where trigger_schema = database() and trigger_name in ({marks})",
            names,
        )
    }


def drop_stale(prefix: str, wanted: set[str] | dict) -> None:
    """Drop every trigger named `prefix...` that is not in `wanted` (a family's triggers whose
    report or plan is gone). `prefix` is a literal name start such as `tf_tally_`."""
    like = prefix.replace("_", "\\_") + "%"
    for (trigger,) in frappe.db.sql(
        "select trigger_name from information_schema.triggers "
        "where trigger_schema = database() and trigger_name like %s",
        (like,),
    ):
        if trigger not in wanted:
            frappe.db.sql_ddl(f"drop trigger if exists `{trigger}`")
