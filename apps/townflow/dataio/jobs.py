"""Import jobs: an uploaded file, its preview, and the import running in the background.

A job is a row of `__data_import` in the site's database (as Frappe keeps a `Data Import`
document): the file (kept under `<site>/private/imports/<job>/`), the DocType, insert or update
mode, the status (Pending -> Running -> Success / Partial Success / Error, as Frappe's Data
Import names them), the rows done so far and the counts. `start` runs the import on a thread of
the server process, as the job's owner (their permissions, validation and village scope): the
page may be left and reopened, and shows the progress from the row. A job found Running that no
thread of this process runs (the server restarted) is marked Error: its committed batches stay,
the rest was never written.

Only the job's owner and a System Manager see a job; anyone else is told it does not exist.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import threading
import unicodedata
from pathlib import Path
from typing import Any

from townflow.dataio import importer
from townflow.dataio.reader import ImportFileError
from townflow.runtime.errors import DoesNotExistError, PermissionError, TownflowError

log = logging.getLogger("townflow.dataio")

TABLE = '"__data_import"'
INSERT, UPDATE = "Insert New Records", "Update Existing Records"
PENDING, RUNNING, SUCCESS, PARTIAL, ERROR = "Pending", "Running", "Success", "Partial Success", "Error"
#: Failed rows kept in the job row for the page (every one is in the failed-rows .xlsx).
SHOWN_FAILED = 500
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")
_RUNNING: dict[tuple[str, str], threading.Thread] = {}
_LOCK = threading.Lock()

_SCHEMA = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, creation TEXT NOT NULL, modified TEXT NOT NULL,
    reference_doctype TEXT NOT NULL, import_type TEXT NOT NULL, file_name TEXT NOT NULL,
    status TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    message TEXT, failed_rows TEXT)"""


_READY: set[str] = set()


def ensure_table(site) -> None:
    """Create the job table once per site and process (a status poll then only reads)."""
    key = str(site.path)
    if key in _READY:
        return
    with site.db.transaction():
        site.db.execute(_SCHEMA)
    _READY.add(key)


def folder(site, name: str) -> Path:
    return Path(site.path) / "private" / "imports" / name


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", Path(name or "file").name)
    return (_UNSAFE.sub("_", name).strip("._") or "file")[-120:]


def importable_doctypes(session) -> list[str]:
    """The DocTypes of the project this user may import into (create right; registers, not
    workflow documents, child tables or single settings)."""
    site = session.site
    out = []
    for name in site.project.doctypes:
        if not site.metas.exists(name):
            continue
        meta = site.metas.get(name)
        if meta.istable or meta.issingle or site.project.workflow_for(name) is not None:
            continue
        if session.ignore_permissions or site.perms.has(meta, session.ctx, "create"):
            out.append(name)
    return out


def create(session, doctype: str, file_name: str, data: bytes, *, update: bool) -> str:
    """Store an uploaded file as a Pending job of `session`'s user; the job's name."""
    site = session.site
    if doctype not in importable_doctypes(session):
        meta = session.meta(doctype)
        session.require_doctype(meta, "create")
        raise PermissionError(f"{doctype} cannot be imported", f"{doctype} 不能导入")
    file_name = safe_filename(file_name)
    if Path(file_name).suffix.lower() not in (".xlsx", ".csv"):
        raise ImportFileError(f"{file_name}: only .xlsx and .csv files can be imported")
    if not data:
        raise ImportFileError(f"{file_name}: the file is empty")
    ensure_table(site)
    name = "IMP-" + site.now().strftime("%Y%m%d") + "-" + secrets.token_hex(4)
    target = folder(site, name)
    target.mkdir(parents=True, exist_ok=True)
    (target / file_name).write_bytes(data)
    now = site.now().strftime("%Y-%m-%d %H:%M:%S")
    with site.db.transaction():
        site.db.execute(
            f"INSERT INTO {TABLE} (name, owner, creation, modified, reference_doctype, import_type, "  # noqa: S608 - constant table
            "file_name, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, session.user, now, now, doctype, UPDATE if update else INSERT, file_name, PENDING),
        )
    return name


