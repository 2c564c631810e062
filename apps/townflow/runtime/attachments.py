"""Attachments carry their owner document's permission (issue 12, L3).

Frappe keeps a `File` record per upload with `attached_to_doctype` / `attached_to_name`, and
serves a private file to whoever may read that document. Here `__files` keeps the same facts:
- an upload is registered to its uploader, attached to nothing yet;
- the first saved document whose Attach field names it becomes its owner document;
- an Attach field may name only a private file its writer uploaded and has not attached
  elsewhere, a file already attached to this document, or a file attached to a document the
  writer may read (an amended copy keeps its attachments); any other `/private/files/` path is
  "no such file" (other values, public URLs as Frappe allows, are kept but never served);
- a download is served only to someone who may read the owner document (or, before it is
  attached, to its uploader), whatever document's field points at it.
So pointing another village's document field at a file grants nothing.
"""

from __future__ import annotations

from townflow.runtime.errors import FieldMessage, ValidationError
from townflow.runtime.hooks import DocEvent

PRIVATE_PREFIX = "/private/files/"
ATTACH_TYPES = ("Attach", "Attach Image")
TABLE = "__files"

SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (file_url TEXT PRIMARY KEY, owner TEXT NOT NULL, "
    "creation TEXT NOT NULL, attached_to_doctype TEXT, attached_to_name TEXT, attached_to_field TEXT)"
)


def ensure_schema(site) -> None:
    """Create the table; on first creation, register the files documents already point at (each
    to the first document found naming it), so existing attachments stay readable."""
    with site.db.transaction():
        existed = site.db.fetchone("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)) is not None
        site.db.execute(SCHEMA)
        if existed:
            return
        for meta in site.metas.all():
            if meta.istable or meta.issingle:
                continue
            for f in meta.value_fields:
                if f.fieldtype not in ATTACH_TYPES:
                    continue
                rows = site.db.fetchall(
                    f'SELECT name, owner, "{f.fieldname}" AS url FROM {meta.table} '
                    f'WHERE "{f.fieldname}" LIKE ?',
                    (PRIVATE_PREFIX + "%",),
                )
                for r in rows:
                    site.db.execute(
                        f"INSERT OR IGNORE INTO {TABLE} VALUES (?, ?, '', ?, ?, ?)",
                        (r["url"], r["owner"] or "", meta.name, r["name"], f.fieldname),
                    )


def register_upload(site, file_url: str, owner: str) -> None:
    """A file just stored for `owner`, attached to nothing yet."""
    with site.db.transaction():
        site.db.execute(
            f"INSERT INTO {TABLE} (file_url, owner, creation) VALUES (?, ?, ?)",
            (file_url, owner, site.now().strftime("%Y-%m-%d %H:%M:%S")),
        )


def file_row(site, file_url: str):
    return site.db.fetchone(f"SELECT * FROM {TABLE} WHERE file_url = ?", (file_url,))


def may_download(session, file_url: str) -> bool:
    """Whether the user may read the document the file was uploaded to (its uploader, before)."""
    row = file_row(session.site, file_url)
    if row is None:
        return False
    if row["attached_to_doctype"] is None:
        return row["owner"] == session.user
    meta = (
        session.site.metas.get(row["attached_to_doctype"])
        if session.site.metas.exists(row["attached_to_doctype"])
        else None
    )
    return meta is not None and session.can_see(meta, row["attached_to_name"], "read")


def _attach_values(site, meta, doc, prefix: str = "") -> dict[str, str]:
    """Every Attach value of `doc` and of its child rows, by where it sits (`visits[2].signature_image`)."""
    found: dict[str, str] = {}
    for f in meta.value_fields:
        if f.fieldtype in ATTACH_TYPES and doc.get(f.fieldname):
            found[prefix + f.fieldname] = str(doc.get(f.fieldname))
    for tf in meta.table_fields if not prefix else ():
        child = site.metas.get(tf.options)
        for i, row in enumerate(doc.get(tf.fieldname) or [], start=1):
            if isinstance(row, dict):
                found.update(_attach_values(site, child, row, f"{tf.fieldname}[{i}]."))
    return found


def _changed_attachments(site, event: DocEvent) -> list[tuple[str, str]]:
    """The Attach values, on the document or its child rows, that it did not hold before: a child
    row's file carries the permission of the document the row belongs to."""
    meta = site.metas.get(event.doctype)
    if meta.istable or meta.issingle:
        return []
    before = set(_attach_values(site, meta, event.old).values()) if event.old else set()
    return [
        (where, value)
        for where, value in _attach_values(site, meta, event.doc).items()
        if value not in before
    ]


def register_attachment_hooks(site) -> None:
    def validate(event: DocEvent) -> None:
        session = event.session
        if session is None or getattr(session, "ignore_permissions", False):
            return
        problems = []
        for fieldname, value in _changed_attachments(site, event):
            if not value.startswith(PRIVATE_PREFIX):
                continue  # a public URL, as Frappe allows: never served from the site's files
            row = file_row(site, value)
            if row is None:
                ok = False
            elif row["attached_to_doctype"] is None:
                ok = row["owner"] == session.user
            elif (row["attached_to_doctype"], row["attached_to_name"]) == (
                event.doctype,
                event.doc.get("name"),
            ):
                ok = True
            else:
                ok = may_download(session, value)
            if not ok:
                problems.append(
                    FieldMessage(fieldname, f"{fieldname}：文件不存在", f"{fieldname}: no such file")
                )
        if problems:
            raise ValidationError.from_messages(problems)

    def attach(event: DocEvent) -> None:
        for fieldname, value in _changed_attachments(site, event):
            site.db.execute(
                f"UPDATE {TABLE} SET attached_to_doctype = ?, attached_to_name = ?, attached_to_field = ? "
                "WHERE file_url = ? AND attached_to_doctype IS NULL",
                (event.doctype, event.doc.get("name"), fieldname, value),
            )

    site.hooks.register("*", "validate", validate)
    site.hooks.register("*", "on_update", attach)
