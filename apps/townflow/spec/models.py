"""The spec language: pydantic models for DocTypes, Workflows and fixtures.

Names follow Frappe's own (DocType, DocField, DocPerm, Workflow, Workflow Document State,
Workflow Transition) so a Frappe developer reads the YAML as Frappe JSON with labels in two
languages. What Frappe lacks (countersign, return, withdraw, delegate, CC, due times, scope,
masking, validators) is added beside Frappe's keys, never instead of them.

Every model forbids unknown keys: a typo in YAML is an error at its file:line, not a silent no-op.
"""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from townflow.spec.public_notice import PublicNotice, Reconfirmation

# Frappe v15 DocField.fieldtype options (frappe/core/doctype/docfield/docfield.json).
FieldType = Literal[
    "Autocomplete",
    "Attach",
    "Attach Image",
    "Barcode",
    "Button",
    "Check",
    "Code",
    "Color",
    "Column Break",
    "Currency",
    "Data",
    "Date",
    "Datetime",
    "Duration",
    "Dynamic Link",
    "Float",
    "Fold",
    "Geolocation",
    "Heading",
    "HTML",
    "HTML Editor",
    "Icon",
    "Image",
    "Int",
    "JSON",
    "Link",
    "Long Text",
    "Markdown Editor",
    "Password",
    "Percent",
    "Phone",
    "Read Only",
    "Rating",
    "Section Break",
    "Select",
    "Signature",
    "Small Text",
    "Tab Break",
    "Table",
    "Table MultiSelect",
    "Text",
    "Text Editor",
    "Time",
]

LAYOUT_TYPES = frozenset({"Section Break", "Column Break", "Tab Break", "Fold", "Heading", "HTML", "Button"})
TABLE_TYPES = frozenset({"Table", "Table MultiSelect"})
LINK_TYPES = frozenset({"Link"}) | TABLE_TYPES
NUMERIC_TYPES = frozenset({"Int", "Float", "Currency", "Percent", "Rating", "Duration"})
TEXT_TYPES = frozenset(
    {
        "Data",
        "Small Text",
        "Text",
        "Long Text",
        "Text Editor",
        "Markdown Editor",
        "HTML Editor",
        "Code",
        "Phone",
    }
)
#: Field types that hold no value and get no database column.
NO_VALUE_TYPES = LAYOUT_TYPES | TABLE_TYPES

#: Named validators a field may ask for (implemented in townflow.rules.validators).
Validator = Literal["cn_id_number", "cn_mobile"]
#: How a sensitive value is shown to a role that may not read it in full.
MaskStyle = Literal["id_number", "phone", "full"]
#: Who sees which records: township-wide, or only records whose Link to Village / Department /
#: Designated Facility matches the user's User Permissions (as Frappe's user permissions do).
Scope = Literal["township", "village", "department", "facility"]
SCOPE_DOCTYPE: dict[str, str] = {
    "village": "Village",
    "department": "Department",
    "facility": "Designated Facility",
}

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_DOCTYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9 ]*[A-Za-z0-9]$")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


class Label(Model):
    """Every label is bilingual: Chinese first, English beside it."""

    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


class Choice(Model):
    """One option of a Select field: the stored value (English, as Frappe stores it) and its Chinese label."""

    value: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]


#: DocField properties holding an expression (Frappe's `depends_on` family): each must parse, and
#: each becomes `eval:<js>` in the compiled app.
EXPRESSION_PROPERTIES = ("depends_on", "mandatory_depends_on", "read_only_depends_on")
#: Frappe Custom Field properties that are DocField properties of the same name and meaning,
#: in Custom Field's order: what a field added on a live site keeps when it becomes spec.
CUSTOM_FIELD_PROPERTIES = (
    "reqd",
    "unique",
    "hidden",
    "read_only",
    "permlevel",
    "in_list_view",
    "in_standard_filter",
    "search_index",
    "allow_on_submit",
    "non_negative",
    "length",
)
#: The checks among them (0/1 in Frappe, booleans in the spec); permlevel and length are numbers.
CUSTOM_FIELD_CHECKS = tuple(key for key in CUSTOM_FIELD_PROPERTIES if key not in ("permlevel", "length"))


