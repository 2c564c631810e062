"""随访 on a phone: today's due visits, the visit form and the family's signature.

    /followups                                the user's due visits (from the inbox: same scope,
                                              same counts), overdue first, with "剩余N个工作日"
    /followups/<record>/visit                 the visit form (GET) and its save (POST)
    /followups/<record>/signature/<row>       a visit's signature image, if the record is readable

The visit is appended to the Pregnancy Record's `visits` table through the runtime's Session
(the same validation, permission check and transaction as any save), which closes the due work.
The signature is drawn on a canvas (sent as a PNG data URL) or uploaded as a scanned sheet; it is
stored as a private file the visit row's `signature_image` points to.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from townflow.rules import monitoring as rules
from townflow.runtime import attachments
from townflow.runtime import inbox as runtime_inbox
from townflow.runtime.errors import DoesNotExistError, FieldMessage, ValidationError
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, message_of, redirect, render
from townflow.web.pages.files import PREFIX, files_root, private_file, safe_filename
from townflow.web.pages.monitoring_text import text

router = APIRouter(route_class=PageRoute)

DOCTYPE = rules.DOCTYPE
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
_DATA_URL = "data:image/png;base64,"
VISIT_TYPES = ("Home Visit", "Pregnancy Check", "Phone Follow-up", "Migrant Liaison")


def today_of(site: Any) -> date:
    return site.now().date()


def due_items(session: Any, lang: str) -> list[dict[str, Any]]:
    """The user's open monitoring work, soonest due first, with the records' names and villages."""
    page = runtime_inbox.inbox(session, tab="todo", doctype=DOCTYPE, limit_page_length=runtime_inbox.MAX_PAGE)
    rows = [r for r in page["items"] if r.get("workflow_state") in rules.STATE_KIND]
    names = sorted({r["reference_name"] for r in rows})
    records = (
        {
            d["name"]: d
            for d in session.get_list(
                DOCTYPE,
                fields=["name", "person_name", "village", "mobile", "is_migrant"],
                filters=[["name", "in", names]],
                limit_page_length=max(1, len(names)),
            )
        }
        if names
        else {}
    )
    today = today_of(session.site)
    lang_key = "en" if lang == "en" else "zh"
    items = []
    for row in rows:
        record = records.get(row["reference_name"])
        if record is None:
            continue
        due = rules.as_date(row["due_at"])  # none on an escalated missing outcome (a sensitive date)
        kind = rules.STATE_KIND[row["workflow_state"]]
        group = "overdue" if due is None or due < today else ("today" if due == today else "upcoming")
        items.append(
            {
                "record": record,
                "kind": kind,
                "kind_label": rules.KIND_LABEL[kind][lang_key],
                "due": due,
                "due_text": rules.due_text(due, today, lang) if due else rules.KIND_LABEL[kind][lang_key],
                "group": group,
                "escalated": row.get("source") == "escalate",
                "url": f"/followups/{quote(record['name'])}/visit?kind={kind}",
            }
        )
    unique: dict[tuple[str, str], dict] = {}
    for item in sorted(items, key=lambda i: (i["due"] or date.min, i["escalated"])):
        unique.setdefault((item["record"]["name"], item["kind"]), item)
    return sorted(unique.values(), key=lambda i: (i["due"] or date.min, i["record"]["name"]))


@router.get("/followups", response_class=HTMLResponse)
async def followups_page(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)

    def build() -> HTMLResponse:
        items = due_items(session, page.lang)
        groups = [(g, [i for i in items if i["group"] == g]) for g in ("overdue", "today", "upcoming")]
        return render(
            page,
            "followups.html",
            groups=[(g, found) for g, found in groups if found],
            total=len(items),
            m=lambda key, **kw: text(key, page.lang, **kw),
            saved=request.query_params.get("saved"),
        )

    return await call(build)


def _visit_context(session: Any, name: str) -> dict[str, Any]:
    doc = session.get(DOCTYPE, name)
    plan = rules.schedule(doc, rules.Policy.from_settings(session.site.settings()))
    visits = sorted(doc.get("visits") or [], key=lambda v: str(v.get("visit_date") or ""), reverse=True)
    return {"doc": doc, "plan": plan, "visits": visits[:5], "signed": rules.visit_signed}


@router.get("/followups/{name}/visit", response_class=HTMLResponse)
async def visit_form(request: Request, name: str, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    kind = request.query_params.get("kind")

    def build() -> HTMLResponse:
        context = _visit_context(session, name)
        values = {
            "visit_date": today_of(session.site).isoformat(),
            "visit_type": "Pregnancy Check" if kind == rules.CHECK else "Home Visit",
            "visitor": session.ctx.full_name or session.ctx.user,
        }
        return _render_form(page, context, values, [])

    return await call(build)


def _render_form(
    page: Page, context: dict, values: dict, errors: list[str], status: int = 200
) -> HTMLResponse:
    return render(
        page,
        "followup_visit.html",
        status_code=status,
        values=values,
        errors=errors,
        visit_types=VISIT_TYPES,
        visit_type_label=_visit_type_label(page),
        m=lambda key, **kw: text(key, page.lang, **kw),
        **context,
    )


def _visit_type_label(page: Page):
    meta = page.site.metas.get(rules.VISIT_DOCTYPE)
    field = meta.get_field("visit_type")
    labels = {c.value: (c.value if page.lang == "en" else c.zh or c.value) for c in (field.choices or [])}
    return lambda value: labels.get(value, value)


def _signature_bytes(form: Any) -> tuple[bytes, str] | None:
    """The signature sent with the form: a scanned sheet (PNG/JPEG upload) or the drawn canvas."""
    upload = form.get("signature_file")
    if upload is not None and not isinstance(upload, str) and getattr(upload, "filename", ""):
        data = upload.file.read(MAX_SIGNATURE_BYTES + 1)
        name = safe_filename(upload.filename)
        if data:
            return _checked(data), name
    drawn = form.get("signature_data")
    if isinstance(drawn, str) and drawn.startswith(_DATA_URL):
        try:
            data = base64.b64decode(drawn[len(_DATA_URL) :], validate=True)
        except (binascii.Error, ValueError):
            raise _bad_signature("The signature image is not valid", "签名图片无效") from None
        return _checked(data), "signature.png"
    return None


def _checked(data: bytes) -> bytes:
    if len(data) > MAX_SIGNATURE_BYTES:
        raise _bad_signature("The signature image is too large (at most 2 MB)", "签名图片过大（不超过2MB）")
    if not (data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC)):
        raise _bad_signature("The signature must be a PNG or JPEG image", "签名须为PNG或JPEG图片")
    return data


def _bad_signature(en: str, zh: str) -> ValidationError:
    return ValidationError.from_messages([FieldMessage("signature_image", zh, en)])


def _store_file(session: Any, data: bytes, name: str) -> str:
    """Store the signature as the user's upload; saving the visit attaches it to the record."""
    token = secrets.token_hex(8)
    folder = files_root(session.site) / token
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    attachments.register_upload(session.site, f"{PREFIX}{token}/{name}", session.user)
    return f"{PREFIX}{token}/{name}"


