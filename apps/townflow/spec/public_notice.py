"""公示 and 年审 in the spec: a workflow state's `public_notice`, a workflow's `reconfirmation`.

    states:
      - state: Village Public Notice
        public_notice:
          posted_at: village          # or township
          window_days: 5              # working days (Chinese holidays and 调休: rules.workdays)
          fields:
            - {field: head_name, mask: name}     # 张小燕 -> 张*燕
            - {field: village}                   # mask: none (shown as it is)
            - {field: benefit_kind}
            - {field: amount}

    reconfirmation:                   # 年审 of continuing benefits
      date_field: reconfirm_due       # a Date field of the document, set when the benefit starts
      when: 'doc.benefit_kind in ["Low-income Relief", "Pension Increase"]'
      states: [Disbursed, Granted]    # the states a running benefit is in
      every_months: 12
      task_doctype: Benefit Reconfirmation
      stopped_state: Stopped          # where a lapsed benefit goes

These models import nothing from `townflow.spec.models` (which imports them); the checks that need
the project (fields exist, states exist, no unmasked personal data) are `check_public_notice` and
`check_reconfirmation`, called from `townflow.spec.workflow_checks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from townflow.spec.checks import Checker
    from townflow.spec.project import Where

#: How a public field is shown on the notice (rules.public_notice.mask_public):
#: `none` as stored, `name` the middle character(s) hidden (张小燕 -> 张*燕, 张燕 -> 张*),
#: `surname` only the first character kept (张**), `phone` / `id_number` / `full` as in
#: rules.masking.
PublicMask = Literal["none", "name", "surname", "phone", "id_number", "full"]
PostedAt = Literal["village", "township"]
#: Field types a notice may show: text, numbers, dates and choices (no attachments or tables).
PUBLIC_FIELD_TYPES = frozenset(
    {"Data", "Link", "Select", "Int", "Float", "Currency", "Date", "Small Text", "Read Only", "Check"}
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PublicField(_Model):
    field: Annotated[str, Field(min_length=1)]
    mask: PublicMask = "none"


class PublicNotice(_Model):
    """公示: while a document is in this state it is posted publicly for `window_days` working
    days; the step cannot complete before the window ends or while an objection is unsettled."""

    posted_at: PostedAt
    window_days: Annotated[int, Field(gt=0, le=60)]
    fields: Annotated[list[PublicField], Field(min_length=1)]
    #: an upheld objection sends the document here ("return"; default: the workflow's
    #: applicant_state) or to `reject_to` ("reject")
    return_to: str | None = None
    reject_to: str = "Rejected"

    @field_validator("fields")
    @classmethod
    def _unique(cls, value: list[PublicField]) -> list[PublicField]:
        seen: set[str] = set()
        for f in value:
            if f.field in seen:
                raise ValueError(f"field {f.field!r} is listed twice")
            seen.add(f.field)
        return value


class Reconfirmation(_Model):
    """年审: a continuing benefit is confirmed again every `every_months` months."""

    date_field: Annotated[str, Field(min_length=1)]
    when: str | None = None
    states: Annotated[list[str], Field(min_length=1)]
    every_months: Annotated[int, Field(gt=0, le=60)] = 12
    task_doctype: Annotated[str, Field(min_length=1)]
    stopped_state: Annotated[str, Field(min_length=1)]


# --- checks against the project ---------------------------------------------------------------


def check_public_notice(c: Checker, wf, where: Where, doctype, index: int, notice: PublicNotice) -> None:
    at = ("states", index, "public_notice")
    names = [s.state for s in wf.states]
    if wf.states[index].step is None:
        c.add(where, at, "a public notice needs a step (who completes it once the window ends)")
    target = notice.return_to or wf.applicant_state
    if target is None:
        c.add(where, (*at, "return_to"), "give return_to (or the workflow's applicant_state)")
    elif target not in names:
        c.add(where, (*at, "return_to"), f"return_to {target!r} is not a state of this workflow")
    if notice.reject_to not in names:
        c.add(where, (*at, "reject_to"), f"reject_to {notice.reject_to!r} is not a state of this workflow")
    if doctype is None:
        return
    for n, public in enumerate(notice.fields):
        found = doctype.field(public.field)
        path = (*at, "fields", n, "field")
        if found is None:
            c.add(where, path, f"{doctype.name} has no field {public.field!r}")
            continue
        if found.fieldtype not in PUBLIC_FIELD_TYPES:
            c.add(
                where,
                path,
                f"{public.field!r} is a {found.fieldtype} field: a notice shows text, numbers or dates",
            )
        if public.mask == "none" and (found.sensitive or found.permlevel > 0):
            c.add(
                where,
                (*at, "fields", n, "mask"),
                f"{public.field!r} is personal data (sensitive or permlevel {found.permlevel}): "
                "give it a mask",
            )


def check_reconfirmation(c: Checker, wf, where: Where, doctype) -> None:
    spec = wf.reconfirmation
    if spec is None:
        return
    at = ("reconfirmation",)
    names = [s.state for s in wf.states]
    for n, state in enumerate(spec.states):
        if state not in names:
            c.add(where, (*at, "states", n), f"{state!r} is not a state of this workflow")
    if spec.stopped_state not in names:
        c.add(where, (*at, "stopped_state"), f"{spec.stopped_state!r} is not a state of this workflow")
    if not c.known_doctype(spec.task_doctype):
        c.add(where, (*at, "task_doctype"), f"{spec.task_doctype!r} is not a declared DocType")
    if doctype is not None:
        found = doctype.field(spec.date_field)
        if found is None or found.fieldtype != "Date":
            c.add(where, (*at, "date_field"), f"{spec.date_field!r} is not a Date field of {doctype.name}")
        c.expression(where, (*at, "when"), spec.when, doctype)
