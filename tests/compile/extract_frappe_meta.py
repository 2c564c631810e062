"""Extract the field names, types and Select options of Frappe's own DocType definitions.

Run once against a Frappe v15 checkout to refresh `frappe_v15_meta.json`, the data the golden
tests check generated DocType, DocField, DocPerm and Workflow JSON against:

    python tests/compile/extract_frappe_meta.py /path/to/frappe > tests/compile/frappe_v15_meta.json

Only names and allowed values are extracted (data, not Frappe code).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCES = {
    "DocType": "frappe/core/doctype/doctype/doctype.json",
    "DocField": "frappe/core/doctype/docfield/docfield.json",
    "DocPerm": "frappe/core/doctype/docperm/docperm.json",
    "Role": "frappe/core/doctype/role/role.json",
    "Workflow": "frappe/workflow/doctype/workflow/workflow.json",
    "Workflow Document State": "frappe/workflow/doctype/workflow_document_state/workflow_document_state.json",
    "Workflow Transition": "frappe/workflow/doctype/workflow_transition/workflow_transition.json",
    "Workflow State": "frappe/workflow/doctype/workflow_state/workflow_state.json",
    "Workflow Action Master": "frappe/workflow/doctype/workflow_action_master/workflow_action_master.json",
    "Custom Field": "frappe/custom/doctype/custom_field/custom_field.json",
    "User Permission": "frappe/core/doctype/user_permission/user_permission.json",
    "Report": "frappe/core/doctype/report/report.json",
    "Report Filter": "frappe/core/doctype/report_filter/report_filter.json",
    "Report Column": "frappe/core/doctype/report_column/report_column.json",
    "Has Role": "frappe/core/doctype/has_role/has_role.json",
    "Number Card": "frappe/desk/doctype/number_card/number_card.json",
    "Dashboard Chart": "frappe/desk/doctype/dashboard_chart/dashboard_chart.json",
    "Workspace": "frappe/desk/doctype/workspace/workspace.json",
    "Workspace Link": "frappe/desk/doctype/workspace_link/workspace_link.json",
    "Workspace Shortcut": "frappe/desk/doctype/workspace_shortcut/workspace_shortcut.json",
    "Workspace Chart": "frappe/desk/doctype/workspace_chart/workspace_chart.json",
    "Workspace Number Card": "frappe/desk/doctype/workspace_number_card/workspace_number_card.json",
    "Dashboard Chart Field": "frappe/desk/doctype/dashboard_chart_field/dashboard_chart_field.json",
}
NO_VALUE = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold"}


def extract(frappe_root: Path) -> dict:
    init = (frappe_root / "frappe/__init__.py").read_text()
    version = re.search(r'__version__ = "([^"]+)"', init).group(1)
    out: dict = {
        "_source": f"frappe/frappe v{version}: " + ", ".join(sorted(SOURCES.values())),
        "version": version,
        "doctypes": {},
    }
    for doctype, rel in sorted(SOURCES.items()):
        meta = json.loads((frappe_root / rel).read_text())
        fields = {}
        for df in meta["fields"]:
            if df["fieldtype"] in NO_VALUE:
                continue
            entry = {"fieldtype": df["fieldtype"]}
            if df["fieldtype"] == "Select":
                entry["options"] = (df.get("options") or "").split("\n")
            elif df["fieldtype"] in {"Link", "Table", "Table MultiSelect"}:
                entry["options"] = df.get("options")
            fields[df["fieldname"]] = entry
        out["doctypes"][doctype] = {"fields": fields, "top_level_keys": sorted(meta)}
    return out


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/frappe-src")
    json.dump(extract(root), sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
