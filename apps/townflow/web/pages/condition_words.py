"""A transition condition in words, from the spec's own labels (issue 18 point 10): the diagram
and the transitions table say 「政策类别为 低保及社会救济」 instead of
`doc.benefit_kind == "Low-income Relief"`. The expression is read with Python's ast (never
evaluated); anything this reader does not know is shown as 「（其他条件）」 rather than as code.
"""

from __future__ import annotations

import ast
from typing import Any

_OPS = {
    ast.Eq: ("为", "is"),
    ast.NotEq: ("不为", "is not"),
    ast.Gt: ("大于", ">"),
    ast.GtE: ("不小于", "≥"),
    ast.Lt: ("小于", "<"),
    ast.LtE: ("不大于", "≤"),
    ast.In: ("为", "is one of"),
    ast.NotIn: ("不为", "is none of"),
}
DOCSTATUS_WORDS = {0: ("草稿", "draft"), 1: ("已提交", "submitted"), 2: ("已作废", "cancelled")}


class _Words:
    def __init__(self, site: Any, doctype: str, lang: str):
        self.site, self.lang = site, lang
        self.meta = site.metas.get(doctype) if site.metas.exists(doctype) else None
        self.settings = (
            site.metas.get("Campaign Settings") if site.metas.exists("Campaign Settings") else None
        )

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def label(self, meta: Any, fieldname: str) -> str:
        df = meta.get_field(fieldname) if meta is not None else None
        if df is None or df.label is None:
            return fieldname
        return (df.label.en if self.lang == "en" else df.label.zh) or fieldname

    def choice(self, meta: Any, fieldname: str, value: Any) -> str:
        df = meta.get_field(fieldname) if meta is not None else None
        for c in getattr(df, "choices", None) or []:
            if c.value == value:
                return c.value if self.lang == "en" else c.zh
        return str(value)

    def operand(self, node: ast.AST) -> tuple[str, Any, str | None]:
        """(words, meta, fieldname) of a value in a condition."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "doc":
                return self.label(self.meta, node.attr), self.meta, node.attr
            if node.value.id == "settings":
                return self.label(self.settings, node.attr) + self.pick("（参数）", " (setting)"), None, None
        if isinstance(node, ast.Constant):
            return str(node.value), None, None
        if isinstance(node, ast.Name) and node.id in ("today", "now"):
            return self.pick("今天" if node.id == "today" else "现在", node.id), None, None
        raise ValueError("unknown operand")

    def value(self, node: ast.AST, meta: Any, fieldname: str | None) -> str:
        if isinstance(node, (ast.List, ast.Tuple)):
            joiner = self.pick("或", " or ")
            return joiner.join(self.value(e, meta, fieldname) for e in node.elts)
        if isinstance(node, ast.Constant) and fieldname:
            return self.choice(meta, fieldname, node.value)
        return self.operand(node)[0]

    def say(self, node: ast.AST) -> str:
        if isinstance(node, ast.BoolOp):
            joiner = self.pick("且", " and ") if isinstance(node.op, ast.And) else self.pick("或", " or ")
            return joiner.join(self.say(v) for v in node.values)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.pick("并非", "not ") + self.say(node.operand)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, meta, fieldname = self.operand(node.left)
            zh, en = _OPS[type(node.ops[0])]
            return f"{left}{self.pick(zh, ' ' + en + ' ')}{self.value(node.comparators[0], meta, fieldname)}"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("exists", "count")
        ):
            target = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
            label = target
            if self.site.metas.exists(target):
                dt_label = self.site.metas.get(target).doctype.label
                label = (dt_label.en if self.lang == "en" else dt_label.zh) or target
            return self.pick(f"已有相关的{label}", f"a related {label} exists")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "is_set":
            return self.operand(node.args[0])[0] + self.pick("已填写", " is filled in")
        if isinstance(node, ast.Attribute):
            return self.operand(node)[0] + self.pick("已勾选", " is set")
        raise ValueError("unknown condition")


def condition_words(site: Any, doctype: str, source: str | None, lang: str = "zh") -> str:
    """The condition in words ("" for none)."""
    if not source:
        return ""
    text = source.strip()
    if text.startswith("eval:"):
        text = text[5:]
    try:
        return _Words(site, doctype, lang).say(ast.parse(text, mode="eval").body)
    except (ValueError, SyntaxError, KeyError, AttributeError, IndexError):
        return "（其他条件）" if lang != "en" else "(another condition)"


def docstatus_words(doc_status: int, lang: str = "zh") -> str:
    zh, en = DOCSTATUS_WORDS.get(int(doc_status), ("", ""))
    return en if lang == "en" else zh
