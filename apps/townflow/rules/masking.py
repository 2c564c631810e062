"""How a sensitive value is shown to someone who may not read it in full. Pure functions.

Styles (DocField.mask): `id_number` hides every character (370102199001011234 ->
******************), `phone` keeps the first 3 and last 4 (13812345678 -> 138****5678), `full`
hides everything (****). The masked text keeps the original length so a clerk still sees the shape.

Why an ID number shows no digit at all (issue 12, M1): its 18 characters are the region code (the
township's own, known to every clerk), the date of birth (shown on the same form), three sequence
digits whose last one is odd for men and even for women (the gender is shown too) and a check
digit. Keeping the first and last four left one candidate; keeping the last four alone leaves the
region code, which is the same for the whole township. A role that reads the date of birth and
the gender can therefore be shown none of the digits. Roles that need the number (the village
clerk, the approver, health) read it in full at permlevel 1, and that read is audited.
"""

from __future__ import annotations

FULL_MASK = "****"


def mask_id_number(value: str) -> str:
    if len(value) <= 8:
        return FULL_MASK
    return "*" * len(value)


def mask_phone(value: str) -> str:
    if len(value) <= 7:
        return FULL_MASK
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask(value, style: str | None):
    """The masked form of `value`; None and empty strings stay as they are (nothing to hide)."""
    if value is None or value == "":
        return value
    text = str(value)
    if style == "id_number":
        return mask_id_number(text)
    if style == "phone":
        return mask_phone(text)
    return FULL_MASK


def looks_masked(value, original, style: str | None) -> bool:
    """True when a client sent back the masked text it was shown instead of a new value."""
    return original not in (None, "") and value == mask(original, style)


#: On Frappe, where a field's permlevel hides it outright, the compiled app keeps a masked copy of
#: every masked field beside it at permlevel 0 (`id_number` -> `id_number_masked`), filled with
#: `mask()` on validate. The embedded runtime masks on read and has no such field.
MASKED_COMPANION_SUFFIX = "_masked"


def masked_companion(fieldname: str) -> str:
    """The fieldname of the masked copy the compiled Frappe app keeps of `fieldname`."""
    return fieldname + MASKED_COMPANION_SUFFIX