class DocField(Model):
    fieldname: str
    fieldtype: FieldType
    label: Label | None = None
    options: str | list[Choice] | None = None
    reqd: bool = False
    default: str | int | float | bool | None = None
    unique: bool = False
    read_only: bool = False
    hidden: bool = False
    permlevel: Annotated[int, Field(ge=0, le=9)] = 0
    fetch_from: str | None = None
    fetch_if_empty: bool = False
    depends_on: str | None = None
    mandatory_depends_on: str | None = None
    read_only_depends_on: str | None = None
    in_list_view: bool = False
    in_standard_filter: bool = False
    search_index: bool = False
    allow_on_submit: bool = False
    no_copy: bool = False
    bold: bool = False
    collapsible: bool = False
    print_hide: bool = False
    description: Label | None = None
    length: Annotated[int, Field(ge=0)] = 0
    precision: Annotated[int, Field(ge=0, le=9)] | None = None
    non_negative: bool = False
    # Validation Frappe expresses in code; here it is declared.
    min_value: float | None = None
    max_value: float | None = None
    regex: str | None = None
    validator: Validator | None = None
    # Shown masked to roles without read access at this field's permlevel; reads are audited.
    sensitive: bool = False
    mask: MaskStyle | None = None

    @field_validator("fieldname")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not _IDENT.match(v) or keyword.iskeyword(v):
            raise ValueError(f"fieldname {v!r} must be a lower-case Python identifier (a-z, 0-9, _)")
        return v

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> DocField:
        t = self.fieldtype
        if t not in LAYOUT_TYPES and self.label is None:
            raise ValueError(f"field {self.fieldname!r} of type {t} needs a label with zh and en")
        if t == "Select" and not isinstance(self.options, list):
            raise ValueError(f"Select field {self.fieldname!r} needs options as a list of {{value, zh}}")
        if t in LINK_TYPES | {"Dynamic Link"} and not isinstance(self.options, str):
            raise ValueError(f"{t} field {self.fieldname!r} needs options naming the target DocType")
        takes_options = {"Select", "Link", "Dynamic Link", "Currency"} | TABLE_TYPES
        text_options = t in {"Data", "Code", "Text Editor"} and isinstance(self.options, str)
        if t not in takes_options and self.options is not None and not text_options:
            raise ValueError(f"field {self.fieldname!r} of type {t} takes no options")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"field {self.fieldname!r}: min_value is greater than max_value")
        if (self.min_value is not None or self.max_value is not None) and t not in NUMERIC_TYPES:
            raise ValueError(f"min_value/max_value apply to numeric fields, not {t}")
        if t in NO_VALUE_TYPES and (self.reqd or self.unique or self.default is not None):
            raise ValueError(
                f"{t} field {self.fieldname!r} holds no value: reqd, unique and default do not apply"
            )
        if self.mask is not None and not self.sensitive:
            raise ValueError(f"field {self.fieldname!r} has a mask but is not marked sensitive")
        return self

    @property
    def choices(self) -> list[Choice]:
        return self.options if isinstance(self.options, list) else []

    @property
    def has_value(self) -> bool:
        return self.fieldtype not in NO_VALUE_TYPES


#: Frappe's permission types, each a flag of DocPerm, in the order Frappe's docperm.json has them.
PERMISSION_TYPES = (
    "select",
    "read",
    "write",
    "create",
    "delete",
    "submit",
    "cancel",
    "amend",
    "report",
    "export",
    "print",
    "email",
    "share",
)


class DocPerm(Model):
    """One row of Frappe's DocPerm, plus the scope of records the role reaches.

    `workflow_states`, when given, narrows the row further: it reaches only records whose
    workflow state is one of these (a Facility Officer sees a certificate once it is Issued,
    never the application in progress). The DocType must have a workflow naming every state.
    Frappe's DocPerm cannot say this; the embedded runtime folds it into the row's record
    condition and the compiled app generates permission_query_conditions / has_permission hooks
    for it. A user holding another row on the DocType without `workflow_states` is not narrowed.
    """

    role: str
    permlevel: Annotated[int, Field(ge=0, le=9)] = 0
    if_owner: bool = False
    select: bool = False
    read: bool = False
    write: bool = False
    create: bool = False
    delete: bool = False
    submit: bool = False
    cancel: bool = False
    amend: bool = False
    report: bool = False
    export: bool = False
    print: bool = False
    email: bool = False
    share: bool = False
    scope: Scope = "township"
    #: this row reaches only records in these workflow states (None: every state)
    workflow_states: list[str] | None = None


class ValidationRule(Model):
    """A document-level rule that must hold on save: `condition` is an expression that must be true.

    Expressions may call registry look-ups (`exists`, `count`) that each runtime provides.
    """

    name: str
    condition: str
    message: Label
    fields: list[str] = Field(default_factory=list)
    when: str | None = None


class DocType(Model):
    name: str
    module: str
    label: Label
    description: Label | None = None
    autoname: str | None = None
    is_submittable: bool = False
    istable: bool = False
    issingle: bool = False
    is_tree: bool = False
    track_changes: bool = True
    title_field: str | None = None
    search_fields: list[str] = Field(default_factory=list)
    sort_field: str = "modified"
    sort_order: Literal["ASC", "DESC"] = "DESC"
    fields: list[DocField]
    permissions: list[DocPerm] = Field(default_factory=list)
    rules: list[ValidationRule] = Field(default_factory=list)
    #: extra indexes (each a list of fieldnames) for what lists and inboxes filter on
    indexes: list[list[str]] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _doctype_name(cls, v: str) -> str:
        if not _DOCTYPE_NAME.match(v):
            raise ValueError(f"DocType name {v!r} must be Title Case words (letters, digits, spaces)")
        return v

    @model_validator(mode="after")
    def _shape(self) -> DocType:
        if self.istable and (self.permissions or self.is_submittable):
            raise ValueError(f"child table {self.name!r} takes its permissions from its parent")
        if self.issingle and self.is_submittable:
            raise ValueError(f"single DocType {self.name!r} cannot be submittable")
        return self

    def field(self, fieldname: str) -> DocField | None:
        return next((f for f in self.fields if f.fieldname == fieldname), None)

    @property
    def data_fields(self) -> list[DocField]:
        return [f for f in self.fields if f.has_value]


