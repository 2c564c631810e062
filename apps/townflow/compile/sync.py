"""`townflow push` and `townflow pull`: keep a live site and the YAML spec in step over REST.

push  the spec's Workflows (with their Workflow States and Workflow Action Masters) and, as
      Custom Fields, spec fields the site's DocTypes lack — so a live site follows the spec
      without a redeploy. Sites without a Workflow DocType (the embedded runtime reads its
      workflows from the spec itself) get only the fields.
pull  Custom Fields an admin added in Frappe's Customize Form (or the embedded admin page),
      written into doctypes/<name>.yaml after their insert_after field with ruamel.yaml's
      round trip, so comments and layout survive and the YAML stays the source of truth.
      The compiled app's masked companions (`<field>_masked`, townflow.compile.masked) are
      DocFields of the app, not Custom Fields; one found as a Custom Field is still not pulled. A
      field that would record fetal sex (townflow.rules.fetal_sex) is named as refused, never
      written. The project is loaded again after writing; a file that would not load is left unchanged.

Both talk through townflow.client.FrappeClient (token auth), and fail with one clear line for
a wrong URL, a bad token, or a site that does not have the app.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from pathlib import Path
from typing import Any

from townflow.client import FrappeClient
from townflow.client import errors as client_errors
from townflow.compile.doctypes import docfield
from townflow.compile.fixtures import workflow_record
from townflow.compile.masked import masked_fields
from townflow.rules import fetal_sex
from townflow.rules.masking import masked_companion
from townflow.spec.errors import SpecErrors
from townflow.spec.models import CUSTOM_FIELD_PROPERTIES, LAYOUT_TYPES
from townflow.spec.project import Project, load_project

_CJK = re.compile(r"[\u3400-\u9fff]")
_FIELDNAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: Custom Field keys pull carries into the spec (the rest are Frappe bookkeeping).
_PULLED_KEYS = (*CUSTOM_FIELD_PROPERTIES, "fetch_from", "default")


class SyncError(Exception):
    pass


def connect(url: str, token: str, project: Project) -> FrappeClient:
    """A client that has reached the site, authenticated, and found the app's DocTypes there."""
    try:
        client = FrappeClient(url, token=token)
        client.ping()
    except client_errors.FrappeClientConfigError as exc:
        raise SyncError(f"bad --url or --token: {exc}") from None
    except client_errors.SiteUnreachableError as exc:
        raise SyncError(f"cannot reach {url}: {exc}") from None
    except client_errors.NotAFrappeSiteError as exc:
        raise SyncError(f"{url} is not a Frappe site: {exc}") from None
    except (client_errors.AuthenticationError, client_errors.PermissionError) as exc:
        raise SyncError(f"{url} refused the token: {exc}") from None  # Frappe checks it before ping
    try:
        user = client.get_logged_user()
    except client_errors.FrappeError as exc:
        raise SyncError(
            f"{url} refused the token ({exc.status if hasattr(exc, 'status') else exc})"
        ) from None
    if not user or user == "Guest":
        raise SyncError(f"{url} refused the token: the request ran as Guest")
    probe = next(iter(sorted(project.workflows) or sorted(project.doctypes)), None)
    if probe is not None:
        try:
            client.get_list(probe, fields=["name"], limit_page_length=1)
        except client_errors.DoesNotExistError:
            raise SyncError(
                f"{url} has no DocType {probe!r}: install the app first (townflow deploy)"
            ) from None
        except client_errors.PermissionError:
            raise SyncError(f"{user} may not read {probe} on {url}: use a System Manager's token") from None
    return client


def _has_doctype(client: FrappeClient, doctype: str) -> bool:
    try:
        client.get_list(doctype, fields=["name"], limit_page_length=1)
        return True
    except (client_errors.DoesNotExistError, client_errors.PermissionError):
        return False


