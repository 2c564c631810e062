"""公示 pages (issue 17): the public notice board and the township's objection desk.

    GET  /notice                      current notices by village (no login), an objection form each
    POST /notice/<notice>/objection   anyone objects, with contact details (throttled per address)
    GET  /notice/print                the sheet for the village notice board (same items)
    GET  /notice/reply?no=&code=      the objector reads the township's answer
    GET  /notice/objections           the township: objections waiting (login, Township Approver)
    POST /notice/objections/<name>    the township settles one: return / reject / dismiss

The public pages read only Public Notice rows, which hold the masked items the spec names public
(townflow.runtime.public_notice): no document is read for them, so nothing unmasked can show.
Every value goes through the templates' autoescape.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townflow.runtime import public_notice
from townflow.web import auth
from townflow.web.pages.common import Page, PageRoute, SessionDep, call, message_of, redirect, render

router = APIRouter(route_class=PageRoute)

#: key -> (zh, en): the words of these pages, Chinese first
TEXT: dict[str, tuple[str, str]] = {
    "title": ("公示", "Public Notices"),
    "intro": (
        "以下申请正在公示。对公示内容有异议的，请在公示期内实名提出，并留下联系方式；街道将核实处理并答复。",
        "These applications are on public notice. If you object, say so before the notice ends, "
        "with your name and a contact: the township checks and answers.",
    ),
    "village": ("村", "Village"),
    "level": ("公示级别", "Level"),
    "Village": ("村级公示", "Village posting"),
    "Township": ("街道公示", "Township posting"),
    "window": ("公示期", "Notice period"),
    "to": ("至", "to"),
    "none": ("目前没有正在公示的事项", "No notice is running"),
    "object": ("提出异议", "Object"),
    "objector_name": ("姓名", "Your name"),
    "objector_contact": ("联系方式（电话或地址）", "Contact (telephone or address)"),
    "content": ("异议内容", "Objection"),
    "submit": ("提交异议", "Send objection"),
    "filed": ("异议已受理", "Objection received"),
    "filed_note": (
        "请记下异议编号和查询码，凭此在本页查看街道的答复。查询码只显示这一次。",
        "Keep the objection number and check code: with them you read the township's answer here. "
        "The code is shown only this once.",
    ),
    "number": ("异议编号", "Objection number"),
    "code": ("查询码", "Check code"),
    "reply_title": ("查询异议答复", "Read the answer to an objection"),
    "lookup": ("查询", "Look up"),
    "not_found": ("未找到：请核对异议编号和查询码", "Not found: check the objection number and code"),
    "status": ("处理状态", "Status"),
    "Open": ("待处理", "Being checked"),
    "Upheld": ("异议成立", "Upheld"),
    "Dismissed": ("异议不成立", "Dismissed"),
    "no_reply": ("街道尚未答复", "No answer yet"),
    "print": ("打印公示栏", "Print the notice board sheet"),
    "sheet_title": ("公示", "Public Notice"),
    "sheet_footer": (
        "公示期内如有异议，请向村委会或街道计生办反映，也可访问本站 /notice 页面提出。",
        "Objections during the notice period go to the village committee or the township "
        "family-planning office, or to the /notice page of this site.",
    ),
    "too_many": ("提交过于频繁，请稍后再试", "Too many objections from your address: try again later"),
    "desk": ("公示异议处理", "Objections to settle"),
    "reference": ("申请", "Application"),
    "decision": ("处理", "Decision"),
    "return": ("异议成立：退回申请", "Upheld: return the application"),
    "reject": ("异议成立：不予批准", "Upheld: reject the application"),
    "dismiss": ("异议不成立", "Dismissed"),
    "reason": ("处理理由", "Reason"),
    "settle": ("提交处理结果", "Settle"),
    "settled": ("异议已处理，已答复异议人", "Settled: the objector has been told"),
    "no_objections": ("没有待处理的异议", "No objection waits"),
}


def text(key: str, lang: str) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


class ObjectionThrottle:
    """At most `limit` objections per client address in a sliding `window_seconds`."""

    def __init__(
        self, limit: int = 5, window_seconds: float = 3600.0, clock: Callable[[], float] = time.time
    ):
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        """Counts this attempt when allowed."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(address, deque())
            while times and now - times[0] > self.window_seconds:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._seen) > 10000:  # forget quiet addresses
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return True