# --- Workflows ----------------------------------------------------------------------------

OverdueAction = Literal["remind", "escalate"]
#: `stop`: a finished benefit is stopped (停发, 年审): it may happen, but nobody owes it work
TransitionKind = Literal["submit", "approve", "reject", "resubmit", "issue", "close", "other", "stop"]


class Step(Model):
    """How approvers work a state (what Frappe lacks).

    mode `any` (或签): one approval moves the document on. mode `all` (会签): every approver
    resolved by role and scope must approve; one rejection ends the step.
    """

    mode: Literal["any", "all"] = "any"
    assignee_role: str | None = None
    due_hours: Annotated[int, Field(gt=0)] | None = None
    #: a Campaign Settings Int field whose value (hours) is this step's time limit; it wins over
    #: `due_hours` (the fallback when the setting is empty), so an administrator changes the limit
    due_hours_setting: str | None = None
    #: a Date field of the document: the step is due at the end of that day (a rectification
    #: deadline); wins over both when the document has a value
    due_date_field: str | None = None
    #: a time limit in days instead of hours, counted as calendar days or as working days
    #: (Chinese public holidays and 调休 make-up days: townflow.rules.workdays)
    due_days: Annotated[int, Field(gt=0)] | None = None
    due_day_kind: Literal["calendar", "working"] = "calendar"
    on_overdue: list[OverdueAction] = Field(default_factory=list)
    escalate_to: str | None = None
    allow_return: bool = True
    allow_delegate: bool = True
    cc: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _escalation(self) -> Step:
        if "escalate" in self.on_overdue and not self.escalate_to:
            raise ValueError("on_overdue escalate needs escalate_to (a role)")
        if self.due_hours is not None and self.due_days is not None:
            raise ValueError("give due_hours or due_days, not both")
        limits = (self.due_hours, self.due_days, self.due_hours_setting, self.due_date_field)
        if self.on_overdue and all(v is None for v in limits):
            raise ValueError("on_overdue needs due_hours, due_days, due_hours_setting or due_date_field")
        return self


class WorkflowState(Model):
    """Frappe's Workflow Document State, plus the step rules."""

    state: str
    label: Label
    doc_status: Literal[0, 1, 2] = 0
    allow_edit: str
    update_field: str | None = None
    update_value: str | None = None
    style: Literal["", "Primary", "Info", "Success", "Warning", "Danger", "Inverse"] = ""
    is_optional_state: bool = False
    step: Step | None = None
    #: 公示: posted publicly while the document is here (townflow.spec.public_notice)
    public_notice: PublicNotice | None = None


class WorkflowTransition(Model):
    """Frappe's Workflow Transition, plus its kind and whether a comment is required."""

    state: str
    action: str
    next_state: str
    allowed: str
    allow_self_approval: bool = True
    condition: str | None = None
    kind: TransitionKind = "approve"
    comment_required: bool = False

    @model_validator(mode="after")
    def _reject_needs_comment(self) -> WorkflowTransition:
        if self.kind == "reject":
            self.comment_required = True
        return self


class ActionLabel(Model):
    action: str
    label: Label


class Withdraw(Model):
    """撤回: the applicant may pull the document back to `to_state` until the next step acts."""

    enabled: bool = True
    to_state: str


class Workflow(Model):
    workflow_name: str
    document_type: str
    is_active: bool = True
    workflow_state_field: str = "workflow_state"
    send_email_alert: bool = False
    override_status: bool = False
    states: list[WorkflowState]
    transitions: list[WorkflowTransition]
    actions: list[ActionLabel] = Field(default_factory=list)
    #: where 退回 to the applicant lands (usually the first state)
    applicant_state: str | None = None
    withdraw: Withdraw | None = None
    #: 年审 of continuing benefits (townflow.spec.public_notice)
    reconfirmation: Reconfirmation | None = None

    def state(self, name: str) -> WorkflowState | None:
        return next((s for s in self.states if s.state == name), None)

    @property
    def initial_state(self) -> WorkflowState:
        return self.states[0]


# --- Fixtures -----------------------------------------------------------------------------


class Role(Model):
    role_name: str
    label: Label
    desk_access: bool = True
    #: the scope doctype a holder of this role is bound to by User Permissions, if any
    scope: Scope = "township"


class Record(Model):
    """A fixture record: a document of a DocType declared in doctypes/."""

    model_config = ConfigDict(extra="allow")
    doctype: str
    name: str | None = None


class Fixtures(Model):
    roles: list[Role] = Field(default_factory=list)
    records: list[Record] = Field(default_factory=list)
