"""The eligibility checklist beside a form (issue 18 point 2): each of the DocType's rules that
applies to the values typed so far, ✓ or ✗, in the rule's own words with its numbers, before save.

`POST /form-check/<doctype>` takes the form's values as JSON and answers the rules whose `when`
holds: `{rule, ok, message, fields}` — ok is None when a value the rule needs is still missing.
The values are coerced and the Link fetches filled exactly as a save does (runtime Validator),
and the rules are the spec's, evaluated by the same code a save runs, so the checklist and the
save cannot disagree. It writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from townflow.expr import ExprError
from townflow.rules.messages import fill_message
from townflow.runtime.expressions import Evaluator, compiled
from townflow.runtime.validation import Validator
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, doctype_from_slug

router = APIRouter(route_class=PageRoute)


def anchor_field(meta: Any) -> str | None:
    """The field the checklist follows (政策类别): the one most rule `when`s read."""
    seen: dict[str, int] = {}
    for rule in meta.doctype.rules:
        if rule.when:
            for name in compiled(rule.when).fields_used:
                seen[name] = seen.get(name, 0) + 1
    return max(seen, key=lambda n: seen[n]) if seen else None


_FIXED = re.compile(r"^\s*doc\.([a-z][a-z0-9_]*)\s*==\s*settings\.([a-z][a-z0-9_]*)\s*$")


def fixed_values(site: Any, session: Any, meta: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Fields a rule that applies fixes to a policy value (`doc.amount == settings.one_time_reward_amount`):
    the form fills them in and locks them."""
    doc = {k: v for k, v in values.items() if meta.get_field(k) is not None}
    evaluate = Evaluator(site, session.ctx, doc)
    settings = site.settings()
    out: dict[str, Any] = {}
    for rule in meta.doctype.rules:
        match = _FIXED.match(rule.condition)
        if not match or match.group(2) not in settings:
            continue
        try:
            if rule.when and not evaluate(rule.when):
                continue
        except (ExprError, TypeError, ValueError):
            continue
        out[match.group(1)] = settings[match.group(2)]
    return out


def checklist(site: Any, session: Any, meta: Any, values: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    doc = {k: v for k, v in values.items() if meta.get_field(k) is not None and meta.get_field(k).has_value}
    doc["doctype"] = meta.name
    if isinstance(values.get("name"), str) and values["name"]:
        doc["name"] = values["name"]
    validator = Validator(site, session)
    validator.coerce_doc(meta, doc)
    validator.fetch_from(meta, doc)
    evaluate = Evaluator(site, session.ctx, doc)
    settings = site.settings()
    out = []
    for rule in meta.doctype.rules:
        try:
            if rule.when and not evaluate(rule.when):
                continue
        except (ExprError, TypeError, ValueError):
            continue
        try:
            ok: bool | None = bool(evaluate(rule.condition))
        except (ExprError, TypeError, ValueError):
            ok = None
        if ok is False and any(doc.get(f) in (None, "") for f in compiled(rule.condition).fields_used):
            ok = None  # a value the rule reads is not filled in yet
        text = rule.message.en if lang == "en" else rule.message.zh
        out.append(
            {"rule": rule.name, "ok": ok, "message": fill_message(text, settings), "fields": rule.fields}
        )
    return out


@router.post("/form-check/{dt}")
async def form_check(request: Request, dt: str, session: SessionDep) -> JSONResponse:
    page = Page(request, session)
    try:
        body = await request.json()
    except ValueError:
        body = None
    values = body.get("doc") if isinstance(body, dict) else None

    def build() -> dict[str, Any]:
        site = session.site
        doctype = doctype_from_slug(site, dt)
        if not site.perms.has(site.metas.get(doctype), session.ctx, "read"):
            from townflow.runtime.errors import PermissionError

            raise PermissionError(f"Not permitted to read {doctype}", "无权查看")
        meta = session.meta(doctype)
        if not isinstance(values, dict):
            return {"anchor": anchor_field(meta), "items": []}
        return {
            "anchor": anchor_field(meta),
            "items": checklist(site, session, meta, values, page.lang),
            "fixed": fixed_values(site, session, meta, values),
        }

    return JSONResponse({"message": await call(build)})
