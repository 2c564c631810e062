"""`frappe.desk.reportview.export_query`: a list with its filters as an .xlsx or .csv file, as
Frappe 15 answers it (frappe/desk/reportview.py): arguments `doctype`, `file_format_type`
("Excel" or "CSV"), `title`, `fields`, `filters`, `or_filters`, `order_by`, `selected_items`;
the first column "Sr" numbers the rows, the header holds the field labels; the file comes back
as an attachment named `<title>.<ext>`. Refused without the DocPerm `export` right; rows and
masks are those of the list (townflow.dataio.export).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from townflow.dataio.export import export_list
from townflow.web.errors import ValidationError
from townflow.web.requestdata import parse_json_arg, require
from townflow.web.whitelist import Param, whitelisted

router = APIRouter()

MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
JSON_ARG = {"oneOf": [{"type": "object"}, {"type": "array"}, {"type": "string"}]}
PARAMS = [
    Param("doctype", required=True, description="DocType name"),
    Param("file_format_type", description="Excel (default) or CSV"),
    Param("title", description="the file's name without extension (default: the DocType)"),
    Param("fields", JSON_ARG, description='JSON list of fields, e.g. ["name", "`tabPerson`.`full_name`"]'),
    Param("filters", JSON_ARG),
    Param("or_filters", JSON_ARG),
    Param("order_by", description="e.g. modified desc"),
    Param("selected_items", JSON_ARG, description="JSON list of names: export only these"),
]


def _text_arg(args: dict[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"Argument {name} must be text", zh=f"参数 {name} 必须是文本")
    return value


@whitelisted(router, "frappe.desk.reportview.export_query", params=PARAMS)
def export_query(session: Any, args: dict[str, Any]) -> FileResponse:
    doctype = require(args, "doctype")
    if not isinstance(doctype, str):
        raise ValidationError("Argument doctype must be text", zh="参数 doctype 必须是文本")
    file_format = args.get("file_format_type") or "Excel"
    if file_format not in ("Excel", "CSV"):
        raise ValidationError("file_format_type must be Excel or CSV", zh="文件格式应为 Excel 或 CSV")
    ext = "csv" if file_format == "CSV" else "xlsx"
    fields = parse_json_arg(args.get("fields"), "fields", default=None)
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise ValidationError("Argument fields must be a JSON list of field names", zh="参数 fields 无效")
    filters = parse_json_arg(args.get("filters"), "filters")
    selected = parse_json_arg(args.get("selected_items"), "selected_items", default=None)
    if selected:
        if not isinstance(selected, list) or not all(isinstance(n, str) for n in selected):
            raise ValidationError("Argument selected_items must be a JSON list of names", zh="参数无效")
        filters = {"name": ["in", selected]}  # as Frappe: the selection replaces the filters
    title = _text_arg(args, "title") or doctype
    if fields:  # Frappe sends `tabDocType`.`field`; the name column always comes first
        fields = [f.split(".")[-1].strip("`") for f in fields]
    handle = tempfile.NamedTemporaryFile(prefix="export-", suffix="." + ext, delete=False)  # noqa: SIM115
    try:
        with handle:
            export_list(
                session,
                doctype,
                handle,
                ext,
                fields=fields,
                filters=filters,
                or_filters=parse_json_arg(args.get("or_filters"), "or_filters"),
                order_by=_text_arg(args, "order_by"),
                serial=True,
            )
    except BaseException:
        os.unlink(handle.name)
        raise
    filename = f"{title}.{ext}"
    ascii_name = "".join(c if c.isascii() and c.isalnum() else "_" for c in title) or "export"
    disposition = f"attachment; filename=\"{ascii_name}.{ext}\"; filename*=UTF-8''{quote(filename)}"
    return FileResponse(
        handle.name,
        media_type=MEDIA[ext],
        headers={"Content-Disposition": disposition},
        background=BackgroundTask(os.unlink, handle.name),
    )
