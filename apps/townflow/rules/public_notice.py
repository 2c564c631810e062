"""公示 and 年审 decisions, shared by the embedded runtime (townflow.runtime.public_notice) and the
compiled Frappe app (care_for_girls.townflow_ext.public_notice). Pure functions: no database.

A notice posted on day D with a window of N working days runs through the N-th working day after
D (`ends_on`, rules.workdays: Chinese holidays and 调休); the step may complete from the day after.
Only the spec's public fields are posted, each through its mask, so nothing unmasked reaches the
public page: the notice row holds the masked items, never the document.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import Any

from townflow.rules import masking
from townflow.rules.workdays import add_working_days

NOTICE = "Public Notice"
OBJECTION = "Notice Objection"
OUTBOX = "Notice Outbox"
OPEN, ENDED, WITHDRAWN = "Open", "Ended", "Withdrawn"
UPHELD, DISMISSED = "Upheld", "Dismissed"
RETURN, REJECT, DISMISS = "return", "reject", "dismiss"
DECISIONS = (RETURN, REJECT, DISMISS)
LEVEL = {"village": "Village", "township": "Township"}
#: Who settles objections (the township): also System Manager.
SETTLER_ROLES = frozenset({"Township Approver", "System Manager"})
#: Limits on what a member of the public sends (characters).
NAME_MAX, CONTACT_MIN, CONTACT_MAX, CONTENT_MIN, CONTENT_MAX = 40, 5, 60, 5, 1000
REASON_MAX = 1000


class NoticeError(ValueError):
    """A refusal with its two messages (English, Chinese) and the field it is about, if any."""

    def __init__(self, en: str, zh: str, field: str | None = None):
        super().__init__(en)
        self.en, self.zh, self.field = en, zh, field


# --- masks --------------------------------------------------------------------------------


def mask_name(value: str) -> str:
    """张小燕 -> 张*燕, 欧阳小燕 -> 欧**燕, 张燕 -> 张*; a single character -> *."""
    text = value.strip()
    if len(text) <= 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def mask_public(value: Any, mask: str) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    if mask == "none":
        return text
    if mask == "name":
        return mask_name(text)
    if mask == "surname":
        return text.strip()[:1] + "**"
    return masking.mask(text, mask if mask in ("id_number", "phone") else "full")


def _shown(field: Any, value: Any) -> tuple[str, str]:
    """A stored value as people read it: a Select choice by its Chinese label (English beside)."""
    if value is None or value == "":
        return "", ""
    choices = getattr(field, "choices", None) or []
    for choice in choices:
        if getattr(choice, "value", None) == value:
            return choice.zh, str(value)
    if field.fieldtype in ("Currency", "Float"):
        text = f"{float(value):,.2f}"
        return text, text
    return str(value), str(value)


def public_items(doctype: Any, notice: Any, doc: dict) -> list[dict[str, str]]:
    """The masked items of `doc` the spec names public, in order: label (zh, en) and value."""
    items = []
    for public in notice.fields:
        field = doctype.field(public.field)
        if field is None:
            continue
        raw = doc.get(public.field)
        if public.mask == "none":
            zh, en = _shown(field, raw)
        else:
            zh = en = mask_public(raw, public.mask)
        items.append({"label_zh": field.label.zh, "label_en": field.label.en, "zh": zh, "en": en})
    return items


def items_json(items: list[dict[str, str]]) -> str:
    return json.dumps(items, ensure_ascii=False, sort_keys=True)


def items_of(text: str | None) -> list[dict[str, str]]:
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return []
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


# --- the window and leaving the state -----------------------------------------------------


def window_end(posted_on: date, window_days: int) -> date:
    return add_working_days(posted_on, window_days)


def is_running(ends_on: date, today: date) -> bool:
    return today <= ends_on


def leave_refusal(ends_on: date | None, today: date, open_objections: list[str]) -> NoticeError | None:
    """Why the notice step cannot complete now, or None when it may."""
    if ends_on is not None and is_running(ends_on, today):
        return NoticeError(
            f"The public notice runs until {ends_on.isoformat()}: the step can complete from the day after",
            f"公示期未满：公示至 {ends_on.isoformat()}，期满后方可办理",
        )
    if open_objections:
        names = ", ".join(open_objections)
        return NoticeError(
            f"{len(open_objections)} objection(s) to the public notice not settled ({names}): "
            "the township settles them first",
            f"有 {len(open_objections)} 件公示异议尚未处理（{names}）：须由街道先处理异议",
        )
    return None


# --- objections -----------------------------------------------------------------------------


def clean_objection(name: Any, contact: Any, content: Any) -> tuple[str, str, str]:
    """The objector's name, contact and text, trimmed; a NoticeError names the first bad one."""
    name = (name if isinstance(name, str) else "").strip()
    contact = (contact if isinstance(contact, str) else "").strip()
    content = (content if isinstance(content, str) else "").strip()
    if not name or len(name) > NAME_MAX:
        raise NoticeError(
            f"Your name is required (at most {NAME_MAX} characters)",
            f"请填写异议人姓名（不超过 {NAME_MAX} 字）",
            "objector_name",
        )
    if not CONTACT_MIN <= len(contact) <= CONTACT_MAX:
        raise NoticeError(
            f"A contact (telephone or address) of {CONTACT_MIN} to {CONTACT_MAX} characters is required",
            f"请填写联系方式（电话或地址，{CONTACT_MIN}至{CONTACT_MAX}字）",
            "objector_contact",
        )
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        raise NoticeError(
            f"The objection must say what is wrong, in {CONTENT_MIN} to {CONTENT_MAX} characters",
            f"请写明异议内容（{CONTENT_MIN}至{CONTENT_MAX}字）",
            "content",
        )
    return name, contact, content


