"""Customizations: Custom Field and Property Setter records, and exporting them back to YAML.

An admin adds a field or changes a property on the live site by inserting a Custom Field or a
Property Setter through the ordinary Session API (System Manager only). The write invalidates
the meta cache and syncs the schema in the same transaction (`Site.after_write`), so the next
read sees the new column; `site.meta(doctype)` shows the effective DocType.

`export_customizations(site, out_dir)` writes one YAML file per customized DocType to
`customizations/<snake_name>.yaml`, shaped like Frappe's `<module>/custom/<doctype>.json`
(doctype, custom_fields, property_setters, sync_on_migrate), for review or for the Frappe app.
`townflow customizations export --into-spec` instead merges them into doctypes/*.yaml by line
edits that keep comments and layout (townflow.runtime.spec_patch), so the YAML stays the
source of truth.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError as PydanticValidationError

from townflow.expr import ExprError, parse
from townflow.rules import fetal_sex
from townflow.runtime.errors import ValidationError
from townflow.runtime.hooks import DocEvent
from townflow.runtime.meta import apply_property_setter
from townflow.runtime.system_doctypes import SYSTEM_DOCTYPES
from townflow.spec.models import CUSTOM_FIELD_PROPERTIES, EXPRESSION_PROPERTIES, DocType

_CUSTOM_FIELD_KEYS = (
    "dt",
    "fieldname",
    "label",
    "label_en",
    "fieldtype",
    "options",
    "insert_after",
    "default",
    *CUSTOM_FIELD_PROPERTIES,
    "depends_on",
    "mandatory_depends_on",
    "fetch_from",
    "description",
)
_PROPERTY_SETTER_KEYS = ("doctype_or_field", "doc_type", "field_name", "property", "property_type", "value")
_RESERVED = {
    "name",
    "owner",
    "creation",
    "modified",
    "modified_by",
    "docstatus",
    "idx",
    "parent",
    "parentfield",
    "parenttype",
    "doctype",
}


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _expression_problem(source) -> str | None:
    """Why a customization's expression does not parse (townflow.expr, never eval), or None."""
    if not source or not isinstance(source, str):
        return None
    text = source.strip()
    try:
        parse(text[5:] if text.startswith("eval:") else text)
    except ExprError as exc:
        return str(exc)
    return None


