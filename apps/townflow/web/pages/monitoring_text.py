"""The UI strings of the monitoring pages (随访, 育龄妇女档案, 流动人口), Chinese first."""

from __future__ import annotations

from typing import Any

STRINGS: dict[str, tuple[str, str]] = {
    "followups": ("随访", "Follow-ups"),
    "followups_title": ("随访任务", "Follow-up visits"),
    "overdue_group": ("已超期", "Overdue"),
    "today_group": ("今日到期", "Due today"),
    "upcoming_group": ("即将到期", "Coming up"),
    "record_visit": ("录入随访", "Record visit"),
    "escalated": ("已上报街道", "Escalated to township"),
    "no_followups": ("暂无到期随访", "No visits due"),
    "visit_form_title": ("随访记录", "Visit"),
    "signature": ("群众签名", "Family signature"),
    "draw_signature": ("请家属在下方签名", "Ask the family to sign below"),
    "clear_signature": ("重写", "Clear"),
    "or_scan": ("或上传签字单扫描件", "or upload a scanned signed sheet"),
    "save_visit": ("保存随访", "Save visit"),
    "visit_saved": ("随访已保存", "Visit saved"),
    "unsigned_saved": (
        "随访已保存，但缺少群众签名，记为不完整",
        "Saved, but without a signature: incomplete",
    ),
    "mother": ("孕妇", "Expectant mother"),
    "village": ("村", "Village"),
    "mobile": ("联系电话", "Mobile"),
    "last_visit": ("上次随访", "Last visit"),
    "next_visit": ("下次随访", "Next visit"),
    "next_check": ("下次孕检", "Next check"),
    "incomplete": ("不完整（无签名）", "Incomplete (unsigned)"),
    "roster": ("育龄妇女档案", "Women of child-bearing age"),
    "completeness": ("档案完整率", "Record completeness"),
    "age": ("年龄", "Age"),
    "name": ("姓名", "Name"),
    "contraception": ("避孕措施", "Contraception"),
    "pregnancy": ("孕情", "Pregnancy"),
    "none": ("无", "None"),
    "not_recorded": ("未登记", "Not recorded"),
    "women": ("育龄妇女", "Women 15-49"),
    "with_contraception": ("已登记避孕措施", "Contraception recorded"),
    "visited": ("有随访记录", "Visited"),
    "visits": ("随访次数", "Visits"),
    "unsigned_visits": ("无签名随访", "Unsigned visits"),
    "complete_share": ("完整率", "Complete"),
    "migrants": ("流动人口", "Migrants"),
    "handover": ("转出（街道内）", "Hand over (within township)"),
    "handover_title": ("流动人口转出", "Migrant handover"),
    "to_household": ("转入户", "Receiving household"),
    "reason": ("原因", "Reason"),
    "submit_handover": ("提交转出", "Hand over"),
    "confirm_handover": ("确认转入", "Confirm receipt"),
    "handover_sent": ("已提交，待接收村确认", "Sent; waiting for the receiving village"),
    "handover_done": ("已确认转入", "Receipt confirmed"),
    "liaison_letter": ("联系函", "Liaison letter"),
    "print": ("打印", "Print"),
}


def text(key: str, lang: str, **kwargs: Any) -> str:
    pair = STRINGS.get(key)
    value = key if pair is None else (pair[1] if lang == "en" else pair[0])
    return value.format(**kwargs) if kwargs else value