def throttle_of(request: Request, kind: str = "objection") -> ObjectionThrottle:
    """The app's throttle of objections (5 an hour per address) or of answer look-ups (30 an hour
    per address: a check code is not to be guessed)."""
    state = request.app.state
    attribute = f"{kind}_throttle"
    found = getattr(state, attribute, None)
    if found is None:
        found = ObjectionThrottle() if kind == "objection" else ObjectionThrottle(limit=30)
        setattr(state, attribute, found)
    return found


def _now(request: Request) -> datetime:
    return request.app.state.site.now()


def _board(request: Request, **extra: Any) -> HTMLResponse:
    page = Page(request)
    village = request.query_params.get("village") or None
    notices = public_notice.current_notices(page.site, _now(request).date(), village)
    status = extra.pop("status_code", 200)
    return render(
        page,
        "notice.html",
        status_code=status,
        groups=public_notice.by_village(notices),
        village=village,
        n=lambda key: text(key, page.lang),
        **extra,
    )


@router.get("/notice", response_class=HTMLResponse)
async def board(request: Request) -> Any:
    return _board(request)


@router.post("/notice/{notice}/objection", response_class=HTMLResponse)
async def object_to(request: Request, notice: str) -> Any:
    page = Page(request)
    if not throttle_of(request).allow(auth.client_address(request)):
        return _board(request, status_code=429, error=text("too_many", page.lang), error_notice=notice)
    form = await request.form()
    values = {k: form.get(k) for k in ("objector_name", "objector_contact", "content")}
    try:
        number, code = await call(
            public_notice.file_objection,
            page.site,
            notice,
            values["objector_name"],
            values["objector_contact"],
            values["content"],
            _now(request),
        )
    except Exception as exc:
        status = getattr(exc, "http_status", None)
        if not isinstance(status, int) or status >= 500:
            raise
        code_status = 404 if status == 404 else 400
        return _board(request, status_code=code_status, error=message_of(exc, page.lang), error_notice=notice)
    return render(page, "notice_filed.html", number=number, code=code, n=lambda key: text(key, page.lang))


@router.get("/notice/reply", response_class=HTMLResponse)
async def reply(request: Request) -> Any:
    page = Page(request)
    number = request.query_params.get("no") or ""
    code = request.query_params.get("code") or ""
    if number and not throttle_of(request, "lookup").allow(auth.client_address(request)):
        return render(
            page,
            "notice_reply.html",
            status_code=429,
            number=number,
            asked=False,
            found=None,
            error=text("too_many", page.lang),
            n=lambda key: text(key, page.lang),
        )
    found = public_notice.reply_for(page.site, number, code) if number else None
    return render(
        page,
        "notice_reply.html",
        status_code=200 if found or not number else 404,
        number=number,
        asked=bool(number),
        found=found,
        n=lambda key: text(key, page.lang),
    )


@router.get("/notice/print", response_class=HTMLResponse)
async def sheet(request: Request) -> Any:
    page = Page(request)
    village = request.query_params.get("village") or None
    notices = public_notice.current_notices(page.site, _now(request).date(), village)
    return render(
        page,
        "notice_print.html",
        groups=public_notice.by_village(notices),
        today=_now(request).date().isoformat(),
        n=lambda key: text(key, page.lang),
    )


@router.get("/notice/objections", response_class=HTMLResponse)
async def desk(request: Request, session: SessionDep) -> Any:
    page = Page(request, session)
    rows = await call(public_notice.open_objections, session)
    done = request.query_params.get("settled")
    return render(page, "notice_desk.html", rows=rows, settled=done, n=lambda key: text(key, page.lang))


@router.post("/notice/objections/{name}", response_class=HTMLResponse)
async def settle(request: Request, name: str, session: SessionDep) -> Any:
    page = Page(request, session)
    form = await request.form()
    try:
        await call(public_notice.settle, session, name, form.get("decision"), form.get("reason"))
    except Exception as exc:
        status = getattr(exc, "http_status", None)
        if not isinstance(status, int) or status >= 500:
            raise
        rows = await call(public_notice.open_objections, session)
        return render(
            page,
            "notice_desk.html",
            status_code=403 if status == 403 else (404 if status == 404 else 400),
            rows=rows,
            settled=None,
            error=message_of(exc, page.lang),
            n=lambda key: text(key, page.lang),
        )
    return redirect(f"/notice/objections?settled={name}")