def get(session, name: str) -> dict[str, Any]:
    """The job as its owner (or a System Manager) sees it; anyone else: DoesNotExistError."""
    site = session.site
    ensure_table(site)
    row = site.db.fetchone(f"SELECT * FROM {TABLE} WHERE name = ?", (name,))  # noqa: S608 - constant table
    if row is None or not _may_see(session, row["owner"]):
        raise DoesNotExistError(f"Data Import {name} not found", f"导入任务 {name} 不存在")
    job = dict(row)
    if job["status"] == RUNNING and not _alive(site, name):
        _finish(site, name, ERROR, message="中断：服务器在导入时重启 / interrupted: the server restarted")
        job = dict(site.db.fetchone(f"SELECT * FROM {TABLE} WHERE name = ?", (name,)))  # noqa: S608
    job["failed_rows"] = json.loads(job["failed_rows"] or "[]")
    job["percent"] = (
        100 * job["done"] // job["total"] if job["total"] else (100 if job["status"] != PENDING else 0)
    )
    job["update_mode"] = job["import_type"] == UPDATE
    job["finished"] = job["status"] in (SUCCESS, PARTIAL, ERROR)
    return job


def recent(session, limit: int = 20) -> list[dict[str, Any]]:
    """The user's latest jobs (a System Manager sees everyone's)."""
    site = session.site
    ensure_table(site)
    if _is_manager(session):
        rows = site.db.fetchall(f"SELECT name FROM {TABLE} ORDER BY creation DESC LIMIT ?", (limit,))  # noqa: S608
    else:
        rows = site.db.fetchall(
            f"SELECT name FROM {TABLE} WHERE owner = ? ORDER BY creation DESC LIMIT ?",  # noqa: S608
            (session.user, limit),
        )
    return [get(session, r["name"]) for r in rows]


def _is_manager(session) -> bool:
    return session.ctx.is_administrator or "System Manager" in session.ctx.roles


def _may_see(session, owner: str) -> bool:
    return owner == session.user or _is_manager(session)


def file_path(site, job: dict[str, Any]) -> Path:
    return folder(site, job["name"]) / job["file_name"]


def failed_path(site, job: dict[str, Any]) -> Path:
    return folder(site, job["name"]) / (Path(job["file_name"]).stem + ".failed.xlsx")


def preview(session, name: str) -> dict[str, Any]:
    """The file's columns and its first rows, each with the errors the import would find."""
    job = get(session, name)
    prepared = importer.prepare(session, job["reference_doctype"], file_path(session.site, job))
    result = importer.preview(session, prepared, update=job["update_mode"])
    return {
        "job": job,
        "total": prepared.total,
        "sheets": [_preview_sheet(prepared.main, result)]
        + ([_preview_sheet(prepared.members, result.members)] if prepared.members else []),
    }


def _preview_sheet(sheet: importer.Sheet, result: importer.ImportResult) -> dict[str, Any]:
    failed = {row.line: row for row in result.failed}
    rows = []
    for line, cells, _doc in itertools.islice(sheet.docs(), importer.PREVIEW_ROWS):
        row = failed.get(line)
        errors = row.by_field if row is not None else {}
        cells = list(cells[: len(sheet.table.header)])
        cells += [None] * (len(sheet.table.header) - len(cells))
        rows.append(
            {
                "line": line,
                "cells": [
                    {"value": value, "error": errors.get(fieldname or "")} if fieldname else {"value": value}
                    for value, fieldname in zip(cells, sheet.columns.fields, strict=False)
                ],
                "ok": row is None,
                # messages naming no column of the file (permission, a rule over several fields)
                "row_error": "; ".join(text for f, text in errors.items() if f not in sheet.columns.by_field)
                or None,
            }
        )
    return {
        "doctype": sheet.meta.name,
        "title": sheet.table.sheet,
        "header": sheet.table.header,
        "fields": sheet.columns.fields,
        "rows": rows,
        "total": sheet.count,
        "checked": min(sheet.count, importer.PREVIEW_ROWS),
        "errors": len(result.failed),
    }


