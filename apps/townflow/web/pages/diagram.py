"""A workflow drawn as inline SVG, from the spec: states as boxes, transitions as labelled arrows.

States are placed in rows by their distance from the initial state (breadth-first), so the
ordinary path reads top to bottom; a transition going down is a straight arrow, one going back
up or sideways (return, reject, resubmit) is a curve on the side. Every text is escaped. No
JavaScript and no external library: the diagram prints and shows without scripts.
"""

from __future__ import annotations

from collections import deque
from html import escape
from typing import Any

from markupsafe import Markup

BOX_W, BOX_H = 168, 46
COL_GAP, ROW_GAP = 64, 96
MARGIN = 40
STYLE_FILL = {
    "success": "#e3f4e8",
    "danger": "#fde4e4",
    "warning": "#fff3d6",
    "primary": "#e1ecfb",
    "info": "#e0f3f8",
    "inverse": "#e6e6e6",
}


def levels(workflow: Any) -> dict[str, int]:
    start = workflow.initial_state.state
    depth = {start: 0}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for t in workflow.transitions:
            if t.state == state and t.next_state not in depth:
                depth[t.next_state] = depth[state] + 1
                queue.append(t.next_state)
    deepest = max(depth.values(), default=0)
    for s in workflow.states:
        depth.setdefault(s.state, deepest + 1)
    return depth


def workflow_svg(page: Any, workflow: Any) -> Markup:
    depth = levels(workflow)
    rows: dict[int, list[str]] = {}
    for s in workflow.states:
        rows.setdefault(depth[s.state], []).append(s.state)
    widest = max(len(v) for v in rows.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * COL_GAP + 260
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * ROW_GAP
    pos: dict[str, tuple[float, float]] = {}
    for level, names in sorted(rows.items()):
        row_width = len(names) * BOX_W + (len(names) - 1) * COL_GAP
        x0 = MARGIN + (widest * BOX_W + (widest - 1) * COL_GAP - row_width) / 2
        for i, name in enumerate(names):
            pos[name] = (x0 + i * (BOX_W + COL_GAP), MARGIN + level * (BOX_H + ROW_GAP))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wf-diagram" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{escape(workflow.workflow_name)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    pair_count: dict[tuple[str, str], int] = {}
    side_count = 0
    for t in workflow.transitions:
        if t.state not in pos or t.next_state not in pos:
            continue
        key = (t.state, t.next_state)
        nth = pair_count.get(key, 0)
        pair_count[key] = nth + 1
        (x1, y1), (x2, y2) = pos[t.state], pos[t.next_state]
        label = escape(page.action_label(workflow.document_type, t.action))
        role = escape(page.role_label(t.allowed))
        kind = escape(t.kind)
        if depth[t.next_state] > depth[t.state]:
            sx, sy = x1 + BOX_W / 2 + nth * 14, y1 + BOX_H
            ex, ey = x2 + BOX_W / 2 + nth * 14, y2
            path = f"M{sx:.0f},{sy:.0f} L{ex:.0f},{ey:.0f}"
            lx, ly = (sx + ex) / 2 + 6, (sy + ey) / 2 + nth * 16
        else:
            side_count += 1
            bend = 40 + 22 * side_count
            sx, sy = x1 + BOX_W, y1 + BOX_H / 2 + nth * 8
            ex, ey = x2 + BOX_W, y2 + BOX_H / 2 - 8
            cx = max(sx, ex) + bend
            path = f"M{sx:.0f},{sy:.0f} C{cx:.0f},{sy:.0f} {cx:.0f},{ey:.0f} {ex:.0f},{ey:.0f}"
            lx, ly = cx - 4, (sy + ey) / 2
        parts.append(
            f'<g class="wf-transition wf-{kind}"><path d="{path}" fill="none" stroke="#555" '
            f'stroke-width="1.4" marker-end="url(#arrow)"/>'
            f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="12" fill="#222">{label}'
            f'<tspan x="{lx:.0f}" dy="14" font-size="10" fill="#666">{role}</tspan></text></g>'
        )
    for s in workflow.states:
        x, y = pos[s.state]
        fill = STYLE_FILL.get((s.style or "").lower(), "#ffffff")
        name = escape(page.label(s.label, s.state))
        parts.append(
            f'<g class="wf-state"><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="#335" stroke-width="1.4"/>'
            f'<text x="{x + BOX_W / 2:.0f}" y="{y + 20:.0f}" font-size="14" text-anchor="middle" '
            f'fill="#111">{name}</text>'
            f'<text x="{x + BOX_W / 2:.0f}" y="{y + 37:.0f}" font-size="10" text-anchor="middle" fill="#666">'
            f"docstatus {s.doc_status}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