def _upsert(client: FrappeClient, doc: dict[str, Any]) -> str:
    try:
        client.get_doc(doc["doctype"], doc["name"])
    except client_errors.DoesNotExistError:
        client.insert(doc)
        return "created"
    client.update(doc)
    return "updated"


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    drop = {"modified", "docstatus", "parent", "parentfield", "parenttype"}
    out = {k: v for k, v in record.items() if k not in drop and v is not None}
    for key, value in out.items():
        if isinstance(value, list):
            out[key] = [_clean(row) for row in value]
    return out


def push_workflows(client: FrappeClient, project: Project) -> list[str]:
    if not _has_doctype(client, "Workflow"):
        return ["the site has no Workflow DocType (an embedded runtime reads workflows from the spec)"]
    lines = []
    for name in sorted(project.workflows):
        wf = project.workflows[name]
        for state in dict.fromkeys(s.state for s in wf.states):
            with contextlib.suppress(client_errors.DuplicateEntryError):
                client.insert({"doctype": "Workflow State", "workflow_state_name": state})
        for action in dict.fromkeys(t.action for t in wf.transitions):
            with contextlib.suppress(client_errors.DuplicateEntryError):
                client.insert({"doctype": "Workflow Action Master", "workflow_action_name": action})
        lines.append(
            f"Workflow {wf.workflow_name}: {_upsert(client, _clean(workflow_record(wf, project.doctypes)))}"
        )
    return lines


def _site_fieldnames(client: FrappeClient, doctype: str) -> set[str] | None:
    try:
        meta = client.get_doc("DocType", doctype)
    except (client_errors.DoesNotExistError, client_errors.PermissionError):
        return None
    names = {f["fieldname"] for f in meta.get("fields", [])}
    customs = client.get_list(
        "Custom Field", fields=["fieldname"], filters={"dt": doctype}, limit_page_length=None
    )
    return names | {c["fieldname"] for c in customs}


def push_fields(client: FrappeClient, project: Project) -> list[str]:
    lines = []
    for name in sorted(project.doctypes):
        existing = _site_fieldnames(client, name)
        if existing is None:
            continue  # the site's DocTypes come from the spec itself (embedded runtime)
        previous = None
        for field in project.doctypes[name].fields:
            if field.fieldname not in existing:
                row = {k: v for k, v in docfield(field).items() if v not in (None, "", 0)}
                client.insert({"doctype": "Custom Field", "dt": name, "insert_after": previous, **row})
                lines.append(f"Custom Field {name}.{field.fieldname}: created")
            previous = field.fieldname
    return lines


def _label(custom: dict[str, Any]) -> dict[str, str]:
    label = custom.get("label") or custom["fieldname"].replace("_", " ").title()
    english = custom.get("label_en") or (
        label if not _CJK.search(label) else custom["fieldname"].replace("_", " ").title()
    )
    # Customize Form has one label: Chinese stays Chinese; an English-only label serves both.
    return {"zh": label, "en": english}


def spec_field(custom: dict[str, Any]) -> dict[str, Any]:
    """A Custom Field record as a spec field mapping (Select options become {value, zh} choices)."""
    out: dict[str, Any] = {"fieldname": custom["fieldname"], "fieldtype": custom["fieldtype"]}
    if custom["fieldtype"] not in LAYOUT_TYPES or custom.get("label"):
        out["label"] = _label(custom)
    options = custom.get("options")
    if custom["fieldtype"] == "Select":
        values = [v for v in (options or "").split("\n") if v.strip()]
        out["options"] = [{"value": v, "zh": v} for v in values]
    elif options:
        out["options"] = options
    for key in _PULLED_KEYS:
        value = custom.get(key)
        if value not in (None, "", 0):
            out[key] = bool(value) if key not in {"permlevel", "length", "fetch_from", "default"} else value
    return out


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the spec's style: "  - item" under a key
    return yaml


