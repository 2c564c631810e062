"""育龄妇女档案: the roster of women aged 15-49 per village, and each village's completeness.

    /roster                      completeness per village the user may see, and the roster
    /roster?village=<name>       one village's roster

The rows come from the user's own permission-checked reads (Person, Pregnancy Record); the
figures from townflow.rules.roster. Visits are read for the records the user may read only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.rules import roster as rules
from townflow.runtime import monitoring
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, render
from townflow.web.pages.monitoring_text import text

router = APIRouter(route_class=PageRoute)

MAX_ROWS = 50_000


def roster_rows(session: Any, village: str | None) -> list[rules.RosterRow]:
    """The roster the user may read (optionally one village), today as the site's clock says."""
    today = session.site.now().date()
    earliest, latest = rules.birth_range(today)
    filters: list[list[Any]] = [
        ["gender", "=", "Female"],
        ["date_of_birth", ">=", earliest.isoformat()],
        ["date_of_birth", "<=", latest.isoformat()],
    ]
    if village:
        filters.append(["village", "=", village])
    fields = list(rules.PERSON_FIELDS)
    women = session.get_list("Person", fields=fields, filters=filters, limit_page_length=MAX_ROWS)
    names = [w["name"] for w in women]
    readable: list[str] = []
    for start in range(0, len(names), rules.CHUNK):
        readable += [
            r["name"]
            for r in session.get_list(
                monitoring.DOCTYPE,
                fields=["name"],
                filters=[["person", "in", names[start : start + rules.CHUNK]]],
                limit_page_length=MAX_ROWS,
            )
        ]
    records = monitoring.load_records(session.site, readable, ongoing_only=False)
    return rules.roster(women, records, today)


@router.get("/roster", response_class=HTMLResponse)
async def roster_page(request: Request, session: SessionDep) -> HTMLResponse:
    page = Page(request, session)
    village = request.query_params.get("village") or None

    def build() -> HTMLResponse:
        rows = roster_rows(session, village)
        labels = _contraception_labels(page)
        return render(
            page,
            "roster.html",
            rows=rows,
            villages=rules.completeness(rows),
            village=village,
            contraception_label=lambda v: labels.get(v, v) if v else text("not_recorded", page.lang),
            m=lambda key, **kw: text(key, page.lang, **kw),
        )

    return await call(build)


def _contraception_labels(page: Page) -> dict[str, str]:
    field = page.site.metas.get("Person").get_field("contraception_method")
    choices = field.choices or [] if field is not None else []
    return {c.value: (c.value if page.lang == "en" else c.zh or c.value) for c in choices}
