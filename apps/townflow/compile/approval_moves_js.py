"""The desk's 加签 buttons in the compiled app's form script (issue 17.5): for a workflow whose
states allow adding signers, a 加签 button group on documents in those states — add signers
before or after me (townflow.api.add_signer), and an added signer's 同意 / 不同意
(townflow.api.sign). The app's methods decide who may (care_for_girls.townflow_ext.approval_moves);
the buttons only ask. Labels are Chinese first with the English beside, as the embedded pages'."""

from __future__ import annotations

import json

from townflow.rules.approval_moves import allowed_positions
from townflow.spec.models import Workflow


def form_script(doctype: str, workflow: Workflow | None) -> str:
    """A second `frappe.ui.form.on` block (Frappe chains them), or "" when no state allows 加签."""
    if workflow is None:
        return ""
    states = {
        s.state: list(allowed_positions(s.step))
        for s in workflow.states
        if s.step and allowed_positions(s.step)
    }
    if not states:
        return ""
    field = workflow.workflow_state_field
    return (
        "\n// 加签 (add signer): the approver holding this step's task adds signers before or after\n"
        "// themselves; an added signer answers 同意 / 不同意. townflow.api.add_signer / sign decide.\n"
        f'frappe.ui.form.on("{doctype}", {{\n'
        "\trefresh(frm) {\n"
        f"\t\tconst positions = {json.dumps(states, ensure_ascii=False)}[frm.doc.{field}];\n"
        "\t\tif (frm.is_new() || !positions) return;\n"
        "\t\tconst ref = { doctype: frm.doc.doctype, name: frm.doc.name };\n"
        '\t\tconst group = __("加签 Add Signer");\n'
        "\t\tconst done = () => frm.reload_doc();\n"
        "\t\tfor (const position of positions) {\n"
        '\t\t\tconst label = position === "before" ? __("前加签 Before me") : __("后加签 After me");\n'
        "\t\t\tfrm.add_custom_button(label, () => frappe.prompt(\n"
        "\t\t\t\t[\n"
        '\t\t\t\t\t{ fieldname: "users", fieldtype: "MultiSelectList", reqd: 1,\n'
        '\t\t\t\t\t\tlabel: __("加签人 Signers"),\n'
        "\t\t\t\t\t\t// the people who may read this document, by user or full name\n"
        '\t\t\t\t\t\tget_data: (txt) => frappe.xcall("townflow.api.signer_candidates",\n'
        "\t\t\t\t\t\t\t{ doc: ref, txt: txt }) },\n"
        '\t\t\t\t\t{ fieldname: "comment", fieldtype: "Small Text", label: __("意见 Comment") },\n'
        "\t\t\t\t],\n"
        "\t\t\t\t(v) => frappe.call({\n"
        '\t\t\t\t\tmethod: "townflow.api.add_signer",\n'
        "\t\t\t\t\targs: { doc: ref, users: v.users, position: position, comment: v.comment },\n"
        "\t\t\t\t}).then(done),\n"
        "\t\t\t\tlabel\n"
        "\t\t\t), group);\n"
        "\t\t}\n"
        '\t\tfor (const decision of ["Agree", "Disagree"]) {\n'
        '\t\t\tconst label = decision === "Agree" ? __("同意 Agree") : __("不同意 Disagree");\n'
        "\t\t\tfrm.add_custom_button(label, () => frappe.prompt(\n"
        '\t\t\t\t[{ fieldname: "comment", fieldtype: "Small Text", label: __("意见 Comment"),\n'
        '\t\t\t\t\treqd: decision === "Disagree" ? 1 : 0 }],\n'
        "\t\t\t\t(v) => frappe.call({\n"
        '\t\t\t\t\tmethod: "townflow.api.sign",\n'
        "\t\t\t\t\targs: { doc: ref, decision: decision, comment: v.comment },\n"
        "\t\t\t\t}).then(done),\n"
        "\t\t\t\tlabel\n"
        '\t\t\t), __("加签意见 Added signer"));\n'
        "\t\t}\n"
        "\t},\n"
        "});\n"
    )