def add_fields_to_yaml(path: Path, new_fields: list[dict[str, Any]]) -> None:
    """Insert `new_fields` into the DocType file at `path`, each after its insert_after field."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    fields: CommentedSeq = data["fields"]
    for field in new_fields:
        after = field.pop("insert_after", None)
        names = [f.get("fieldname") for f in fields]
        index = names.index(after) + 1 if after in names else len(fields)
        item = CommentedMap(field)
        if field["fieldtype"] != "Select":
            item.fa.set_flow_style()
        for key in ("label",):
            if isinstance(item.get(key), dict):
                item[key] = CommentedMap(item[key])
                item[key].fa.set_flow_style()
        fields.insert(index, item)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


def pull(client: FrappeClient, project: Project) -> list[str]:
    customs = client.get_list(
        "Custom Field",
        fields=["*"],
        filters=[["dt", "in", sorted(project.doctypes)]],
        order_by="creation asc",
        limit_page_length=None,
    )
    by_doctype: dict[str, list[dict[str, Any]]] = {}
    skipped: list[str] = []
    for custom in customs:
        dt = project.doctypes[custom["dt"]]
        wf = project.workflows.get(dt.name)
        if dt.field(custom["fieldname"]) is not None or custom.get("is_system_generated"):
            continue
        if wf is not None and custom["fieldname"] == wf.workflow_state_field:
            continue  # what Frappe's Workflow adds by itself
        if custom["fieldname"] in {masked_companion(f.fieldname) for f in masked_fields(dt)}:
            continue  # the compiled app's masked copy of a sensitive field, not a spec field
        if not _FIELDNAME.match(custom["fieldname"]):
            skipped.append(
                f"skipped {dt.name}.{custom['fieldname']}: not a spec fieldname (a-z, 0-9, _); "
                "give the field an ASCII name on the site"
            )
            continue
        refusal = fetal_sex.field_problem(
            dt.name, custom["fieldname"], (custom.get("label"), custom.get("label_en")), custom.get("options")
        )
        if refusal is not None:
            skipped.append(f"refused {dt.name}.{custom['fieldname']}: {refusal.en}; delete it on the site")
            continue
        field = spec_field(custom)
        field["insert_after"] = custom.get("insert_after")
        by_doctype.setdefault(dt.name, []).append(field)
    lines = list(skipped)
    for name, new_fields in sorted(by_doctype.items()):
        path = Path(project.root) / project.where[("doctype", name)].source.file
        before = path.read_text(encoding="utf-8")
        add_fields_to_yaml(path, [dict(f) for f in new_fields])
        try:
            load_project(project.root)
        except SpecErrors as exc:
            path.write_text(before, encoding="utf-8")
            raise SyncError(f"pulled fields would make {path} invalid; left it unchanged:\n{exc}") from None
        lines.extend(f"{path}: added field {f['fieldname']}" for f in new_fields)
    return lines


def _run(args: argparse.Namespace, action) -> int:
    try:
        project = load_project(args.project)
        client = connect(args.url, args.token, project)
        lines = action(client, project)
    except SpecErrors as exc:
        print(exc, file=sys.stderr)
        return 1
    except (SyncError, client_errors.FrappeClientError) as exc:
        print(f"townflow {args.command}: {exc}", file=sys.stderr)
        return 1
    for line in lines or ["nothing to do: the site and the spec agree"]:
        print(f"townflow {args.command}: {line}")
    return 0


def run_push(args: argparse.Namespace) -> int:
    return _run(args, lambda client, project: push_workflows(client, project) + push_fields(client, project))


def run_pull(args: argparse.Namespace) -> int:
    return _run(args, pull)


def register(subparsers: argparse._SubParsersAction) -> None:
    for name, func, text in (
        ("push", run_push, "update a live site's Workflows and Custom Fields from the spec"),
        ("pull", run_pull, "write Custom Fields added on a live site back into doctypes/*.yaml"),
    ):
        p = subparsers.add_parser(name, help=text)
        p.add_argument("--url", required=True, help="the site, e.g. http://127.0.0.1:8010")
        p.add_argument("--token", required=True, help="api_key:api_secret of a System Manager")
        p.set_defaults(func=func)