def register_customization_hooks(site) -> None:
    def check_custom_field(event: DocEvent) -> None:
        doc = event.doc
        dt, fieldname = doc.get("dt"), doc.get("fieldname")
        if not dt or not site.metas.exists(dt) or dt in SYSTEM_DOCTYPES:
            raise ValidationError.from_messages(
                [_msg("dt", f"{dt}: not a project DocType", f"{dt}：不是项目单据类型")]
            )
        if event.old is None:
            base = site.metas.base_doctypes()[dt]
            if fieldname in _RESERVED or base.field(fieldname) is not None:
                raise ValidationError.from_messages(
                    [_msg("fieldname", f"{dt} already has a field {fieldname}", f"{dt} 已有字段 {fieldname}")]
                )
        elif doc.get("fieldname") != event.old.get("fieldname") or doc.get("dt") != event.old.get("dt"):
            raise ValidationError.from_messages(
                [
                    _msg(
                        "fieldname",
                        "fieldname and dt cannot change; add a new field",
                        "字段名和单据类型不能修改",
                    )
                ]
            )
        if doc.get("fieldtype") in ("Link", "Table") and not site.metas.exists(doc.get("options") or ""):
            raise ValidationError.from_messages(
                [_msg("options", "options must name an existing DocType", "选项应为已有的单据类型")]
            )
        refusal = fetal_sex.field_problem(
            dt, fieldname or "", (doc.get("label"), doc.get("label_en")), doc.get("options")
        )
        if refusal is not None:
            raise ValidationError.from_messages([_msg("fieldname", refusal.en, refusal.zh)])
        bad_rules = [
            _msg(key, f"{key}: {problem}", f"{key}：表达式无效（{problem}）")
            for key in EXPRESSION_PROPERTIES
            if (problem := _expression_problem(doc.get(key)))
        ]
        if bad_rules:  # a rule that does not parse would silently never apply
            raise ValidationError.from_messages(bad_rules)

    def check_property_setter(event: DocEvent) -> None:
        doc = event.doc
        dt = doc.get("doc_type")
        if not dt or not site.metas.exists(dt) or dt in SYSTEM_DOCTYPES:
            raise ValidationError.from_messages(
                [_msg("doc_type", f"{dt}: not a project DocType", f"{dt}：不是项目单据类型")]
            )
        if doc.get("field_name") and site.metas.get(dt).get_field(doc["field_name"]) is None:
            raise ValidationError.from_messages(
                [
                    _msg(
                        "field_name",
                        f"{dt} has no field {doc['field_name']}",
                        f"{dt} 没有字段 {doc['field_name']}",
                    )
                ]
            )
        # The changed DocType must still be a valid spec DocType (a Select keeps options, ...).
        trial = site.metas.get(dt).doctype.model_copy(deep=True)
        try:
            apply_property_setter(trial, doc)
            DocType.model_validate(trial.model_dump())
        except (PydanticValidationError, ValueError, TypeError) as exc:
            first = exc.errors()[0]["msg"] if isinstance(exc, PydanticValidationError) else str(exc)
            raise ValidationError.from_messages(
                [
                    _msg(
                        "value",
                        f"{doc.get('property')} = {doc.get('value')!r}: {first}",
                        f"属性值无效：{first}",
                    )
                ]
            ) from None
        changed = trial.field(doc["field_name"]) if doc.get("field_name") else None
        if changed is not None:
            labels = (changed.label.zh, changed.label.en) if changed.label else ()
            refusal = fetal_sex.field_problem(dt, changed.fieldname, labels, changed.choices)
            if refusal is not None:
                raise ValidationError.from_messages([_msg("value", refusal.en, refusal.zh)])

    site.hooks.register("Custom Field", "validate", check_custom_field)
    site.hooks.register("Property Setter", "validate", check_property_setter)


def _msg(field: str, en: str, zh: str):
    from townflow.runtime.errors import FieldMessage

    return FieldMessage(field, zh, en)


def _clean(row: dict, keys: tuple[str, ...]) -> dict:
    out = {}
    for key in keys:
        value = row.get(key)
        if value in (None, "", 0) and key not in ("dt", "fieldname", "doc_type", "property", "value"):
            continue
        out[key] = value
    return out


def collect(site) -> dict[str, dict]:
    """doctype -> {"doctype", "custom_fields", "property_setters", "sync_on_migrate"}."""
    out: dict[str, dict] = {}
    for row in site.db.fetchall('SELECT * FROM "tabCustom Field" ORDER BY dt, creation, name'):
        entry = out.setdefault(row["dt"], {"doctype": row["dt"], "custom_fields": [], "property_setters": []})
        entry["custom_fields"].append(_clean(dict(row), _CUSTOM_FIELD_KEYS))
    for row in site.db.fetchall('SELECT * FROM "tabProperty Setter" ORDER BY doc_type, creation, name'):
        entry = out.setdefault(
            row["doc_type"], {"doctype": row["doc_type"], "custom_fields": [], "property_setters": []}
        )
        entry["property_setters"].append(_clean(dict(row), _PROPERTY_SETTER_KEYS))
    for entry in out.values():
        entry["sync_on_migrate"] = 1
    return out


def export_customizations(site, out_dir: str | Path) -> list[Path]:
    """Write customizations/<snake>.yaml per customized DocType; returns the files written."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doctype, entry in sorted(collect(site).items()):
        path = folder / f"{snake(doctype)}.yaml"
        header = (
            f"# Customizations of {doctype} exported from a townflow site (Frappe custom/*.json shape).\n"
        )
        path.write_text(header + yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written
