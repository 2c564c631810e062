"""The HTML pages of a townflow site (Jinja2, no build step), installed by `create_app`.

    /login /logout                       sign in and out (same sessions as the REST API)
    /change-password                     own password; first stop after a temporary one
    /app                                 home: what waits for me, forms I may create
    /app/<doctype>                       list with standard filters, search, paging
    /app/<doctype>/new, /app/<doctype>/<name>   the form (POST saves), timeline, actions
    /app/<doctype>/<name>/action         approve / reject / return / withdraw / delegate / comment
    /inbox, /inbox/bulk                  to do / done / CC / overdue, bulk action
    /print/<doctype>/<name>              certificate / approval notice
    /print/<doctype>/<name>/pdf, POST /print/<doctype>/pdf   the same as PDF, one or a list's selection
    /verify, /verify/<serial>?code=      public: is this certificate or notice valid (no login)
    /app/dashboard, /app/query-report/<report>   campaign dashboard, reports, Excel/CSV export
    /followups, /followups/<record>/visit   due pregnancy visits, the visit form with signature
    /migrants/...                        handover within the township (转出/转入), liaison letter
    /roster                              women of child-bearing age per village, completeness
    /notice, /notice/print, /notice/reply, /notice/objections   公示 (public, no login) and objections
    /app/data-import[/<job>]             Excel/CSV import: template, preview, progress, failed rows
    /admin/users, /admin/customize/<doctype>, /admin/workflow/<doctype>
    /files/upload, /files/<doctype>/<name>/<field>   attachments (permission-checked)
    /form-rules/<doctype>.js             depends_on rules compiled from the spec
    /static/...                          CSS and JS

The pages call the runtime through the same `Session` as the REST API and add no rules: what a
user may see, edit or do is whatever the runtime answers.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from townflow.web.pages import (
    actions,
    admin,
    data_import,
    eligibility,
    files,
    followups,
    form_rules,
    forms,
    inbox,
    lists,
    login,
    migrants,
    notice,
    password,
    printing,
    reports,
    roster,
    verify,
)
from townflow.web.pages.common import STATIC_DIR


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    # Fixed paths first; the generic /app/<doctype>/<name> routes last.
    for module in (
        login,
        password,
        inbox,
        followups,
        migrants,
        notice,
        roster,
        admin,
        files,
        form_rules,
        eligibility,
        verify,  # /verify (public) and /print/.../pdf, before printing's /print/<dt>/<name>
        printing,
        actions,
        reports,
        data_import,  # /app/data-import (issue 15), before the generic /app/<doctype>
        lists,
        forms,
    ):
        app.include_router(module.router, include_in_schema=False)
