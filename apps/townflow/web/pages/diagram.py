"""A workflow drawn as inline SVG, from the spec: states as boxes, transitions as labelled arrows.

Layout, chosen so the ordinary path reads top to bottom and nothing needs a layout library:
- states reached by forward transitions are placed in rows by their longest distance from the
  initial state (over transitions that are not rejections or resubmissions);
- states only reached by a rejection sit in a column on the right;
- a forward arrow goes straight down; an arrow into the rejection column goes right; an arrow
  going back up (resubmit, return to an earlier step) runs in its own lane on the left.
Every text is escaped. No JavaScript and no external library: the diagram shows and prints
without scripts.
"""

from __future__ import annotations

from collections import deque
from html import escape
from typing import Any

from markupsafe import Markup

from townflow.web.pages.condition_words import docstatus_words
from townflow.web.pages.diagram_moves import tag_svg

BOX_W, BOX_H = 170, 46
COL_GAP, ROW_GAP = 70, 92
LANE_GAP = 26
MARGIN = 30
BACKWARD_KINDS = frozenset({"reject", "resubmit"})
STYLE_FILL = {
    "success": "#e3f4e8",
    "danger": "#fde4e4",
    "warning": "#fff3d6",
    "primary": "#e1ecfb",
    "info": "#e0f3f8",
    "inverse": "#e6e6e6",
}


def levels(workflow: Any) -> dict[str, int]:
    """Row of each state: its longest distance from the initial state over forward transitions,
    so a state reached both directly and through more steps (Issued: straight from the township,
    or after health review and the leaders' countersign) sits below all of them and the arrows
    keep pointing down. Forward edges that close a cycle are left out of the count."""
    start = workflow.initial_state.state
    forward: dict[str, list[str]] = {}
    for t in workflow.transitions:
        if t.kind not in BACKWARD_KINDS:
            forward.setdefault(t.state, []).append(t.next_state)
    reached = {start: 0}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for nxt in forward.get(state, []):
            if nxt not in reached:
                reached[nxt] = reached[state] + 1
                queue.append(nxt)
    order: list[str] = []  # reverse post-order of a DFS: a topological order of the acyclic part
    seen: set[str] = set()
    on_path: set[str] = set()
    acyclic: dict[str, list[str]] = {}

    def visit(state: str) -> None:
        seen.add(state)
        on_path.add(state)
        for nxt in forward.get(state, []):
            if nxt in on_path:
                continue  # closes a cycle: not counted
            acyclic.setdefault(state, []).append(nxt)
            if nxt not in seen:
                visit(nxt)
        on_path.discard(state)
        order.append(state)

    visit(start)
    depth = dict.fromkeys(reached, 0)
    for state in reversed(order):
        for nxt in acyclic.get(state, []):
            depth[nxt] = max(depth[nxt], depth[state] + 1)
    return depth


def _text(x: float, y: float, body: str, size: int = 12, fill: str = "#222", anchor: str = "start") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">{body}</text>'
    )


