"""A small project built from the spec models, users, and a settable clock, for runtime tests.

The project mirrors the shape of the real one (Village -> Household -> Person, a submittable
Application with child rows) so each test reads as the behaviour a clerk would notice, without
depending on the domain YAML that other engineers are still writing.
"""

from __future__ import annotations

from pathlib import Path

import argon2

from townflow.runtime.users import use_hasher
from townflow.spec.models import Choice, DocField, DocPerm, DocType, Label, Record, Role, ValidationRule
from townflow.spec.project import Project

ADMIN_PASSWORD = "admin-secret"
# Production hashes cost ~0.3 s here; the tests check behaviour, not hash strength.
use_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))


def f(fieldname: str, fieldtype: str = "Data", **kw) -> DocField:
    return DocField(fieldname=fieldname, fieldtype=fieldtype, label=Label(zh=fieldname, en=fieldname), **kw)


def choices(*values: str) -> list[Choice]:
    return [Choice(value=v, zh=v) for v in values]


def dt(name: str, fields: list[DocField], perms: list[DocPerm] | None = None, **kw) -> DocType:
    return DocType(
        name=name, module="Test", label=Label(zh=name, en=name), fields=fields, permissions=perms or [], **kw
    )


def sys_manager(**extra) -> DocPerm:
    return DocPerm(
        role="System Manager",
        read=True,
        write=True,
        create=True,
        delete=True,
        submit=True,
        cancel=True,
        amend=True,
        report=True,
        export=True,
        **extra,
    )


def build_project(root: Path) -> Project:
    village = dt(
        "Village",
        [f("village_name", reqd=True, unique=True), f("code", length=5)],
        [
            sys_manager(),
            DocPerm(role="Township Clerk", read=True, write=True, create=True),
            DocPerm(role="Township Approver", read=True),
            DocPerm(role="Village Clerk", read=True, scope="village"),
        ],
        autoname="field:village_name",
        title_field="village_name",
    )
    department = dt(
        "Department",
        [f("department_name", reqd=True)],
        [sys_manager(), DocPerm(role="All", read=True)],
        autoname="field:department_name",
    )
    household = dt(
        "Household",
        [
            f("village", "Link", options="Village", reqd=True),
            f("head_name", reqd=True),
            f("members", "Int", non_negative=True),
        ],
        [
            sys_manager(),
            DocPerm(role="Village Clerk", read=True, write=True, create=True, delete=True, scope="village"),
            DocPerm(role="Township Clerk", read=True, write=True, create=True, delete=True),
        ],
        autoname="HH-.#####",
        title_field="head_name",
        search_fields=["head_name"],
    )
    person = dt(
        "Person",
        [
            f("household", "Link", options="Household", reqd=True),
            f("village", "Link", options="Village", read_only=True, fetch_from="household.village"),
            f("full_name", reqd=True),
            f("gender", "Select", options=choices("Female", "Male"), reqd=True),
            f("age", "Int", min_value=0, max_value=150),
            f(
                "id_number",
                permlevel=1,
                unique=True,
                validator="cn_id_number",
                sensitive=True,
                mask="id_number",
            ),
            f("mobile", validator="cn_mobile", sensitive=True, mask="phone", permlevel=1),
            f("is_migrant", "Check"),
            f("registered_residence", mandatory_depends_on="doc.is_migrant"),
            f("born_on", "Date"),
            f("postcode", regex=r"\d{6}"),
        ],
        [
            sys_manager(),
            sys_manager(permlevel=1),
            DocPerm(role="Village Clerk", read=True, write=True, create=True, delete=True, scope="village"),
            DocPerm(role="Township Clerk", read=True, write=True, create=True),
            DocPerm(role="Township Clerk", permlevel=1, read=True, write=True),
        ],
        autoname="format:PER-{YYYY}-{####}",
        title_field="full_name",
    )
    item = dt("Application Item", [f("item", reqd=True), f("qty", "Int")], istable=True)
    application = dt(
        "Application",
        [
            f("household", "Link", options="Household", reqd=True),
            f("village", "Link", options="Village", fetch_from="household.village"),
            f("department", "Link", options="Department"),
            f("kind", "Select", options=choices("One-time", "Loan")),
            f("amount", "Currency", min_value=0, max_value=5000),
            f("remark", "Small Text", allow_on_submit=True),
            f("items", "Table", options="Application Item"),
        ],
        [
            sys_manager(),
            DocPerm(
                role="Village Clerk",
                read=True,
                write=True,
                create=True,
                delete=True,
                submit=True,
                scope="village",
            ),
            DocPerm(
                role="Township Approver",
                read=True,
                write=True,
                submit=True,
                cancel=True,
                amend=True,
                create=True,
            ),
            DocPerm(role="Civil Affairs Officer", read=True, write=True, scope="department"),
            DocPerm(role="Applicant", read=True, write=True, create=True, if_owner=True),
        ],
        autoname="APP-.YYYY.-.#####",
        is_submittable=True,
        rules=[
            ValidationRule(
                name="one_time_once",
                condition="doc.kind != 'One-time' or not exists('Application', household=doc.household, "
                "kind='One-time', docstatus=['!=', 2])",
                message=Label(
                    zh="一次性奖励每户只能申请一次", en="A household gets the one-time reward once"
                ),
                fields=["kind"],
            )
        ],
    )
    settings = dt("Campaign Settings", [f("loan_max", "Currency")], [sys_manager()], issingle=True)
    roles = {
        name: Role(role_name=name, label=Label(zh=name, en=name), scope=scope)
        for name, scope in [
            ("Village Clerk", "village"),
            ("Township Clerk", "township"),
            ("Township Approver", "township"),
            ("Civil Affairs Officer", "department"),
            ("Applicant", "township"),
        ]
    }
    records = [
        Record(doctype="Village", name="V1", village_name="V1", code="001"),
        Record(doctype="Village", name="V2", village_name="V2", code="002"),
        Record(doctype="Department", name="Civil", department_name="Civil"),
        Record(doctype="Campaign Settings", name="Campaign Settings", loan_max=5000),
    ]
    doctypes = {d.name: d for d in (village, department, household, person, item, application, settings)}
    return Project(root=root, doctypes=doctypes, roles=roles, records=records)


def password_of(email: str) -> str:
    """The password make_user gives `email`: it follows the password rule (rules/passwords.py)."""
    return f"Pw-2026-{len(email)}-test"


def make_user(site, email: str, roles: list[str], **permissions: list[str]) -> str:
    """A user with roles and User Permissions: make_user(site, "c@v1", ["Village Clerk"], Village=["V1"])."""
    admin = site.session("Administrator")
    admin.insert(
        {
            "doctype": "User",
            "email": email,
            "full_name": email,
            "new_password": password_of(email),
            "roles": [{"role": r} for r in roles],
        }
    )
    for allow, values in permissions.items():
        for value in values:
            admin.insert(
                {
                    "doctype": "User Permission",
                    "user": email,
                    "allow": allow.replace("_", " "),
                    "for_value": value,
                }
            )
    return email
