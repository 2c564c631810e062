"""Merging a site's customizations into doctypes/*.yaml, keeping the files' comments and layout.

`townflow customizations export --into-spec` calls `merge_into_spec(project_root, collected)`.
The YAML is edited line by line, not re-dumped, so everything the merge does not touch stays
byte-identical:
- a Custom Field becomes one flow-style entry `  - {fieldname: ..., fieldtype: ..., label: {zh, en}}`
  inserted after the entry of its `insert_after` field (or at the end of `fields:`); a field the
  file already has is left alone;
- a DocField Property Setter rewrites the entry of that field as one flow-style line with the
  property changed (`label` is the zh half of `label: {zh, en}`, townflow's `label_en` the en
  half; other entries keep their layout); a DocType Property Setter replaces or adds
  the top-level `key: value` line.
Afterwards the whole project is loaded again; if it no longer checks, every file is restored and
the errors are returned, so a merge never leaves a broken spec behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from townflow.runtime.customize import snake
from townflow.runtime.meta import _BOOL_PROPERTIES, _INT_PROPERTIES
from townflow.spec.models import CUSTOM_FIELD_CHECKS

_ENTRY = re.compile(r"^  - ")
_TOP_KEY = re.compile(r"^([a-z_]+):")


def _flow(value) -> str:
    return yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=100_000, sort_keys=False
    ).strip()


def _fields_block(lines: list[str]) -> tuple[int, int]:
    """(first entry line, end) of the top-level `fields:` list."""
    start = next(i for i, line in enumerate(lines) if line.rstrip() == "fields:") + 1
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "#"))):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _entries(lines: list[str], start: int, end: int) -> list[tuple[int, int, dict]]:
    """(first line, end line, parsed mapping) of each `  - ` entry in the fields block."""
    starts = [i for i in range(start, end) if _ENTRY.match(lines[i])]
    out = []
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else end
        text = "".join(lines[first:last])
        parsed = yaml.safe_load(text)
        out.append((first, last, parsed[0] if isinstance(parsed, list) and parsed else {}))
    return out


def _custom_field_entry(row: dict) -> dict:
    entry: dict = {"fieldname": row["fieldname"], "fieldtype": row.get("fieldtype") or "Data"}
    label = row.get("label") or row["fieldname"]
    entry["label"] = {"zh": label, "en": row.get("label_en") or label}
    options = row.get("options")
    if entry["fieldtype"] == "Select" and options:
        entry["options"] = [
            {"value": v.strip(), "zh": v.strip()} for v in str(options).splitlines() if v.strip()
        ]
    elif options:
        entry["options"] = options
    for key in CUSTOM_FIELD_CHECKS:  # every check the runtime honours (townflow.runtime.meta)
        if row.get(key):
            entry[key] = True
    for key in ("default", "depends_on", "mandatory_depends_on", "fetch_from"):
        if row.get(key) not in (None, ""):
            entry[key] = row[key]
    for key in ("permlevel", "length"):
        if row.get(key):
            entry[key] = int(row[key])
    return entry


def _property_value(prop: str, value, current):
    if prop in _BOOL_PROPERTIES:
        return str(value).strip() not in ("", "0", "false", "False", "None")
    if prop in _INT_PROPERTIES:
        return int(value or 0)
    if prop == "label":
        en = current.get("en") if isinstance(current, dict) else value
        return {"zh": value, "en": en or value}
    if prop == "options" and isinstance(current, list):
        known = {c.get("value"): c for c in current}
        return [
            known.get(v.strip(), {"value": v.strip(), "zh": v.strip()})
            for v in str(value).splitlines()
            if v.strip()
        ]
    return value


def merge_doctype(path: Path, entry: dict) -> list[str]:
    """Apply one DocType's customizations to its YAML file; returns what was done."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    done: list[str] = []
    for row in entry.get("custom_fields", []):
        start, end = _fields_block(lines)
        entries = _entries(lines, start, end)
        if any(e[2].get("fieldname") == row["fieldname"] for e in entries):
            continue
        after = next((e for e in entries if e[2].get("fieldname") == row.get("insert_after")), None)
        at = after[1] if after else end
        lines.insert(at, f"  - {_flow(_custom_field_entry(row))}\n")
        done.append(f"{entry['doctype']}: added field {row['fieldname']}")
    for row in entry.get("property_setters", []):
        prop, value = row["property"], row.get("value")
        if row.get("field_name") and row.get("doctype_or_field", "DocField") == "DocField":
            start, end = _fields_block(lines)
            match = next(
                (e for e in _entries(lines, start, end) if e[2].get("fieldname") == row["field_name"]), None
            )
            if match is None:
                continue
            first, last, mapping = match
            if prop == "label_en":  # the English half of the entry's bilingual label
                label = mapping.get("label")
                zh = label.get("zh") if isinstance(label, dict) else (label or row["field_name"])
                mapping["label"] = {"zh": zh, "en": value or zh}
            else:
                mapping[prop] = _property_value(prop, value, mapping.get(prop))
            lines[first:last] = [f"  - {_flow(mapping)}\n"]
            done.append(f"{entry['doctype']}: {row['field_name']}.{prop} = {value}")
        else:
            new_line = f"{prop}: {_flow(_property_value(prop, value, None))}\n"
            index = next(
                (i for i, line in enumerate(lines) if (m := _TOP_KEY.match(line)) and m.group(1) == prop),
                None,
            )
            if index is None:
                index = next(i for i, line in enumerate(lines) if line.rstrip() == "fields:")
                lines.insert(index, new_line)
            else:
                lines[index] = new_line
            done.append(f"{entry['doctype']}: {prop} = {value}")
    path.write_text("".join(lines), encoding="utf-8")
    return done


def merge_into_spec(root: str | Path, collected: dict[str, dict]) -> tuple[list[str], list[str]]:
    """Merge every DocType's customizations; returns (what was done, errors). On errors the files
    are restored."""
    from townflow.spec import load_project
    from townflow.spec.errors import SpecErrors

    root = Path(root)
    originals: dict[Path, str] = {}
    done: list[str] = []
    for doctype, entry in sorted(collected.items()):
        path = root / "doctypes" / f"{snake(doctype)}.yaml"
        if not path.exists():
            continue
        originals[path] = path.read_text(encoding="utf-8")
        done += merge_doctype(path, entry)
    try:
        load_project(root)
    except SpecErrors as errors:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        return [], [str(errors)]
    return done, []
