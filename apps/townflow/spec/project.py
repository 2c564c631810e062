"""The project: every DocType, Workflow, Role and fixture record of one folder, checked as a whole.

`load_project(root)` reads `doctypes/*.yaml` (one DocType each), `workflows/*.yaml` (one
Workflow each) and `fixtures/*.yaml` (each `roles:` and/or `records:`), validates each file
against the models, then runs the whole-project checks of `townflow.spec.checks`. It returns a
`Project` only when nothing is wrong; otherwise it raises `SpecErrors` with every error found,
so both runtimes and the compiler can trust a `Project` completely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from townflow.spec.checks import SETTINGS_DOCTYPE, check_project
from townflow.spec.errors import SpecError, SpecErrors
from townflow.spec.loader import Path_, Source, read_yaml, validate
from townflow.spec.models import DocType, Record, Role, Workflow
from townflow.spec.reports import Dashboard, DashboardChart, NumberCard, Report

M = TypeVar("M", DocType, Workflow)

FOLDERS = ("doctypes", "workflows", "fixtures", "reports")
BROKEN_KINDS = {
    "doctypes": ("doctype",),
    "workflows": ("workflow",),
    "fixtures": ("role", "records"),
    "reports": ("report", "dashboard"),
}


@dataclass(frozen=True)
class Where:
    """Where a model was written: its file and the key path of its mapping in that file."""

    source: Source
    path: tuple[str | int, ...] = ()

    def error(
        self, subpath: Path_, message: str, *, at_key: bool = False, offset: int | None = None
    ) -> SpecError:
        return self.source.error((*self.path, *subpath), message, at_key=at_key, offset=offset)


@dataclass
class Project:
    """A loaded, checked spec. Lookups by name; `where` remembers the file:line of each model."""

    root: Path
    doctypes: dict[str, DocType] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    #: reports/*.yaml: reports by report_name, dashboards by dashboard_name
    reports: dict[str, Report] = field(default_factory=dict)
    dashboards: dict[str, Dashboard] = field(default_factory=dict)
    #: ("doctype", name) / ("workflow", document_type) / ("role", name) / ("record", index) -> Where
    where: dict[tuple[str, Any], Where] = field(default_factory=dict, repr=False)
    #: names declared in files that failed to validate: references to them are not errors twice
    broken: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def is_broken(self, kind: str, name: str) -> bool:
        """True when `name` may have been declared in a file that failed: do not report it missing."""
        return (kind, name) in self.broken or (kind, "*") in self.broken

    def doctype(self, name: str) -> DocType:
        try:
            return self.doctypes[name]
        except KeyError:
            raise KeyError(f"no DocType named {name!r} in {self.root}") from None

    def workflow_for(self, doctype: str) -> Workflow | None:
        return self.workflows.get(doctype)

    def records_of(self, doctype: str) -> list[Record]:
        return [r for r in self.records if r.doctype == doctype]

    @property
    def number_cards(self) -> dict[str, NumberCard]:
        """Every dashboard's number cards by name."""
        return {c.name: c for d in self.dashboards.values() for c in d.number_cards}

    @property
    def charts(self) -> dict[str, DashboardChart]:
        """Every dashboard's charts by name."""
        return {c.name: c for d in self.dashboards.values() for c in d.charts}

    def reports_for(self, roles) -> list[Report]:
        """The reports a holder of `roles` may run (by the report's roles; DocPerms come on top)."""
        held = set(roles)
        return [r for r in self.reports.values() if "Administrator" in held or held & set(r.roles)]

    @property
    def settings(self) -> dict[str, Any]:
        """The field values of the `Campaign Settings` single record ({} when there is none)."""
        record = next(iter(self.records_of(SETTINGS_DOCTYPE)), None)
        return dict(record.model_extra or {}) if record is not None else {}


def _files(root: Path, folder: str) -> list[Path]:
    return sorted((root / folder).glob("*.yaml"))


