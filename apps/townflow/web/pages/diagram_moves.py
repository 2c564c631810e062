"""The approval moves drawn on the workflow diagram (issue 17.5): a tag above each state box
that has them — 比例会签 with its number, 可加签 with where signers may be added, 会办 with its
departments — so the diagram shows what the YAML declares. Every text is escaped."""

from __future__ import annotations

import unicodedata
from html import escape
from typing import Any

from townflow.rules import approval_moves as rules
from townflow.rules.approval_moves import parse_required


def tag_text(state: Any, lang: str) -> str:
    """What the tag says for one state ("" when it has none of the moves)."""
    step = state.step
    if step is None:
        return ""
    zh = lang == "zh"
    parts: list[str] = []
    required = parse_required(step.required) if step.mode == "all" else None
    if required is not None:
        share = f"{required[0]}/{required[1]}" if required[1] else str(required[0])
        parts.append(f"比例会签 {share}" if zh else f"countersign {share}")
    positions = rules.allowed_positions(step)
    if positions:
        where = {"before": "前" if zh else "before", "after": "后" if zh else "after"}
        shown = "/".join(where[p] for p in positions)
        parts.append(f"可加签（{shown}）" if zh else f"add signer ({shown})")
    if step.parallel is not None:
        departments = ("、" if zh else ", ").join(step.parallel.roles)
        parts.append(f"会办：{departments}" if zh else f"joint review: {departments}")
    return " · ".join(parts)


def _width(text: str, size: int) -> float:
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return wide * size + (len(text) - wide) * size * 0.6


def tag_svg(state: Any, lang: str, x: float, y: float) -> str:
    """The tag as SVG, sitting on the top edge of the box at (x, y)."""
    text = tag_text(state, lang)
    if not text:
        return ""
    width = _width(text, 10) + 12
    return (
        f'<g class="wf-moves"><rect x="{x + 6:.0f}" y="{y - 15:.0f}" width="{width:.0f}" height="16" rx="8" '
        f'fill="#fff7e6" stroke="#d48806" stroke-width="1"/>'
        f'<text x="{x + 12:.0f}" y="{y - 3:.0f}" font-size="10" fill="#874d00">{escape(text)}</text></g>'
    )
