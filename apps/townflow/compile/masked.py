"""Sensitive fields on Frappe: the masked companion fields and View Log tracking.

The embedded runtime shows a sensitive field masked to a role that may not read it in full
(`******************`). Frappe has only permlevel: the field is simply absent for that role.
So the compiled app gives every masked field a read-only Data companion at permlevel 0,
`<fieldname>_masked` ("ID Number (masked)" / 公民身份号码（脱敏）), placed right after it and filled
on validate by townflow.rules.masking (care_for_girls.townflow_ext.events); the full value keeps
its permlevel. DocTypes holding sensitive fields get `track_views`, so Frappe's View Log records
who opened which record in the desk.

Companions exist in the compiled app only: they are not spec fields (the bundled spec and the
embedded runtime never see them) and they are standard DocFields, not Custom Fields, so
`townflow pull` has nothing to pull back.
"""

from __future__ import annotations

from townflow.rules.masking import masked_companion
from townflow.spec.models import DocField, DocType, Label


def companion_field(field: DocField) -> DocField:
    """The permlevel-0, read-only masked copy of a masked sensitive field."""
    label = field.label or Label(zh=field.fieldname, en=field.fieldname)
    return DocField(
        fieldname=masked_companion(field.fieldname),
        fieldtype="Data",
        label=Label(zh=f"{label.zh}（脱敏）", en=f"{label.en} (masked)"),
        read_only=True,
        no_copy=True,
        hidden=field.hidden,
        depends_on=field.depends_on,
        allow_on_submit=field.allow_on_submit,
        print_hide=field.print_hide,
    )


def masked_fields(doctype: DocType) -> list[DocField]:
    """The fields of `doctype` that get a masked companion (sensitive, with a mask style)."""
    return [f for f in doctype.fields if f.sensitive and f.mask is not None and f.has_value]


def with_companions(doctype: DocType) -> DocType:
    """`doctype` as the compiled app defines it: each masked field followed by its companion
    (unless the spec already has a field of that name), and `track_views` noted by the caller."""
    names = {f.fieldname for f in doctype.fields}
    masked = {f.fieldname for f in masked_fields(doctype)}
    fields: list[DocField] = []
    for field in doctype.fields:
        fields.append(field)
        if field.fieldname in masked and masked_companion(field.fieldname) not in names:
            fields.append(companion_field(field))
    if len(fields) == len(doctype.fields):
        return doctype
    return doctype.model_copy(update={"fields": fields})


def tracks_views(doctype: DocType) -> bool:
    """A DocType holding sensitive fields has its desk reads logged (Frappe's View Log). A child
    table is never opened on its own: its parent's form is what gets logged."""
    return not doctype.istable and any(f.sensitive for f in doctype.fields)
