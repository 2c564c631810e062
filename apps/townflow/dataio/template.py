"""The import template of a DocType: an .xlsx a clerk fills in and imports.

- Sheet "数据 Data": one header per importable field, `中文标签 (fieldname)`, which
  townflow.dataio.columns reads back (Frappe's Data Import matches the same file by label);
  Select columns carry a drop-down of their values.
- Sheet "示例 Example": the same header and one example row (not imported).
- Sheet "说明 Help": each field's labels, type, whether it is required, and its allowed values
  (Select: `value (中文)`; Link: the DocType whose name or title to give).
- A Household's template starts with an `ID` column and has a sheet "成员 Members": the
  household's members, one row each, their `所属户 (household)` the ID given in the first sheet
  (townflow.dataio.importer imports the households, then the members).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from townflow.dataio.columns import required_fields
from townflow.runtime.meta import Meta

#: An ID number whose GB 11643 check digit holds (a woman's, born 1949-12-31): for the example row.
EXAMPLE_ID_NUMBER = "11010519491231002X"
_EXAMPLES = {"cn_id_number": EXAMPLE_ID_NUMBER, "cn_mobile": "13800138000"}


def template_fields(meta: Meta) -> list:
    """The fields a file may give: every value field the system does not fill in itself."""
    return [f for f in meta.value_fields if not f.read_only and not f.fetch_from]


def template_header(meta: Meta) -> list[str]:
    return [f"{(f.label.zh if f.label else f.fieldname)} ({f.fieldname})" for f in template_fields(meta)]


def _choices(f) -> list[tuple[str, str]]:
    return [(c.value, c.zh) for c in f.options] if isinstance(f.options, list) else []


def example_value(site, f) -> Any:
    if f.validator in _EXAMPLES:
        return _EXAMPLES[f.validator]
    if getattr(f, "regex", None):
        return None  # no example can be made up for a pattern
    kind = f.fieldtype
    if kind == "Select":
        choices = _choices(f)
        return choices[0][0] if choices else None
    if kind == "Link" and f.options and site.metas.exists(f.options):
        target = site.metas.get(f.options)
        if target.istable or target.issingle:
            return None
        row = site.db.fetchone(f"SELECT * FROM {target.table} ORDER BY creation LIMIT 1")  # noqa: S608 - meta's table
        if row is None:
            return None
        title = target.title_field
        return row[title] if title and row[title] else row["name"]
    if kind == "Date":
        return "2026-01-01"
    if kind == "Datetime":
        return "2026-01-01 09:00:00"
    if kind in ("Int", "Check"):
        return 0 if kind == "Check" else 1
    if kind in ("Float", "Currency", "Percent"):
        return 100.0
    return f.label.zh if f.label else f.fieldname


#: The sheet of a households file that holds the members.
MEMBERS_SHEET = "成员 Members"
#: A household's ID in the file, the members' 所属户 refers to it.
EXAMPLE_HOUSEHOLD_ID = "户1"


def _style_header(sheet, fields, header, required) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for index, text in enumerate(header, start=1):
        f = fields.get(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if f is not None and f.fieldname in required else None)
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(text) + 4)


def _drop_downs(sheet, fields) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for index, f in fields.items():
        values = ",".join(value for value, _ in _choices(f))
        if values and len(values) < 250:  # Excel's limit for an inline list
            letter = get_column_letter(index)
            check = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
            check.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(check)


def write_template(site, meta: Meta, out: str | Path | IO[bytes]) -> None:
    from openpyxl import Workbook

    from townflow.dataio.importer import MEMBER_SHEETS

    member = MEMBER_SHEETS.get(meta.name)
    with_members = member is not None and site.metas.exists(member[0])
    fields = template_fields(meta)
    header = (["ID"] if with_members else []) + template_header(meta)
    offset = 1 if with_members else 0
    by_column = {index + offset: f for index, f in enumerate(fields, start=1)}
    required = set(required_fields(meta))
    book = Workbook()
    data = book.active
    data.title = "数据 Data"
    data.append(header)
    example = book.create_sheet("示例 Example")
    example.append(header)
    example_row = [example_value(site, f) for f in fields]
    example.append(([EXAMPLE_HOUSEHOLD_ID] if with_members else []) + example_row)
    for sheet in (data, example):
        _style_header(sheet, by_column, header, required)
    _drop_downs(data, by_column)
    if with_members:
        member_meta = site.metas.get(member[0])
        member_fields = template_fields(member_meta)
        members = book.create_sheet(MEMBERS_SHEET, 1)
        member_header = template_header(member_meta)
        members.append(member_header)
        member_by_column = dict(enumerate(member_fields, start=1))
        _style_header(members, member_by_column, member_header, set(required_fields(member_meta)))
        _drop_downs(members, member_by_column)
    help_sheet = book.create_sheet("说明 Help")
    help_sheet.append(
        ["字段 Field", "中文", "English", "类型 Type", "必填 Required", "可选值 / 说明 Allowed values"]
    )
    for f in fields:
        if _choices(f):
            allowed = "; ".join(f"{v} ({zh})" for v, zh in _choices(f))
        elif f.fieldtype == "Link":
            allowed = f"{f.options}: 名称或标题 name or title"
        elif f.fieldtype == "Date":
            allowed = "YYYY-MM-DD"
        else:
            allowed = ""
        help_sheet.append(
            [
                f.fieldname,
                f.label.zh if f.label else "",
                f.label.en if f.label else "",
                f.fieldtype,
                "是 yes" if f.fieldname in required else "",
                allowed,
            ]
        )
    book.save(out)
