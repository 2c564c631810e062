"""Attachments of Attach fields: uploaded into the site folder, downloaded only through the document.

An upload is stored as `<site>/private/files/<random>/<safe name>` and the field's value is the
path Frappe would give a private file (`/private/files/<random>/<name>`). There is no public
URL: a download names the document and the field, the runtime's `Session.get` decides whether
the user may read that document, and only the file the field points to is served, and only if
the user may read the document it was uploaded to (townflow.runtime.attachments).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from townflow.runtime import attachments
from townflow.web.errors import ValidationError
from townflow.web.pages.common import PageRoute, SessionDep, call

router = APIRouter(route_class=PageRoute)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PREFIX = "/private/files/"
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", Path(name or "file").name)
    cleaned = _UNSAFE.sub("_", name).strip("._") or "file"
    return cleaned[-120:]


def files_root(site: Any) -> Path:
    return Path(site.path) / "private" / "files"


@router.post("/files/upload")
async def upload(request: Request, session: SessionDep) -> JSONResponse:
    """Store one file; answers `{"file_url": ...}` to be saved in an Attach field of a form."""
    form = await request.form()
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str):
        raise ValidationError("No file uploaded", zh="未选择文件")
    data = await upload_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError("File too large (at most 10 MB)", zh="文件过大（不超过 10 MB）")
    token = secrets.token_hex(8)
    name = safe_filename(upload_file.filename or "file")

    def store() -> str:
        folder = files_root(session.site) / token
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        attachments.register_upload(session.site, f"{PREFIX}{token}/{name}", session.user)
        return f"{PREFIX}{token}/{name}"

    return JSONResponse({"message": {"file_url": await call(store), "file_name": name}})


INLINE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf")


@router.get("/files/{dt}/{name}/{fieldname}")
async def download(request: Request, dt: str, name: str, fieldname: str, session: SessionDep) -> Any:
    """The file an Attach field of a readable document points to; anything else is not found."""
    from townflow.runtime.errors import DoesNotExistError
    from townflow.web.pages.common import doctype_from_slug

    def locate() -> Path:
        doctype = doctype_from_slug(session.site, dt)
        doc = session.get(doctype, name)
        df = session.meta(doctype).get_field(fieldname)
        value = doc.get(fieldname) if df is not None and df.fieldtype in ("Attach", "Attach Image") else None
        if isinstance(value, str) and not attachments.may_download(session, value):
            raise DoesNotExistError("File not found", "文件不存在")  # the owner document decides
        return private_file(session.site, value)

    path = await call(locate)
    # ?inline=1 previews an image or a PDF in the page (issue 18); anything else is downloaded
    inline = request.query_params.get("inline") == "1" and path.suffix.lower() in INLINE_SUFFIXES
    return FileResponse(
        path, filename=path.name, content_disposition_type="inline" if inline else "attachment"
    )


@router.get("/files/{dt}/{name}/{table}/{row}/{fieldname}")
async def download_row(
    request: Request, dt: str, name: str, table: str, row: str, fieldname: str, session: SessionDep
) -> Any:
    """The file of one line of a checklist of materials (a Table whose rows hold an Attach field):
    served only to readers of the document the line belongs to."""
    from townflow.runtime.errors import DoesNotExistError
    from townflow.web.pages.common import doctype_from_slug

    def locate() -> Path:
        doctype = doctype_from_slug(session.site, dt)
        doc = session.get(doctype, name)  # refuses whoever may not read the document
        df = session.meta(doctype).get_field(table)
        value = None
        if df is not None and df.fieldtype == "Table":
            child = session.site.metas.get(df.options).get_field(fieldname)
            if child is not None and child.fieldtype in ("Attach", "Attach Image"):
                lines = [r for r in doc.get(table) or [] if str(r.get("name")) == row]
                value = lines[0].get(fieldname) if lines else None
        if not isinstance(value, str) or not attachments.may_download(session, value):
            raise DoesNotExistError("File not found", "文件不存在")
        return private_file(session.site, value)

    path = await call(locate)
    inline = request.query_params.get("inline") == "1" and path.suffix.lower() in INLINE_SUFFIXES
    return FileResponse(
        path, filename=path.name, content_disposition_type="inline" if inline else "attachment"
    )


def private_file(site: Any, value: Any) -> Path:
    """The stored file an Attach value (`/private/files/...`) names, inside the site's files folder
    only; anything else is not found."""
    from townflow.runtime.errors import DoesNotExistError

    if not isinstance(value, str) or not value.startswith(PREFIX):
        raise DoesNotExistError("File not found", "文件不存在")
    root = files_root(site).resolve()
    path = (root / value[len(PREFIX) :]).resolve()
    if root not in path.parents or not path.is_file():
        raise DoesNotExistError("File not found", "文件不存在")
    return path
