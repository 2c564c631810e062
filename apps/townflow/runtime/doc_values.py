"""Helpers on document values for the write paths: after-submit checks, secrets, amend copies.

Kept apart from townflow.runtime.writes so that module stays about the order of a write.
"""

from __future__ import annotations

from townflow.runtime import versions
from townflow.runtime.errors import UpdateAfterSubmitError
from townflow.runtime.meta import Meta


def check_allow_on_submit(metas, meta: Meta, old: dict, new: dict) -> None:
    diff = versions.diff(metas, meta, old, new)
    blocked = [c[0] for c in diff["changed"] if c[0] != "docstatus" and not _allowed_on_submit(meta, c[0])]
    blocked += [
        r[0]
        for k in ("added", "removed", "row_changed")
        for r in diff[k]
        if not _allowed_on_submit(meta, r[0])
    ]
    if blocked:
        names = ", ".join(dict.fromkeys(blocked))
        raise UpdateAfterSubmitError(
            f"Not allowed to change {names} after submission", f"提交后不允许修改：{names}"
        )


def _allowed_on_submit(meta: Meta, fieldname: str) -> bool:
    f = meta.get_field(fieldname)
    return bool(f and f.allow_on_submit)


def pop_passwords(meta: Meta, doc: dict) -> dict[str, str]:
    """Password values go to `__Auth` hashed; the column only says whether one is set."""
    out: dict[str, str] = {}
    for f in meta.value_fields:
        if f.fieldtype == "Password":
            value = doc.get(f.fieldname)
            if value and value != "*****":
                out[f.fieldname] = str(value)
            doc[f.fieldname] = "*****" if value else None
            if f.fieldname == "new_password":
                doc[f.fieldname] = None
    return out


def copy_for_amend(metas, meta: Meta, old: dict) -> dict:
    draft = {"doctype": meta.name, "amended_from": old["name"]}
    for f in meta.value_fields:
        if not f.no_copy and f.fieldname not in ("amended_from",):
            draft[f.fieldname] = old.get(f.fieldname)
    for tf in meta.table_fields:
        child = metas.get(tf.options)
        draft[tf.fieldname] = [
            {f.fieldname: row.get(f.fieldname) for f in child.value_fields if not f.no_copy}
            for row in old.get(tf.fieldname) or []
        ]
    return draft