@router.post("/followups/{name}/visit", response_class=HTMLResponse)
async def save_visit(request: Request, name: str, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()

    def field(key: str) -> str:
        value = form.get(key)
        return value.strip() if isinstance(value, str) else ""

    values = {k: field(k) for k in ("visit_date", "visit_type", "visitor", "findings", "signed_by")}

    def save() -> Any:
        context = _visit_context(session, name)
        stored: Path | None = None
        try:
            signature = _signature_bytes(form)
            row: dict[str, Any] = {**values, "family_signature": 0}
            if signature is not None:
                data, filename = signature
                url = _store_file(session, data, filename)
                stored = files_root(session.site) / url[len(PREFIX) :]
                drawn = filename == "signature.png" and not form.get("signature_file")
                row.update(
                    family_signature=1,
                    signature_image=url,
                    signature_method="Drawn on Screen" if drawn else "Scanned Sheet",
                )
            doc = context["doc"]
            doc["visits"] = [*(doc.get("visits") or []), row]
            session.save(doc)
        except Exception as exc:
            if stored is not None and stored.exists():  # nothing stored is left half-written
                stored.unlink()
            status = getattr(exc, "http_status", None)
            if not isinstance(status, int) or status >= 500 or isinstance(exc, DoesNotExistError):
                raise
            return _render_form(
                page, _visit_context(session, name), values, [message_of(exc, page.lang)], 417
            )
        return redirect(f"/followups?saved={'signed' if signature else 'unsigned'}")

    return await call(save)


@router.get("/followups/{name}/signature/{row}")
async def signature_image(request: Request, name: str, row: str, session: SessionDep) -> Any:
    """A visit's signature, only to whoever may read the pregnancy record."""

    def locate() -> Path:
        doc = session.get(DOCTYPE, name)
        visit = next((v for v in doc.get("visits") or [] if v.get("name") == row), None)
        value = visit.get("signature_image") if visit else None
        if isinstance(value, str) and not attachments.may_download(session, value):
            raise DoesNotExistError("File not found", "文件不存在")  # the owner document decides
        return private_file(session.site, value)

    path = await call(locate)
    return FileResponse(path, filename=path.name)
