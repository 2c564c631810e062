"""数据导入 Data Import: registers in from Excel, as Frappe's Data Import does it (issue 15).

    /app/data-import                         new import (DocType, insert/update, file) and the
                                             user's recent imports; template downloads
    /app/data-import/template/<doctype>.xlsx the import template (townflow.dataio.template)
    /app/data-import/<job>                   preview (errors per row and field), start, progress
                                             bar, result and failed rows
    /app/data-import/<job>/status            the job's progress as JSON (the page polls it)
    /app/data-import/<job>/failed.xlsx       the failed rows with their reasons, to fix and re-import

Admins import anything importable; a Village Clerk imports into the registers they may create,
within their own village: every row goes through their own Session (townflow.dataio.importer),
so the rights, the scope and the validation are the form's. The import runs on a thread of the
server (townflow.dataio.jobs): the page may be left and reopened.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from townflow.dataio import jobs
from townflow.dataio.reader import ImportFileError
from townflow.dataio.template import write_template
from townflow.runtime.errors import DoesNotExistError
from townflow.web.errors import ValidationError
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, doctype_from_slug, render, slug

router = APIRouter(route_class=PageRoute)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: this page's own words, key -> (zh, en)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("数据导入", "Data Import"),
    "new_import": ("新建导入", "New import"),
    "doctype": ("导入类型", "Document type"),
    "mode": ("导入方式", "Import type"),
    "insert": ("新增记录（已有的跳过）", "Insert new records (existing ones skipped)"),
    "update": ("更新已有记录", "Update existing records"),
    "file": ("文件（.xlsx 或 .csv）", "File (.xlsx or .csv)"),
    "upload": ("上传并预览", "Upload and preview"),
    "template": ("下载导入模板", "Download template"),
    "templates": ("导入模板", "Templates"),
    "recent": ("最近的导入", "Recent imports"),
    "none": ("暂无导入记录", "No imports yet"),
    "status": ("状态", "Status"),
    "created": ("时间", "Created"),
    "rows": ("行数", "Rows"),
    "n_rows": ("{n} 行", "{n} row(s)"),
    "preview": ("预览", "Preview"),
    "preview_note": (
        "已按表单的校验规则检查前 {checked} 行（共 {total} 行），尚未写入。",
        "The first {checked} of {total} rows were checked by the form's validation; nothing is written yet.",
    ),
    "row": ("行", "Row"),
    "errors": ("错误", "Errors"),
    "ok": ("可导入", "OK"),
    "start": ("开始导入", "Start import"),
    "file_error": ("文件无法导入，未导入任何数据", "The file cannot be imported; nothing was imported"),
    "progress": ("导入进度", "Progress"),
    "running_note": (
        "导入在后台进行，可以离开本页，稍后再回来查看。",
        "The import runs in the background: you may leave this page and come back.",
    ),
    "inserted": ("新增", "Inserted"),
    "updated": ("更新", "Updated"),
    "skipped": ("已存在（跳过）", "Already there (skipped)"),
    "failed": ("失败", "Failed"),
    "failed_rows": ("失败的行", "Failed rows"),
    "download_failed": ("下载失败的行（.xlsx）", "Download failed rows (.xlsx)"),
    "failed_note": (
        "修改后可将此文件再次导入；已导入的行不会重复。",
        "Fix them and import the file again; rows already imported are not duplicated.",
    ),
    "reason": ("原因", "Reason"),
    "sheet": ("工作表", "Sheet"),
    "back": ("返回数据导入", "Back to Data Import"),
    "members_note": (
        "户的模板含“成员”工作表：在同一文件中登记户内成员，“所属户”填写第一张表的 ID。",
        "The household template has a Members sheet: each member's household is its ID in the first sheet.",
    ),
    "Pending": ("待导入", "Pending"),
    "Running": ("导入中", "Running"),
    "Success": ("成功", "Success"),
    "Partial Success": ("部分成功", "Partial Success"),
    "Error": ("失败", "Error"),
}


def words(lang: str):
    def w(key: str, **kw: Any) -> str:
        zh, en = WORDS[key]
        text = en if lang == "en" else zh
        return text.format(**kw) if kw else text

    return w


def _may_import(session) -> bool:
    return bool(jobs.importable_doctypes(session))


@router.get("/app/data-import", response_class=HTMLResponse)
async def index(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        doctypes = jobs.importable_doctypes(session)
        if not doctypes:
            raise _forbidden()
        return render(
            page,
            "data_import.html",
            w=words(page.lang),
            doctypes=doctypes,
            jobs=jobs.recent(session),
            error=request.query_params.get("error"),
        )

    return await call(build)


def _forbidden():
    from townflow.runtime.errors import PermissionError

    return PermissionError("No permission to import", "没有导入权限")


@router.get("/app/data-import/template/{dt}.xlsx")
async def template(request: Request, dt: str, session: SessionDep) -> Response:
    def build() -> bytes:
        import io

        doctype = doctype_from_slug(session.site, dt)
        if doctype not in jobs.importable_doctypes(session):
            raise _forbidden()
        out = io.BytesIO()
        write_template(session.site, session.meta(doctype), out)
        return out.getvalue()

    data = await call(build)
    name = f"{dt}-template.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/app/data-import")
async def upload(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        raise ValidationError("No file chosen", zh="未选择文件")
    data = await upload_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError("File too large (at most 10 MB)", zh="文件过大（不超过 10 MB）")
    doctype = str(form.get("doctype") or "")
    update = form.get("import_type") == jobs.UPDATE

    def store() -> str:
        if not session.site.metas.exists(doctype):
            raise ValidationError(f"No document type {doctype}", zh=f"没有单据类型 {doctype}")
        return jobs.create(session, doctype, upload_file.filename, data, update=update)

    try:
        name = await call(store)
    except ImportFileError as exc:
        return RedirectResponse(f"/app/data-import?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(f"/app/data-import/{quote(name)}", status_code=303)


@router.get("/app/data-import/{name}", response_class=HTMLResponse)
async def job_page(request: Request, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        job = jobs.get(session, name)
        preview, file_error = None, None
        if job["status"] == jobs.PENDING:
            try:
                preview = jobs.preview(session, name)
            except ImportFileError as exc:
                file_error = str(exc)
        return render(
            page,
            "data_import_job.html",
            w=words(page.lang),
            job=job,
            preview=preview,
            file_error=file_error,
            doctype_slug=slug(job["reference_doctype"]),
        )

    return await call(build)


@router.post("/app/data-import/{name}/start")
async def start(request: Request, name: str, session: SessionDep) -> Response:
    await call(jobs.start, session, name)
    return RedirectResponse(f"/app/data-import/{quote(name)}", status_code=303)


@router.get("/app/data-import/{name}/status")
async def status(request: Request, name: str, session: SessionDep) -> JSONResponse:
    job = await call(jobs.get, session, name)
    keys = (
        "name",
        "status",
        "total",
        "done",
        "percent",
        "inserted",
        "updated",
        "skipped",
        "failed",
        "finished",
    )
    return JSONResponse({"message": {k: job[k] for k in keys}})


@router.get("/app/data-import/{name}/failed.xlsx")
async def failed_file(request: Request, name: str, session: SessionDep) -> FileResponse:
    def locate():
        job = jobs.get(session, name)
        path = jobs.failed_path(session.site, job)
        if not job["failed"] or not path.is_file():
            raise DoesNotExistError("No failed rows", "没有失败的行")
        return path

    path = await call(locate)
    return FileResponse(path, filename=path.name, media_type=XLSX)
