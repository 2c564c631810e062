"""H1: a refused Link tells nothing about the record it names (issue 12, point 1).

A village clerk names another village's person (household, pregnancy record, ...) in a form she
may create. The link is refused; the rules that read that record, and the values fetched from it,
must not run, so the answer is the same for every record of the other village as for a name that
does not exist at all: no gender, no ongoing pregnancy, no earlier application, no retirement.

The walk is generic: every DocType a Village Clerk may create, every Link field on it that a rule
reads or a fetch_from follows, every record of that Link's DocType in another village.
"""

from __future__ import annotations

import json
import re

import pytest

from townflow.expr import parse

from .conftest import CLERK, OTHER_CLERK, api_login, exc_type, village_of

NO_SUCH = "NO-SUCH-RECORD-0001"
_SYSTEM = {"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "doctype"}


def _rules_reading(doctype, fieldname: str) -> list:
    found = []
    for rule in doctype.rules:
        used = set(rule.fields or ())
        for source in (rule.when, rule.condition):
            if source:
                used |= parse(source).fields_used
        if fieldname in used:
            found.append(rule)
    return found


def _cases(site) -> list[tuple[str, str, str]]:
    cases = []
    for meta in site.metas.all():
        if meta.istable or meta.issingle:
            continue
        if not any(p.role == "Village Clerk" and p.create for p in meta.doctype.permissions):
            continue
        fetch_sources = {(f.fetch_from or "").split(".", 1)[0] for f in meta.value_fields}
        for f in meta.value_fields:
            if f.fieldtype != "Link" or f.read_only or not site.metas.exists(f.options):
                continue
            target = site.metas.get(f.options)
            if target.issingle or site.perms.scope_path(target, "village") is None:
                continue
            if f.fieldname in fetch_sources or _rules_reading(meta.doctype, f.fieldname):
                cases.append((meta.name, f.fieldname, f.options))
    return cases


def _base_doc(site, doctype: str) -> dict:
    """A complete document of the clerk's own village to start from (only the link under test
    changes), so the answer holds what the link changes and not a list of empty fields."""
    admin = site.session("Administrator")
    rows = admin.get_list(
        doctype, fields=["name"], filters={"village": village_of(site, CLERK)}, order_by="name asc"
    )
    if not rows:
        return {}
    stored = admin.get(doctype, rows[0]["name"])
    doc = {
        k: v for k, v in stored.items() if k not in _SYSTEM and k not in ("workflow_state", "amended_from")
    }
    for key, value in list(doc.items()):
        if isinstance(value, list):
            doc[key] = [{k: v for k, v in row.items() if k not in _SYSTEM and k != "parent"} for row in value]
    return doc


def _normalized(answer, value: str) -> tuple:
    body = answer.json()
    messages = [json.loads(m) for m in json.loads(body.get("_server_messages") or "[]")]
    text = json.dumps([m.get("message") for m in messages] + [m.get("message_zh") for m in messages])
    return answer.status_code, exc_type(answer), tuple(body.get("fields") or ()), text.replace(value, "<v>")


def test_every_rule_reading_a_refused_link_stays_silent(app, site):
    clerk = api_login(app, CLERK)
    other_village = village_of(site, OTHER_CLERK)
    cases = _cases(site)
    walked = {(doctype, field) for doctype, field, _ in cases}
    # the forms of issue 12's finding are all in the walk
    assert {("Pregnancy Record", "person"), ("Subsidy Application", "applicant")} <= walked, walked
    admin = site.session("Administrator")
    for doctype, fieldname, target in cases:
        base = _base_doc(site, doctype)
        theirs = [
            r["name"]
            for r in admin.get_list(
                target, fields=["name"], filters={"village": other_village}, limit_page_length=0
            )
        ]
        assert theirs, (doctype, fieldname, target)
        baseline_answer = clerk.post(f"/api/resource/{doctype}", json={**base, fieldname: NO_SUCH})
        baseline = _normalized(baseline_answer, NO_SUCH)
        assert baseline[0] == 417 and fieldname in baseline[2], (doctype, fieldname, baseline)
        for rule in _rules_reading(site.metas.get(doctype).doctype, fieldname):
            assert rule.message.en not in baseline[3] and rule.message.zh not in baseline[3], (doctype, rule)
        for name in theirs:
            answer = clerk.post(f"/api/resource/{doctype}", json={**base, fieldname: name})
            assert _normalized(answer, name) == baseline, (doctype, fieldname, name, answer.text)


def test_the_refused_person_is_the_only_message(app, site):
    """issue 12's own probe: a pregnancy record naming another village's man and woman."""
    admin = site.session("Administrator")
    other = village_of(site, OTHER_CLERK)
    clerk = api_login(app, CLERK)
    for gender in ("Male", "Female"):
        person = admin.get_list("Person", fields=["name"], filters={"village": other, "gender": gender})[0]
        answer = clerk.post(
            "/api/resource/Pregnancy Record",
            json={"person": person["name"], "lmp_date": "2026-06-01", "outcome": "Ongoing"},
        )
        assert answer.status_code == 417, answer.text
        assert "person" in answer.json()["fields"], answer.text
        assert not {"household", "village", "person_name"} & set(answer.json()["fields"]), answer.text
        assert not re.search(r"female|女性|ongoing|怀孕", answer.text, re.IGNORECASE), answer.text


@pytest.mark.parametrize("doctype", ["Person"])
def test_a_unique_clash_with_an_unreadable_record_does_not_say_used(app, site, doctype):
    """L2: the answer to an ID number registered in another village does not confirm that it is
    registered: it reads as a refusal to register here, names no record and no village, and the
    attempt is audited for the township."""
    admin = site.session("Administrator")
    theirs = admin.get_list(
        doctype,
        fields=["name", "id_number"],
        filters={"village": village_of(site, OTHER_CLERK), "id_number": ["is", "set"]},
    )[0]
    household = admin.get_list("Household", fields=["name"], filters={"village": village_of(site, CLERK)})[0]
    clerk = api_login(app, CLERK)
    before = site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'unique_probe' AND user = ?", (CLERK,)
    )
    answer = clerk.post(
        f"/api/resource/{doctype}",
        json={
            "household": household["name"],
            "full_name": "重号",
            "gender": "Female",
            "date_of_birth": "2000-01-01",
            "relationship": "Daughter",
            "id_number": theirs["id_number"],
        },
    )
    assert answer.status_code == 417, answer.text
    assert exc_type(answer) != "UniqueValidationError"
    assert not re.search(r"unique|already|已被使用|重复", answer.text, re.IGNORECASE), answer.text
    assert theirs["name"] not in answer.text and village_of(site, OTHER_CLERK) not in answer.text
    after = site.db.scalar(
        "SELECT COUNT(*) FROM __audit_log WHERE action = 'unique_probe' AND user = ?", (CLERK,)
    )
    assert after == before + 1
