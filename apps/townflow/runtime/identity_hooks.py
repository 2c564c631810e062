"""The ID number fills and checks 出生日期 and 性别 (townflow.rules.identity), on every write path.

A DocType takes part when it has an `id_number` field checked as a resident ID (validator
`cn_id_number`) beside `date_of_birth` and/or `gender`: Person. On insert the empty ones are
filled from the number before the mandatory check; on every save a value contradicting the
number is refused with a message naming the field and what the number says.
"""

from __future__ import annotations

from townflow.rules import identity
from townflow.runtime.errors import FieldMessage, ValidationError
from townflow.runtime.hooks import DocEvent


def _takes_part(meta) -> bool:
    id_field = meta.get_field("id_number")
    if id_field is None or id_field.validator != "cn_id_number":
        return False
    return meta.get_field("date_of_birth") is not None or meta.get_field("gender") is not None


def _fill(event: DocEvent) -> None:
    event.doc.update(identity.fill_from_id_number(event.doc))


def _check(event: DocEvent) -> None:
    found = identity.id_number_disagreements(event.doc)
    if not found:
        return
    meta = event.session.site.metas.get(event.doctype)
    messages = []
    for field, en, zh in found:
        df = meta.get_field(field)
        label = df.label if df is not None else None
        messages.append(
            FieldMessage(field, f"{label.zh if label else field}{zh}", f"{label.en if label else field} {en}")
        )
    raise ValidationError.from_messages(messages)


def register_identity_hooks(site) -> None:
    for name in site.metas.names():
        if site.metas.exists(name) and _takes_part(site.metas.get(name)):
            site.hooks.register(name, "before_insert", _fill)
            site.hooks.register(name, "validate", _check)