def workflow_svg(page: Any, workflow: Any) -> Markup:
    depth = levels(workflow)
    side = [s.state for s in workflow.states if s.state not in depth]
    rows: dict[int, list[str]] = {}
    for s in workflow.states:
        if s.state in depth:
            rows.setdefault(depth[s.state], []).append(s.state)
    rejecting = {t.state for t in workflow.transitions if t.next_state in side}
    for names in rows.values():
        names.sort(key=lambda n: n in rejecting)  # rejection arrows leave from the right end of a row
    widest = max((len(v) for v in rows.values()), default=1)
    backs = [
        t
        for t in workflow.transitions
        if t.state in depth and t.next_state in depth and depth[t.next_state] <= depth[t.state]
    ] + [t for t in workflow.transitions if t.state in side and t.next_state in depth]
    lanes_w = LANE_GAP * (len(backs) + 1) + 90
    main_w = widest * BOX_W + (widest - 1) * COL_GAP
    left = MARGIN + lanes_w
    side_x = left + main_w + 170
    width = side_x + (BOX_W if side else 0) + MARGIN
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * ROW_GAP
    pos: dict[str, tuple[float, float]] = {}
    for level, names in sorted(rows.items()):
        row_w = len(names) * BOX_W + (len(names) - 1) * COL_GAP
        x0 = left + (main_w - row_w) / 2
        for i, name in enumerate(names):
            pos[name] = (x0 + i * (BOX_W + COL_GAP), MARGIN + level * (BOX_H + ROW_GAP))
    side_top = MARGIN + (height - 2 * MARGIN - len(side) * BOX_H - (len(side) - 1) * 30) / 2
    for i, name in enumerate(side):
        pos[name] = (side_x, side_top + i * (BOX_H + 30))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wf-diagram" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'style="max-width: {width:.0f}px" role="img" aria-label="{escape(workflow.workflow_name)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    lane = skip = 0
    fan: dict[str, int] = {}
    seen_labels: set[tuple[str, str]] = set()
    for t in workflow.transitions:
        if t.state not in pos or t.next_state not in pos:
            continue
        (x1, y1), (x2, y2) = pos[t.state], pos[t.next_state]
        label = escape(page.action_label(workflow.document_type, t.action))
        role = escape(page.role_label(t.allowed))
        color = "#b42318" if t.kind == "reject" else "#555"
        dash = ' stroke-dasharray="5 3"' if t.kind in BACKWARD_KINDS or t.state in side else ""
        if t.next_state in side and t.state not in side:
            n = fan.get(t.next_state, 0)
            fan[t.next_state] = n + 1
            sx, sy = x1 + BOX_W, y1 + BOX_H / 2
            ex, ey = x2, y2 + 8 + (n * 7) % (BOX_H - 14)
            path = f"M{sx:.0f},{sy:.0f} L{ex:.0f},{ey:.0f}"
            lx, ly, anchor = sx + 6, sy - 6, "start"
        elif (
            t.state in depth
            and t.next_state in depth
            and depth[t.next_state] > depth[t.state] + 1
            and abs(x1 - x2) < BOX_W
        ):  # skips rows straight below: around the boxes in between, on the right
            skip += 1
            lane_x = left + main_w + 18 * skip
            sy, ey = y1 + BOX_H / 2 + 8, y2 + BOX_H / 2
            sx = max(x1, x2) + BOX_W
            path = f"M{x1 + BOX_W:.0f},{sy:.0f} L{lane_x:.0f},{sy:.0f} "
            path += f"L{lane_x:.0f},{ey:.0f} L{sx:.0f},{ey:.0f}"
            lx, ly, anchor = lane_x + 4, ey - 20, "start"
        elif t.state in depth and t.next_state in depth and depth[t.next_state] > depth[t.state]:
            sx, sy = x1 + BOX_W / 2, y1 + BOX_H
            ex, ey = x2 + BOX_W / 2, y2
            path = f"M{sx:.0f},{sy:.0f} L{ex:.0f},{ey:.0f}"
            lx, ly, anchor = (sx + ex) / 2 + 8, (sy + ey) / 2, "start"
        else:
            lane += 1
            lane_x = MARGIN + lanes_w - 20 - lane * LANE_GAP
            sy = y1 + BOX_H / 2 + (6 if t.state in side else 0)
            ey = y2 + BOX_H / 2 - 6
            if t.state in side:
                path = f"M{x1:.0f},{sy:.0f} L{x1 - 20:.0f},{sy:.0f} L{x1 - 20:.0f},{height - 8:.0f} "
                path += f"L{lane_x:.0f},{height - 8:.0f} L{lane_x:.0f},{ey:.0f} L{x2:.0f},{ey:.0f}"
            else:
                path = f"M{x1:.0f},{sy:.0f} L{lane_x:.0f},{sy:.0f} L{lane_x:.0f},{ey:.0f} L{x2:.0f},{ey:.0f}"
            lx, ly, anchor = lane_x - 4, (sy + ey) / 2 if t.state not in side else ey + 16, "end"
        labelled = (t.state, t.action) in seen_labels  # one label for a fan of conditional routes
        if t.next_state in side and t.state in depth and rows[depth[t.state]][-1] != t.state:
            labelled = True  # a rejection from inside a row: its label would sit on the next box
        seen_labels.add((t.state, t.action))
        parts.append(
            f'<g class="wf-transition wf-{escape(t.kind)}"><path d="{path}" fill="none" stroke="{color}" '
            f'stroke-width="1.4"{dash} marker-end="url(#arrow)"/>'
            + ("" if labelled else _text(lx, ly, label, 12, "#222", anchor))
            + ("" if labelled else _text(lx, ly + 13, role, 10, "#666", anchor))
            + "</g>"
        )
    for s in workflow.states:
        x, y = pos[s.state]
        fill = STYLE_FILL.get((s.style or "").lower(), "#ffffff")
        name = escape(page.label(s.label, s.state))
        cx = x + BOX_W / 2
        parts.append(
            f'<g class="wf-state"><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
            f'fill="{fill}" stroke="#335" stroke-width="1.4"/>'
            + _text(cx, y + 20, name, 14, "#111", "middle")
            + _text(cx, y + 37, docstatus_words(s.doc_status, page.lang), 10, "#666", "middle")
            + tag_svg(s, page.lang, x, y)  # 比例会签 / 加签 / 会办 (diagram_moves.py)
            + "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