def _display(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _raw_name(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def snake_name(name: str) -> str:
    """Frappe's `scrub`: `Pregnancy Record` -> `pregnancy_record` (file and module names)."""
    return name.replace(" ", "_").replace("-", "_").lower()


def _check_file_name(source: Source, path: Path_, folder: str, name: str, errors: list[SpecError]) -> None:
    """`doctypes/<snake_name>.yaml`: one place to look for a DocType, and the name Frappe gives it."""
    expected = f"{folder}/{snake_name(name)}.yaml"
    if source.file != expected and source.file.startswith(f"{folder}/"):
        errors.append(source.error(path, f"{name!r} belongs in {expected} (the file is named after it)"))


def _validated_one(
    project: Project, model: type[M], kind: str, key: str, data: Any, source: Source, errors: list[SpecError]
) -> M | None:
    """The one `model` a doctypes/ or workflows/ file holds, or None after recording why not.

    An empty or invalid file marks its object (named by `key` when the raw data has it) broken,
    so the checks that follow do not pile further errors onto a name that never loaded.
    """
    if data is None:
        project.broken.add((kind, "*"))
        errors.append(source.error((), f"the file is empty: a {kind}s/ file holds one {model.__name__}"))
        return None
    loaded, found = validate(model, data, source)
    errors.extend(found)
    if loaded is None:
        project.broken.add((kind, _raw_name(data, key) or "*"))
    return loaded


def _load_doctype(project: Project, data: Any, source: Source, errors: list[SpecError]) -> None:
    doctype = _validated_one(project, DocType, "doctype", "name", data, source, errors)
    if doctype is None:
        return
    if doctype.name in project.doctypes:
        first = project.where[("doctype", doctype.name)].source.file
        errors.append(source.error(("name",), f"DocType {doctype.name!r} is already declared in {first}"))
        return
    project.doctypes[doctype.name] = doctype
    project.where[("doctype", doctype.name)] = Where(source)
    _check_file_name(source, ("name",), "doctypes", doctype.name, errors)


def _load_workflow(project: Project, data: Any, source: Source, errors: list[SpecError]) -> None:
    workflow = _validated_one(project, Workflow, "workflow", "document_type", data, source, errors)
    if workflow is None:
        return
    if workflow.document_type in project.workflows:
        first = project.where[("workflow", workflow.document_type)].source.file
        errors.append(
            source.error(("document_type",), f"{workflow.document_type!r} already has a workflow in {first}")
        )
        return
    project.workflows[workflow.document_type] = workflow
    project.where[("workflow", workflow.document_type)] = Where(source)
    if workflow.document_type in project.doctypes:  # else the name is the error, not the file
        _check_file_name(source, ("document_type",), "workflows", workflow.document_type, errors)


def _load_fixtures(project: Project, data: Any, source: Source, errors: list[SpecError]) -> None:
    """Validated item by item, so one bad record does not hide every role and record beside it."""
    if data is None:
        return
    if not isinstance(data, dict):
        errors.append(source.error((), "a fixtures file is a mapping with roles: and/or records:"))
        return
    for key in data:
        if key not in ("roles", "records"):
            errors.append(
                source.error((key,), "unknown key (a fixtures file has roles: and records:)", at_key=True)
            )
    for key, model in (("roles", Role), ("records", Record)):
        items = data.get(key) or []
        if not isinstance(items, list):
            errors.append(source.error((key,), f"{key} must be a list"))
            continue
        for index, item in enumerate(items):
            obj, found = validate(model, item, source, (key, index))
            errors.extend(found)
            if obj is None:
                if key == "roles" and (name := _raw_name(item, "role_name")):
                    project.broken.add(("role", name))
                if key == "records" and (name := _raw_name(item, "doctype")):
                    project.broken.add(("records", name))
            elif isinstance(obj, Role):
                if obj.role_name in project.roles:
                    first = project.where[("role", obj.role_name)].source.file
                    errors.append(
                        source.error(
                            (key, index, "role_name"),
                            f"role {obj.role_name!r} is already declared in {first}",
                        )
                    )
                    continue
                project.roles[obj.role_name] = obj
                project.where[("role", obj.role_name)] = Where(source, (key, index))
            else:
                project.where[("record", len(project.records))] = Where(source, (key, index))
                project.records.append(obj)


def _load_report(project: Project, data: Any, source: Source, errors: list[SpecError]) -> None:
    """A reports/ file holds one Report (report_name:) or one Dashboard (dashboard_name:)."""
    is_dashboard = isinstance(data, dict) and "dashboard_name" in data
    kind, model, key = (
        ("dashboard", Dashboard, "dashboard_name") if is_dashboard else ("report", Report, "report_name")
    )
    if data is None:
        project.broken.update({("report", "*"), ("dashboard", "*")})
        errors.append(source.error((), "the file is empty: a reports/ file holds one Report or Dashboard"))
        return
    loaded, found = validate(model, data, source)
    errors.extend(found)
    if loaded is None:
        project.broken.add((kind, _raw_name(data, key) or "*"))
        return
    name = getattr(loaded, key)
    registry = project.dashboards if is_dashboard else project.reports
    if name in registry:
        first = project.where[(kind, name)].source.file
        errors.append(source.error((key,), f"{kind} {name!r} is already declared in {first}"))
        return
    registry[name] = loaded
    project.where[(kind, name)] = Where(source)
    _check_file_name(source, (key,), "reports", name, errors)


def load_project(root: str | Path = ".") -> Project:
    """Load and check the spec under `root`; raise `SpecErrors` listing every problem found."""
    root = Path(root)
    project = Project(root=root)
    errors: list[SpecError] = []
    if not any((root / folder).is_dir() for folder in FOLDERS):
        raise SpecErrors(
            [
                SpecError(
                    str(root),
                    0,
                    0,
                    "",
                    "no doctypes/, workflows/ or fixtures/ folder here (is --project right?)",
                )
            ]
        )
    readers = {
        "doctypes": _load_doctype,
        "workflows": _load_workflow,
        "fixtures": _load_fixtures,
        "reports": _load_report,
    }
    for folder, read_into in readers.items():
        for path in sorted((root / folder).glob("*.yml")):
            errors.append(SpecError(_display(root, path), 0, 0, "", "spec files end in .yaml; rename it"))
        for path in _files(root, folder):
            data, source, found = read_yaml(path, _display(root, path))
            errors.extend(found)
            if data is not None or not found:
                read_into(project, data, source, errors)
            else:  # unreadable: any name it declared may be the one a reference means
                project.broken.update((kind, "*") for kind in BROKEN_KINDS[folder])
    errors.extend(check_project(project))
    if errors:
        raise SpecErrors(errors)
    return project