def new_check_code() -> str:
    """Eight characters the objector keeps to read the reply (no 0/O/1/I to misread)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def code_hash(objection: str, code: str) -> str:
    return hashlib.sha256(f"{objection}:{code.strip().upper()}".encode()).hexdigest()


def code_matches(objection: str, code: Any, stored_hash: str | None) -> bool:
    if not isinstance(code, str) or not stored_hash:
        return False
    return secrets.compare_digest(code_hash(objection, code), stored_hash)


def check_settlement(decision: Any, reason: Any, status: str, roles: frozenset[str]) -> str:
    """The reason, trimmed, when `decision` may settle an objection in `status` by these roles."""
    if not roles & SETTLER_ROLES:
        raise NoticeError(
            "Only the township (Township Approver) settles objections", "公示异议由街道（计生办主任）处理"
        )
    if decision not in DECISIONS:
        raise NoticeError(
            "Decision must be return, reject or dismiss",
            "处理方式须为：退回、不予批准或异议不成立",
            "decision",
        )
    if status != OPEN:
        raise NoticeError("This objection is already settled", "该异议已处理", "status")
    text = (reason if isinstance(reason, str) else "").strip()
    if not text or len(text) > REASON_MAX:
        raise NoticeError(
            f"The reason is required (at most {REASON_MAX} characters)", "请填写处理理由", "reason"
        )
    return text


def reply_message(objection: str, decision: str, reason: str, reference_label: str) -> str:
    """What the objector is told (Chinese first, English beside)."""
    if decision == DISMISS:
        zh = f"您对{reference_label}提出的异议（{objection}）经街道核查不成立。理由：{reason}"
        en = f"Your objection {objection} was dismissed by the township. Reason: {reason}"
    else:
        outcome_zh = "退回重新审核" if decision == RETURN else "不予批准"
        outcome_en = "returned for a new review" if decision == RETURN else "rejected"
        zh = f"您对{reference_label}提出的异议（{objection}）经街道核查成立，该申请已{outcome_zh}。"
        zh += f"理由：{reason}"
        en = f"Your objection {objection} was upheld by the township: the application was {outcome_en}. "
        en += f"Reason: {reason}"
    return f"{zh}\n{en}"


# --- 年审 --------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the 29th-31st fall back to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


STOP_NOTICE_FIELD = "stop_notice"


def township_stop_notice(today: date, reason: str) -> str:
    """停发通知 of a benefit the township stops directly (Stop Benefit on a running benefit)."""
    return f"{today.isoformat()} 停发。理由：{reason}\nStopped on {today.isoformat()}. Reason: {reason}"


def stop_notice(reconfirmation: str, today: date, reason: str) -> str:
    return (
        f"{today.isoformat()} 年审（{reconfirmation}）不再符合条件，自即日起停发。理由：{reason}\n"
        f"Stopped on {today.isoformat()} at reconfirmation {reconfirmation}: no longer eligible. "
        f"Reason: {reason}"
    )
