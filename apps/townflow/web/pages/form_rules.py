"""depends_on / mandatory_depends_on / read_only_depends_on as JavaScript, served as a script file.

The expressions are the spec's (townflow.expr), compiled with `Expr.to_js()` — the very code the
Frappe app gets as `eval:` — and wrapped as functions of `(doc, parent, frappe)`. They are served
from this site as `/form-rules/<doctype>.js` rather than inlined, so the pages keep a strict
Content-Security-Policy (no inline scripts, no eval). `static/form.js` evaluates them against
the values in the form on every change. The server checks mandatory fields again on save.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from townflow.expr import ExprError, parse
from townflow.spec.models import EXPRESSION_PROPERTIES
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, doctype_from_slug
from townflow.web.pages.layout import display_value, fetched_select

router = APIRouter(route_class=PageRoute)

RULE_KEYS = EXPRESSION_PROPERTIES


def _literal(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")


def _field_types(meta: Any) -> dict[str, str]:
    return {f.fieldname: f.fieldtype for f in meta.doctype.fields}


def _function(source: str, field_types: dict[str, str], settings: dict[str, Any]) -> str | None:
    text = source.strip()
    if text.startswith("eval:"):
        text = text[5:]
    try:
        js = parse(text).to_js(field_types, settings)
    except ExprError:
        return None  # not expressible in a browser (exists/count): the server still checks it
    return f"function (doc, parent, frappe) {{ return ({js}); }}"


def rules_for(meta: Any, child_meta: Any, settings: dict[str, Any]) -> dict[str, dict[str, str]]:
    """fieldname (or `table.fieldname` for child columns) -> rule key -> JS function source."""
    out: dict[str, dict[str, str]] = {}

    def collect(m: Any, prefix: str) -> None:
        types = _field_types(m)
        for df in m.doctype.fields:
            for key in RULE_KEYS:
                source = getattr(df, key, None)
                if source:
                    fn = _function(source, types, settings)
                    if fn:
                        out.setdefault(prefix + df.fieldname, {})[key] = fn
            if df.fieldtype in ("Table", "Table MultiSelect") and not prefix:
                child = child_meta(df.options)
                if child is not None:
                    collect(child, df.fieldname + ".")

    collect(meta, "")
    return out


def script(doctype: str, rules: dict[str, dict[str, str]], user: str, roles: list[str], now: str) -> str:
    entries = []
    for fieldname, fns in rules.items():
        body = ", ".join(f"{_literal(key)}: {fn}" for key, fn in fns.items())
        entries.append(f"  {_literal(fieldname)}: {{{body}}}")
    return (
        "/* generated from the spec: townflow.expr -> JavaScript */\n"
        "window.TF_RULES = window.TF_RULES || {};\n"
        f"window.TF_RULES[{_literal(doctype)}] = {{\n" + ",\n".join(entries) + "\n};\n"
        "window.TF_FRAPPE = {\n"
        f"  session: {{user: {_literal(user)}}},\n"
        f"  user_roles: {_literal(roles)},\n"
        "  datetime: {\n"
        f"    get_today: function () {{ return {_literal(now[:10])}; }},\n"
        f"    now_datetime: function () {{ return {_literal(now[:19])}; }}\n"
        "  }\n};\n"
    )


@router.get("/form-rules/{dt}.js")
async def form_rules(request: Request, dt: str, session: SessionDep) -> Response:
    def build() -> str:
        site = session.site
        doctype = doctype_from_slug(site, dt)
        meta = session.meta(doctype)

        def child_meta(name: str | None) -> Any:
            return site.metas.get(name) if name and site.metas.exists(name) else None

        try:
            settings = dict(site.settings())
        except Exception:
            settings = {}
        rules = rules_for(meta, child_meta, settings)
        now = site.now().strftime("%Y-%m-%d %H:%M:%S")
        return script(doctype, rules, session.ctx.user, sorted(session.ctx.roles), now)

    return Response(await call(build), media_type="application/javascript; charset=utf-8")


@router.get("/form-fetch/{dt}")
async def form_fetch(request: Request, dt: str, session: SessionDep) -> JSONResponse:
    """The fetch_from values of `dt` for a Link just chosen (`field`=`value`), read with the user's
    own permissions, so a new form shows the household's type, the student's name and village as
    Frappe's form fetches them, instead of hiding them until the first save."""
    page = Page(request, session)
    field = (request.query_params.get("field") or "")[:140]
    value = (request.query_params.get("value") or "")[:140]

    def build() -> dict[str, Any]:
        site = session.site
        doctype = doctype_from_slug(site, dt)
        meta = session.meta(doctype)
        link = meta.get_field(field)
        if link is None or link.fieldtype != "Link" or not value or not site.metas.exists(link.options):
            return {}
        readable = site.perms.readable_levels(meta, session.ctx)
        targets = [
            df
            for df in meta.doctype.fields
            if df.fetch_from and df.fetch_from.split(".", 1)[0] == field and df.permlevel in readable
        ]
        if not targets:
            return {}
        try:
            source = session.get(link.options, value)
        except Exception as exc:  # a record the user may not read fetches nothing
            if isinstance(getattr(exc, "http_status", None), int) and exc.http_status < 500:
                return {}
            raise
        out: dict[str, Any] = {}
        for df in targets:
            raw = source.get(df.fetch_from.split(".", 1)[1])
            shown = display_value(page, fetched_select(site, meta, df), raw)
            out[df.fieldname] = {"value": raw, "display": shown}
        return out

    return JSONResponse({"message": await call(build)})