def start(session, name: str) -> None:
    """Run the Pending job on a background thread (only its owner starts it)."""
    site = session.site
    job = get(session, name)
    if job["owner"] != session.user:
        raise PermissionError("Only who uploaded the file starts its import", "只有上传者可以开始导入")
    thread = threading.Thread(
        target=_run, args=(site, name, job["owner"]), name=f"import-{name}", daemon=True
    )
    key = (str(site.path), name)
    with _LOCK:
        if key in _RUNNING:
            return  # already started (a second click): one run only
        _RUNNING[key] = thread
    with site.db.transaction():
        changed = site.db.execute(
            f"UPDATE {TABLE} SET status = ?, modified = ? WHERE name = ? AND status = ?",  # noqa: S608
            (RUNNING, _now(site), name, PENDING),
        ).rowcount
    if not changed:
        with _LOCK:
            _RUNNING.pop(key, None)
        return  # already run
    thread.start()


def wait(site, name: str, timeout: float | None = None) -> None:
    """Wait for a job's thread (tests, scripts)."""
    with _LOCK:
        thread = _RUNNING.get((str(site.path), name))
    if thread is not None:
        thread.join(timeout)


def _alive(site, name: str) -> bool:
    with _LOCK:
        thread = _RUNNING.get((str(site.path), name))
    return thread is not None and thread.is_alive()


def _now(site) -> str:
    return site.now().strftime("%Y-%m-%d %H:%M:%S")


def _run(site, name: str, owner: str) -> None:
    try:
        session = site.session(owner)
        job = dict(site.db.fetchone(f"SELECT * FROM {TABLE} WHERE name = ?", (name,)))  # noqa: S608
        update = job["import_type"] == UPDATE

        def progress(done: int, total: int) -> None:
            with site.db.transaction():
                site.db.execute(
                    f"UPDATE {TABLE} SET done = ?, total = ?, modified = ? WHERE name = ?",  # noqa: S608
                    (done, total, _now(site), name),
                )

        try:
            prepared = importer.prepare(session, job["reference_doctype"], file_path(site, job))
            progress(0, prepared.total)
            result = importer.run_import(session, prepared, update=update, progress=progress)
        except (ImportFileError, TownflowError) as exc:
            _finish(site, name, ERROR, message=str(exc))
            return
        failed = result.all_failed
        if failed:
            importer.write_failed_rows(result, failed_path(site, job))
        parts = [result] + ([result.members] if result.members is not None else [])
        shown = [
            {"line": f.line, "sheet": f.sheet, "reason": f.reason, "fields": f.by_field}
            for f in failed[:SHOWN_FAILED]
        ]
        written = sum(len(p.inserted) + len(p.updated) + len(p.skipped) for p in parts)
        status = SUCCESS if not failed else (PARTIAL if written else ERROR)
        _finish(
            site,
            name,
            status,
            inserted=sum(len(p.inserted) for p in parts),
            updated=sum(len(p.updated) for p in parts),
            skipped=sum(len(p.skipped) for p in parts),
            failed=len(failed),
            failed_rows=json.dumps(shown, ensure_ascii=False, default=str),
        )
    except Exception as exc:  # never leave a job Running: the page would wait forever
        log.exception("import %s failed", name)
        _finish(site, name, ERROR, message=f"{type(exc).__name__}: {exc}")
    finally:
        with _LOCK:
            _RUNNING.pop((str(site.path), name), None)


def _finish(site, name: str, status: str, **values: Any) -> None:
    values = {"status": status, "modified": _now(site), **values}
    assignments = ", ".join(f"{key} = ?" for key in values)  # the keys are this module's own
    with site.db.transaction():
        site.db.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE name = ?",  # noqa: S608 - constant column names
            (*values.values(), name),
        )
