"""Scope follows the household (issue 12, M3).

A record's village (department, facility: any scope field) is often fetched from a linked record:
Person.village from household.village, Pregnancy Record.village from person.village, Subsidy
Application.village from household.village, Ultrasound Exam.village from pregnancy_record.village.
fetch_from fills it when the record is saved; when the household moves to another village, every
record that took its village from it (directly, or through a person) is moved in the same
transaction as the household, and so are the open to-dos that wait on its village's staff. After
the move the old village's clerk reaches none of it and the new village's clerk reaches all of it.

The moved rows keep their `modified` (nobody edited them); each DocType moved gets one audit row
`scope_moved` naming the records, the field and both values.
"""

from __future__ import annotations

from typing import Any

from townflow.runtime import pinyin_search
from townflow.runtime.db import quote
from townflow.runtime.hooks import DocEvent
from townflow.runtime.workflow_store import ACTION, POOL_SEPARATOR


def _followers(site, doctype: str, fieldname: str) -> list[tuple[Any, str, str]]:
    """(meta, link field, scope field) of the records whose scope field `fieldname`-of-`doctype` fills:
    a field with `fetch_from: <link>.<fieldname>` where the link points to `doctype`."""
    found = []
    for meta in site.metas.all():
        if meta.istable or meta.issingle:
            continue
        scope_fields = set(meta.scope_fields.values())
        for f in meta.value_fields:
            if f.fieldname not in scope_fields or not f.fetch_from or "." not in f.fetch_from:
                continue
            link_name, source = f.fetch_from.split(".", 1)
            link = meta.get_field(link_name)
            if (
                source == fieldname
                and link is not None
                and link.fieldtype == "Link"
                and link.options == doctype
            ):
                found.append((meta, link_name, f.fieldname))
    return found


def _move(site, user: str, doctype: str, names: list[str], fieldname: str, old, new, depth: int = 0) -> None:
    if not names or depth > 5:
        return
    for meta, link, field in _followers(site, doctype, fieldname):
        marks = ", ".join("?" * len(names))
        rows = site.db.fetchall(
            f"SELECT name FROM {meta.table} WHERE {quote(link)} IN ({marks}) "
            f"AND ifnull({quote(field)}, '') != ifnull(?, '')",
            (*names, new),
        )
        moved = [r["name"] for r in rows]
        if not moved:
            continue
        for start in range(0, len(moved), 500):
            part = moved[start : start + 500]
            part_marks = ", ".join("?" * len(part))
            site.db.execute(
                f"UPDATE {meta.table} SET {quote(field)} = ? WHERE name IN ({part_marks})", (new, *part)
            )
            pinyin_search.moved(site, meta, part, field, new)  # the keys' village follows
            scope = next((k for k, v in meta.scope_fields.items() if v == field), field)
            _move_todos(site, meta.name, part, scope, old, new)
        site.audit.record(
            "scope_moved",
            user,
            meta.name,
            None,
            {"field": field, "from": old, "to": new, "names": moved, "because": [doctype, names[:20]]},
        )
        site.after_write(meta.name)
        _move(site, user, meta.name, moved, field, old, new, depth + 1)


def _move_todos(site, doctype: str, names: list[str], scope_kind: str, old, new) -> None:
    """Open and finished to-dos of the moved records follow them: pooled ones wait on the new
    village's staff (their audience names the scope)."""
    marks = ", ".join("?" * len(names))
    old_pool_tail = POOL_SEPARATOR + scope_kind + POOL_SEPARATOR + str(old or "")
    new_pool_tail = POOL_SEPARATOR + scope_kind + POOL_SEPARATOR + str(new or "")
    site.db.execute(
        f"UPDATE {ACTION} SET scope_value = ?, audience = CASE WHEN audience LIKE 'pool' || ? || '%' "
        f"AND substr(audience, -length(?)) = ? THEN substr(audience, 1, length(audience) - length(?)) || ? "
        f"ELSE audience END "
        f"WHERE reference_doctype = ? AND reference_name IN ({marks}) AND scope_kind = ? "
        f"AND ifnull(scope_value, '') = ifnull(?, '')",
        (
            new,
            POOL_SEPARATOR,
            old_pool_tail,
            old_pool_tail,
            old_pool_tail,
            new_pool_tail,
            doctype,
            *names,
            scope_kind,
            old,
        ),
    )


def register_scope_follow_hooks(site) -> None:
    """After any save that changes a scope field, move the records that fetched it."""

    def on_update(event: DocEvent) -> None:
        if event.old is None:
            return
        meta = site.metas.get(event.doctype)
        if meta.istable or meta.issingle:
            return
        for field in set(meta.scope_fields.values()) | {"name"}:
            if field == "name" or event.old.get(field) == event.doc.get(field):
                continue
            user = event.session.user if event.session is not None else None
            _move(
                site, user, meta.name, [event.doc["name"]], field, event.old.get(field), event.doc.get(field)
            )

    site.hooks.register("*", "on_update", on_update)
